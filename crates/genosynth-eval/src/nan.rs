//! Reading report.json back: serde_json writes an undefined statistic (NaN, ±∞) as `null`, and
//! the fields that can hold one read `null` as NaN again, so a report round-trips
//! (`#[serde(deserialize_with = "crate::nan::deserialize")]` on each such field).

use serde::{Deserialize, Deserializer};

/// A value that may hold `f64`s, read from JSON where each may be `null`.
pub(crate) trait NanAsNull: Sized {
    /// The same shape with `Option<f64>` for every `f64`.
    type Wire: for<'de> Deserialize<'de>;
    /// `None` becomes NaN.
    fn from_wire(wire: Self::Wire) -> Self;
}

impl NanAsNull for f64 {
    type Wire = Option<f64>;
    fn from_wire(wire: Option<f64>) -> f64 {
        wire.unwrap_or(f64::NAN)
    }
}

impl NanAsNull for usize {
    type Wire = usize;
    fn from_wire(wire: usize) -> usize {
        wire
    }
}

impl NanAsNull for String {
    type Wire = String;
    fn from_wire(wire: String) -> String {
        wire
    }
}

impl NanAsNull for [f64; 3] {
    type Wire = [Option<f64>; 3];
    fn from_wire(wire: [Option<f64>; 3]) -> [f64; 3] {
        wire.map(f64::from_wire)
    }
}

impl<T: NanAsNull> NanAsNull for Vec<T> {
    type Wire = Vec<T::Wire>;
    fn from_wire(wire: Vec<T::Wire>) -> Vec<T> {
        wire.into_iter().map(T::from_wire).collect()
    }
}

impl<T: NanAsNull> NanAsNull for Option<T> {
    type Wire = Option<T::Wire>;
    fn from_wire(wire: Option<T::Wire>) -> Option<T> {
        wire.map(T::from_wire)
    }
}

impl<A: NanAsNull, B: NanAsNull> NanAsNull for (A, B) {
    type Wire = (A::Wire, B::Wire);
    fn from_wire((a, b): Self::Wire) -> Self {
        (A::from_wire(a), B::from_wire(b))
    }
}

impl<A: NanAsNull, B: NanAsNull, C: NanAsNull> NanAsNull for (A, B, C) {
    type Wire = (A::Wire, B::Wire, C::Wire);
    fn from_wire((a, b, c): Self::Wire) -> Self {
        (A::from_wire(a), B::from_wire(b), C::from_wire(c))
    }
}

/// Deserialises `T`, reading each `null` where an `f64` belongs as NaN.
pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: NanAsNull>(d: D) -> Result<T, D::Error> {
    T::Wire::deserialize(d).map(T::from_wire)
}
