//! A backend that fails on purpose, for tests of what a failure leaves
//! behind: writes that stop part way (a disk filling up), and any one kind
//! of operation failing outright.

use std::sync::{Arc, Mutex};

use crate::backend::{BackendKind, IoBackend};
use crate::op::{Completion, IoError, Op};
use crate::ticket::{ticket, Ticket};

/// What to break.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Bytes that may still be written; the write that crosses it is cut
    /// short there and later ones fail with a full disk.
    pub write_budget: Option<usize>,
    /// An operation (by [`Op::name`]) that fails with an I/O error.
    pub fail_op: Option<&'static str>,
}

/// Wraps a real backend and breaks what [`Faults`] says.
#[derive(Debug)]
pub struct FaultyBackend {
    inner: Arc<dyn IoBackend>,
    faults: Mutex<Faults>,
}

impl FaultyBackend {
    pub fn new(inner: Arc<dyn IoBackend>, faults: Faults) -> Self {
        FaultyBackend { inner, faults: Mutex::new(faults) }
    }

    pub fn set(&self, faults: Faults) {
        *self.faults.lock().unwrap_or_else(|e| e.into_inner()) = faults;
    }

    fn fail_now(&self, op: Op, error: IoError) -> Ticket {
        let (ticket, done) = ticket(0);
        done.complete(Completion { result: Err(error), buf: op.take_buf() });
        ticket
    }
}

impl IoBackend for FaultyBackend {
    fn kind(&self) -> BackendKind {
        self.inner.kind()
    }

    fn submit(&self, op: Op) -> Ticket {
        let mut faults = self.faults.lock().unwrap_or_else(|e| e.into_inner());
        if faults.fail_op == Some(op.name()) {
            let path = op.path();
            let error = IoError::from_os(op.name(), path, std::io::Error::from_raw_os_error(libc::EIO));
            drop(faults);
            return self.fail_now(op, error);
        }
        if let (Op::Write { buf, .. }, Some(budget)) = (&op, faults.write_budget) {
            if budget == 0 {
                drop(faults);
                return self.fail_now(op, IoError::DiskFull { path: None });
            }
            let len = buf.len();
            faults.write_budget = Some(budget.saturating_sub(len));
            if len > budget {
                let Op::Write { file, offset, mut buf } = op else { unreachable!() };
                buf.set_len(budget);
                drop(faults);
                return self.inner.submit(Op::Write { file, offset, buf });
            }
        }
        drop(faults);
        self.inner.submit(op)
    }

    fn cancel(&self, ticket_id: u64) {
        self.inner.cancel(ticket_id);
    }

    fn in_flight(&self) -> usize {
        self.inner.in_flight()
    }

    fn shutdown(&self) {
        self.inner.shutdown();
    }
}
