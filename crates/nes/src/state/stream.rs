//! One description of each component's state serves both directions: a
//! component's `persist` names its fields in order, and the stream either
//! writes them (capture) or overwrites them (restore). Adding a field to a
//! component and to its `persist` is all a new field needs (plus a format
//! version bump; see `super`).

/// A direction of travel for state: [`Writer`] or [`Reader`].
pub trait Stream {
    fn u8(&mut self, v: &mut u8);
    fn bytes(&mut self, v: &mut [u8]);
    /// True when the stream overwrites state (a restore), for the few
    /// components that react to being restored.
    fn restoring(&self) -> bool {
        false
    }
    /// False for a lean stream (rewind, run-ahead): the picture is left
    /// out, since running a frame draws all of it again.
    fn with_picture(&self) -> bool {
        true
    }

    fn bool(&mut self, v: &mut bool) {
        let mut b = u8::from(*v);
        self.u8(&mut b);
        *v = b != 0;
    }
    fn u16(&mut self, v: &mut u16) {
        let mut b = v.to_le_bytes();
        self.bytes(&mut b);
        *v = u16::from_le_bytes(b);
    }
    fn u32(&mut self, v: &mut u32) {
        let mut b = v.to_le_bytes();
        self.bytes(&mut b);
        *v = u32::from_le_bytes(b);
    }
    fn u64(&mut self, v: &mut u64) {
        let mut b = v.to_le_bytes();
        self.bytes(&mut b);
        *v = u64::from_le_bytes(b);
    }
    fn usize(&mut self, v: &mut usize) {
        let mut x = *v as u64;
        self.u64(&mut x);
        *v = x as usize;
    }
    fn f32(&mut self, v: &mut f32) {
        let mut bits = v.to_bits();
        self.u32(&mut bits);
        *v = f32::from_bits(bits);
    }
    fn f64(&mut self, v: &mut f64) {
        let mut bits = v.to_bits();
        self.u64(&mut bits);
        *v = f64::from_bits(bits);
    }
    fn u16s(&mut self, v: &mut [u16]) {
        for x in v {
            self.u16(x);
        }
    }
    fn u32s(&mut self, v: &mut [u32]) {
        for x in v {
            self.u32(x);
        }
    }
    fn u64s(&mut self, v: &mut [u64]) {
        for x in v {
            self.u64(x);
        }
    }
    fn f32s(&mut self, v: &mut [f32]) {
        for x in v {
            self.f32(x);
        }
    }
}

/// Something whose state can be captured and restored.
pub trait Persist {
    fn persist<S: Stream>(&mut self, s: &mut S);
}

macro_rules! persist_primitive {
    ($($t:ty => $m:ident),*) => {
        $(impl Persist for $t {
            #[inline]
            fn persist<S: Stream>(&mut self, s: &mut S) {
                s.$m(self);
            }
        })*
    };
}

persist_primitive!(u8 => u8, u16 => u16, u32 => u32, u64 => u64, usize => usize, bool => bool, f32 => f32, f64 => f64);

impl Persist for i16 {
    fn persist<S: Stream>(&mut self, s: &mut S) {
        let mut x = *self as u16;
        s.u16(&mut x);
        *self = x as i16;
    }
}

impl<T: Persist, const N: usize> Persist for [T; N] {
    fn persist<S: Stream>(&mut self, s: &mut S) {
        for x in self {
            x.persist(s);
        }
    }
}

impl<T: Persist> Persist for [T] {
    fn persist<S: Stream>(&mut self, s: &mut S) {
        for x in self {
            x.persist(s);
        }
    }
}

impl<A: Persist, B: Persist> Persist for (A, B) {
    fn persist<S: Stream>(&mut self, s: &mut S) {
        self.0.persist(s);
        self.1.persist(s);
    }
}

impl<T: Persist + Default> Persist for Option<T> {
    fn persist<S: Stream>(&mut self, s: &mut S) {
        let mut some = self.is_some();
        s.bool(&mut some);
        let mut value = self.take().unwrap_or_default();
        value.persist(s);
        *self = some.then_some(value);
    }
}

impl<T: Persist + ?Sized> Persist for Box<T> {
    fn persist<S: Stream>(&mut self, s: &mut S) {
        (**self).persist(s);
    }
}

