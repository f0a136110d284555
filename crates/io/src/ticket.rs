//! A submitted operation's handle: poll it, wait for it with a timeout, or
//! `.await` it (the backend wakes the task when the completion arrives).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crate::op::Completion;

#[derive(Debug, Default)]
struct Slot {
    state: Mutex<State>,
    done: Condvar,
}

#[derive(Debug, Default)]
enum State {
    #[default]
    Pending,
    Waiting(Waker),
    Done(Completion),
    Taken,
}

/// The caller's end of one operation.
#[derive(Debug)]
pub struct Ticket {
    id: u64,
    slot: Arc<Slot>,
}

/// The backend's end: completes the ticket once.
#[derive(Debug)]
pub(crate) struct Completer {
    slot: Arc<Slot>,
}

pub(crate) fn ticket(id: u64) -> (Ticket, Completer) {
    let slot = Arc::new(Slot::default());
    (Ticket { id, slot: Arc::clone(&slot) }, Completer { slot })
}

impl Completer {
    pub fn complete(self, completion: Completion) {
        self.finish(completion);
    }

    fn finish(&self, completion: Completion) {
        let mut state = self.slot.state.lock().unwrap_or_else(|e| e.into_inner());
        if matches!(*state, State::Done(_) | State::Taken) {
            return;
        }
        let previous = std::mem::replace(&mut *state, State::Done(completion));
        drop(state);
        self.slot.done.notify_all();
        if let State::Waiting(waker) = previous {
            waker.wake();
        }
    }
}

/// A completer dropped without completing (a backend that stopped with the
/// operation still queued) completes its ticket with `ShutDown`, so no
/// caller waits forever.
impl Drop for Completer {
    fn drop(&mut self) {
        self.finish(Completion { result: Err(crate::op::IoError::ShutDown), buf: None });
    }
}

impl Ticket {
    /// Identifies the operation (for `cancel`).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The completion, if it has come (non-blocking).
    pub fn try_take(&self) -> Option<Completion> {
        let mut state = self.slot.state.lock().unwrap_or_else(|e| e.into_inner());
        match std::mem::replace(&mut *state, State::Taken) {
            State::Done(c) => Some(c),
            other => {
                *state = other;
                None
            }
        }
    }

    /// Waits up to `timeout` for the completion.
    pub fn wait_timeout(&self, timeout: Duration) -> Option<Completion> {
        let deadline = Instant::now() + timeout;
        let mut state = self.slot.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let State::Done(_) = *state {
                let State::Done(c) = std::mem::replace(&mut *state, State::Taken) else { unreachable!() };
                return Some(c);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            state = self.slot.done.wait_timeout(state, left).unwrap_or_else(|e| e.into_inner()).0;
        }
    }

    /// Waits for the completion however long it takes.
    pub fn wait(self) -> Completion {
        loop {
            if let Some(c) = self.wait_timeout(Duration::from_secs(3600)) {
                return c;
            }
        }
    }
}

impl Future for Ticket {
    type Output = Completion;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Completion> {
        let mut state = self.slot.state.lock().unwrap_or_else(|e| e.into_inner());
        match std::mem::replace(&mut *state, State::Taken) {
            State::Done(c) => Poll::Ready(c),
            State::Taken => panic!("a ticket's completion was already taken"),
            State::Pending | State::Waiting(_) => {
                *state = State::Waiting(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Runs a future to its end on this thread (for callers that are not
/// async: the CLI, tests). Parks between wake-ups.
pub fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_completer_ends_the_wait() {
        let (waiting, done) = ticket(1);
        drop(done);
        let c = waiting.wait_timeout(Duration::from_secs(1)).expect("completed");
        assert!(matches!(c.result, Err(crate::op::IoError::ShutDown)));
        let (waiting, done) = ticket(2);
        done.complete(Completion { result: Ok(crate::op::Outcome::Synced), buf: None });
        assert!(matches!(waiting.try_take().unwrap().result, Ok(crate::op::Outcome::Synced)), "complete wins");
    }
}