/// Implements [`Persist`] for a struct by listing its fields in order.
macro_rules! persist_fields {
    ($ty:ty { $($field:ident),* $(,)? }) => {
        impl $crate::state::Persist for $ty {
            #[allow(unused_variables)] // boards with no registers of their own
            fn persist<S: $crate::state::Stream>(&mut self, s: &mut S) {
                $( $crate::state::Persist::persist(&mut self.$field, s); )*
            }
        }
    };
}
pub(crate) use persist_fields;

/// [`persist_fields`] as an inherent method of its own name, for a type
/// whose `Persist` adds something the list cannot say.
macro_rules! persist_fields_as {
    ($ty:ty, $method:ident { $($field:ident),* $(,)? }) => {
        impl $ty {
            fn $method<S: $crate::state::Stream>(&mut self, s: &mut S) {
                $( $crate::state::Persist::persist(&mut self.$field, s); )*
            }
        }
    };
}
pub(crate) use persist_fields_as;

/// Appends state to a buffer. With the buffer's capacity reserved, a
/// capture allocates nothing.
#[derive(Debug)]
pub struct Writer<'a> {
    out: &'a mut Vec<u8>,
    lean: bool,
}

impl<'a> Writer<'a> {
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        Writer { out, lean: false }
    }

    /// A writer that leaves the picture out.
    pub fn lean(out: &'a mut Vec<u8>) -> Self {
        Writer { out, lean: true }
    }
}

impl Stream for Writer<'_> {
    fn with_picture(&self) -> bool {
        !self.lean
    }
    #[inline]
    fn u8(&mut self, v: &mut u8) {
        self.out.push(*v);
    }
    #[inline]
    fn bytes(&mut self, v: &mut [u8]) {
        self.out.extend_from_slice(v);
    }
}

/// Overwrites state from a buffer. Running out of data stops all further
/// changes and is reported by [`Reader::finish`].
#[derive(Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    short: bool,
    lean: bool,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0, short: false, lean: false }
    }

    /// A reader of a lean capture: the picture stays as it is.
    pub fn lean(data: &'a [u8]) -> Self {
        Reader { data, pos: 0, short: false, lean: true }
    }

    /// Bytes it reads from.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// True when every read was satisfied and every byte was used.
    pub fn finish(&self) -> bool {
        !self.short && self.pos == self.data.len()
    }
}

impl Stream for Reader<'_> {
    fn restoring(&self) -> bool {
        true
    }
    fn with_picture(&self) -> bool {
        !self.lean
    }
    #[inline]
    fn u8(&mut self, v: &mut u8) {
        match self.data.get(self.pos) {
            Some(&b) if !self.short => {
                *v = b;
                self.pos += 1;
            }
            _ => self.short = true,
        }
    }
    #[inline]
    fn bytes(&mut self, v: &mut [u8]) {
        match self.data.get(self.pos..self.pos + v.len()) {
            Some(src) if !self.short => {
                v.copy_from_slice(src);
                self.pos += v.len();
            }
            _ => self.short = true,
        }
    }
}

/// Counts the bytes a capture would write (to size a snapshot buffer).
#[derive(Debug, Default)]
pub struct Counter {
    pub len: usize,
    /// Counting a lean capture.
    pub lean: bool,
}

impl Stream for Counter {
    fn with_picture(&self) -> bool {
        !self.lean
    }
    fn u8(&mut self, _: &mut u8) {
        self.len += 1;
    }
    fn bytes(&mut self, v: &mut [u8]) {
        self.len += v.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq)]
    pub(super) struct Sample {
        a: u8,
        b: u16,
        c: u64,
        d: bool,
        e: f32,
        f: Option<u8>,
        g: [u16; 3],
    }

    persist_fields!(Sample { a, b, c, d, e, f, g });

    #[test]
    fn round_trip_and_short_data() {
        let mut x = Sample { a: 1, b: 0x1234, c: u64::MAX - 5, d: true, e: -0.25, f: Some(9), g: [7, 8, 9] };
        let mut buf = Vec::new();
        x.persist(&mut Writer::new(&mut buf));
        let mut counter = Counter::default();
        x.persist(&mut counter);
        assert_eq!(counter.len, buf.len());
        let mut y = Sample::default();
        let mut r = Reader::new(&buf);
        y.persist(&mut r);
        assert!(r.finish());
        assert_eq!(x, y);
        // Too little data: the reader says so.
        let mut z = Sample::default();
        let mut r = Reader::new(&buf[..buf.len() - 1]);
        z.persist(&mut r);
        assert!(!r.finish());
    }
}
