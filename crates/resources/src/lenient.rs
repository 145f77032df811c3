//! Lenient decoding helpers used by the generated models.
//!
//! Over 600 lines because each helper is one lenient rule that generated models name by path
//! (`lenient::id`, `lenient::opt_iso`, …), beside `Timestamp` and its parsers; splitting would
//! only lengthen those paths. About 50 lines are tests.
//!
//! Intercom's responses do not always match their declared types (facts §k.2, §k.3, §k.12):
//! ids arrive as strings or numbers, timestamps as Unix seconds, numeric strings or ISO 8601,
//! `per_page` sometimes as a string. The generated models route such fields through the
//! functions here, so a surprising but meaningful value never fails a whole response.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

/// Defines an open string enum: one variant per known value plus `Other(String)`, which keeps
/// any value this version of the SDK does not know, so decoding never fails on a new value.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $($variant:ident = $value:literal,)* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $(#[doc = concat!("`", $value, "`")] $variant,)*
            /// A value this version of the SDK does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Other(other) => other,
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($value => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::from(value.as_str())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $crate::lenient::first_or_other(&[$(Self::$variant),*])
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::lenient::enum_string(deserializer).map(Self::from)
            }
        }
    };
}
pub(crate) use open_enum;

/// The default of an open enum: its first known value.
#[doc(hidden)]
pub fn first_or_other<T: Clone + From<&'static str>>(known: &[T]) -> T {
    match known.first() {
        Some(first) => first.clone(),
        None => T::from(""),
    }
}

/// Reads any scalar as a string (for open enums): strings, numbers and booleans.
#[doc(hidden)]
pub fn enum_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(ScalarString { what: "a string" })
        .map(|s| s.unwrap_or_default())
}

struct ScalarString {
    what: &'static str,
}

impl<'de> Visitor<'de> for ScalarString {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// An id that may arrive as a string or a number, exposed as a string.
#[doc(hidden)]
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    opt_id(d).map(Option::unwrap_or_default)
}

/// An optional id that may arrive as a string or a number (or null).
#[doc(hidden)]
pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(ScalarString {
        what: "an id (string or number)",
    })
}

struct Ids;

impl<'de> Visitor<'de> for Ids {
    type Value = Option<Vec<String>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of ids")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element::<LenientId>()? {
            out.push(item.0);
        }
        Ok(Some(out))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

struct LenientId(String);

impl<'de> Deserialize<'de> for LenientId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        id(d).map(LenientId)
    }
}

/// A list of ids, each a string or a number.
#[doc(hidden)]
pub fn ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    opt_ids(d).map(Option::unwrap_or_default)
}

/// An optional list of ids, each a string or a number.
#[doc(hidden)]
pub fn opt_ids<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    d.deserialize_any(Ids)
}

/// Writes an id declared as an integer: as a number when it is one, else as a string.
#[doc(hidden)]
pub fn int_id<S: Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    match v.parse::<i64>() {
        Ok(n) => s.serialize_i64(n),
        Err(_) => s.serialize_str(v),
    }
}

/// [`int_id`] for an optional field (skipped when `None`).
#[doc(hidden)]
pub fn opt_int_id<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => int_id(v, s),
        None => s.serialize_none(),
    }
}

/// Writes a list of ids declared as integers: each as a number when it is one.
#[doc(hidden)]
pub fn int_ids<S: Serializer>(v: &[String], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq as _;
    let mut seq = s.serialize_seq(Some(v.len()))?;
    for id in v {
        match id.parse::<i64>() {
            Ok(n) => seq.serialize_element(&n)?,
            Err(_) => seq.serialize_element(id)?,
        }
    }
    seq.end()
}

/// [`int_ids`] for an optional field (skipped when `None`).
#[doc(hidden)]
pub fn opt_int_ids<S: Serializer>(v: &Option<Vec<String>>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => int_ids(v, s),
        None => s.serialize_none(),
    }
}

struct Number {
    integer: bool,
}

/// A number read leniently, as i64 or f64.
enum Num {
    Int(i64),
    Float(f64),
}

impl<'de> Visitor<'de> for Number {
    type Value = Option<Num>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.integer {
            "an integer (or a numeric string)"
        } else {
            "a number (or a numeric string)"
        })
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Num::Int(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        match i64::try_from(v) {
            Ok(v) => Ok(Some(Num::Int(v))),
            Err(_) => Ok(Some(Num::Float(v as f64))),
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(Num::Float(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(None);
        }
        if let Ok(n) = t.parse::<i64>() {
            return Ok(Some(Num::Int(n)));
        }
        match t.parse::<f64>() {
            Ok(f) => Ok(Some(Num::Float(f))),
            Err(_) => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// An integer that may arrive as a number or a numeric string.
#[doc(hidden)]
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    opt_int(d).map(Option::unwrap_or_default)
}

/// An optional integer that may arrive as a number, a numeric string or null. A float with a
/// fractional part is truncated toward zero.
#[doc(hidden)]
pub fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match d.deserialize_any(Number { integer: true })? {
        Some(Num::Int(n)) => Some(n),
        Some(Num::Float(f)) => Some(f as i64),
        None => None,
    })
}

/// A float that may arrive as a number or a numeric string.
#[doc(hidden)]
pub fn float<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    opt_float(d).map(Option::unwrap_or_default)
}

/// An optional float that may arrive as a number, a numeric string or null.
#[doc(hidden)]
pub fn opt_float<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match d.deserialize_any(Number { integer: false })? {
        Some(Num::Int(n)) => Some(n as f64),
        Some(Num::Float(f)) => Some(f),
        None => None,
    })
}

/// How a [`Timestamp`] is written back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TimestampFormat {
    /// Unix seconds, as a JSON integer.
    #[default]
    UnixSeconds,
    /// An ISO 8601 / RFC 3339 string in UTC (`2025-07-21T14:44:35Z`).
    Iso8601,
}

/// A point in time, read from Unix seconds (number or numeric string) or ISO 8601.
///
/// Intercom uses Unix seconds for most timestamps and ISO 8601 strings for newer resources
/// (facts §k.3). A `Timestamp` accepts both, remembers which one it read, and writes the same
/// form back. Equality compares the instant only.
#[derive(Debug, Clone, Copy, Default, Eq)]
pub struct Timestamp {
    seconds: i64,
    nanos: u32,
    format: TimestampFormat,
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.seconds == other.seconds && self.nanos == other.nanos
    }
}

impl std::hash::Hash for Timestamp {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.seconds.hash(state);
        self.nanos.hash(state);
    }
}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.seconds, self.nanos).cmp(&(other.seconds, other.nanos))
    }
}

/// The error of [`Timestamp::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError(String);

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is neither Unix seconds nor an ISO 8601 date-time",
            self.0
        )
    }
}

impl std::error::Error for TimestampError {}

impl Timestamp {
    /// A timestamp at `seconds` since the Unix epoch, written back as an integer.
    pub const fn from_unix(seconds: i64) -> Self {
        Self {
            seconds,
            nanos: 0,
            format: TimestampFormat::UnixSeconds,
        }
    }

    /// The same instant, written back in `format`.
    #[must_use]
    pub const fn with_format(mut self, format: TimestampFormat) -> Self {
        self.format = format;
        self
    }

    /// Seconds since the Unix epoch (rounded down).
    pub const fn unix_seconds(&self) -> i64 {
        self.seconds
    }

    /// The sub-second part, in nanoseconds.
    pub const fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    /// The form this timestamp is written back in.
    pub const fn format(&self) -> TimestampFormat {
        self.format
    }

    /// Converts to a [`std::time::SystemTime`]; `None` when this platform's clock cannot
    /// represent the instant (a server may send any `i64`, such as `9223372036854775807`).
    pub fn to_system_time(&self) -> Option<std::time::SystemTime> {
        let base = std::time::UNIX_EPOCH;
        let whole = std::time::Duration::from_secs(self.seconds.unsigned_abs());
        let sub = std::time::Duration::from_nanos(u64::from(self.nanos));
        let at = if self.seconds >= 0 {
            base.checked_add(whole)?
        } else {
            base.checked_sub(whole)?
        };
        at.checked_add(sub)
    }

    /// Parses Unix seconds (`"1700000000"`, `"1700000000.5"`) or ISO 8601
    /// (`2025-07-21T14:44:35.000Z`, `2025-07-21T16:44:35+02:00`, `2025-07-21 14:44:35 UTC`,
    /// `2025-07-21`).
    pub fn parse(s: &str) -> Result<Self, TimestampError> {
        let t = s.trim();
        if let Ok(n) = t.parse::<i64>() {
            return Ok(Self::from_unix(n));
        }
        if t.bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        {
            if let Ok(f) = t.parse::<f64>() {
                return Ok(Self::from_float(f));
            }
        }
        parse_iso(t).ok_or_else(|| TimestampError(s.to_owned()))
    }

    fn from_float(f: f64) -> Self {
        let seconds = f.floor();
        let nanos = ((f - seconds) * 1e9).round().clamp(0.0, 999_999_999.0) as u32;
        Self {
            seconds: seconds as i64,
            nanos,
            format: TimestampFormat::UnixSeconds,
        }
    }

    /// RFC 3339 in UTC, with fractional seconds only when there are any.
    pub fn to_rfc3339(&self) -> String {
        let days = self.seconds.div_euclid(86_400);
        let secs = self.seconds.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let (hh, mm, ss) = (secs / 3600, secs % 3600 / 60, secs % 60);
        if self.nanos == 0 {
            format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
        } else {
            let frac = format!("{:09}", self.nanos);
            let frac = frac.trim_end_matches('0');
            format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{frac}Z")
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.format {
            TimestampFormat::UnixSeconds => write!(f, "{}", self.seconds),
            TimestampFormat::Iso8601 => f.write_str(&self.to_rfc3339()),
        }
    }
}

impl std::str::FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl From<i64> for Timestamp {
    fn from(seconds: i64) -> Self {
        Self::from_unix(seconds)
    }
}

impl From<std::time::SystemTime> for Timestamp {
    fn from(t: std::time::SystemTime) -> Self {
        match t.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => Self {
                seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                nanos: d.subsec_nanos(),
                format: TimestampFormat::UnixSeconds,
            },
            Err(e) => Self::from_float(-e.duration().as_secs_f64()),
        }
    }
}

// Days since 1970-01-01 → (year, month, day); Howard Hinnant's civil calendar algorithms.
// The lint is allowed: every caller passes `i64 seconds / 86_400` (|z| < 1.1e14), so each
// intermediate stays below 1e17, far inside `i64`; the fuzzer's model target covers it.
#[allow(clippy::arithmetic_side_effects)]
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

// The lint is allowed: `y` comes from four digits (0..=9999) and `m`, `d` are range-checked
// by the caller, so no intermediate comes near `i64`'s bounds.
#[allow(clippy::arithmetic_side_effects)]
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

// The lint is allowed: indices never pass the input's length (all reads go through `get`);
// year (four digits), hours, minutes, seconds and offset (at most 99:99) are bounded before
// they are combined, so the seconds stay within ±3.2e11.
#[allow(clippy::arithmetic_side_effects)]
fn parse_iso(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs = days_from_civil(y, mo, d) * 86_400;
    let mut nanos = 0u32;
    let mut i = 10;
    if i < b.len() && (b[i] == b'T' || b[i] == b't' || b[i] == b' ') {
        i += 1;
        let hh = num(i..i + 2)?;
        if b.get(i + 2) != Some(&b':') {
            return None;
        }
        let mm = num(i + 3..i + 5)?;
        i += 5;
        let mut ss = 0;
        if b.get(i) == Some(&b':') {
            ss = num(i + 1..i + 3)?;
            i += 3;
        }
        if hh > 23 || mm > 59 || ss > 60 {
            return None;
        }
        secs += hh * 3600 + mm * 60 + ss;
        if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let digits = std::str::from_utf8(b.get(start..i)?).ok()?;
            if digits.is_empty() {
                return None;
            }
            let mut padded: String = digits.chars().take(9).collect();
            while padded.len() < 9 {
                padded.push('0');
            }
            nanos = padded.parse().ok()?;
        }
        let rest = s.get(i..)?.trim_start();
        match rest {
            "" | "Z" | "z" | "UTC" | "GMT" => {}
            _ => {
                let rb = rest.as_bytes();
                let sign = match rb.first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => return None,
                };
                let digits: String = rest[1..].chars().filter(|c| *c != ':').collect();
                if digits.len() != 4 && digits.len() != 2 {
                    return None;
                }
                let oh: i64 = digits.get(0..2)?.parse().ok()?;
                let om: i64 = digits
                    .get(2..)
                    .filter(|m| !m.is_empty())
                    .map_or(Some(0), |m| m.parse().ok())?;
                secs -= sign * (oh * 3600 + om * 60);
            }
        }
    } else if i != b.len() {
        return None;
    }
    Some(Timestamp {
        seconds: secs,
        nanos,
        format: TimestampFormat::Iso8601,
    })
}

struct TimestampVisitor;

impl<'de> Visitor<'de> for TimestampVisitor {
    type Value = Option<Timestamp>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Unix seconds or an ISO 8601 date-time")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Timestamp::from_unix(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Timestamp::from_unix(
            i64::try_from(v).unwrap_or(i64::MAX),
        )))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(Timestamp::from_float(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.trim().is_empty() {
            return Ok(None);
        }
        Timestamp::parse(v).map(Some).map_err(E::custom)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TimestampVisitor)
            .map(Option::unwrap_or_default)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.format {
            TimestampFormat::UnixSeconds => s.serialize_i64(self.seconds),
            TimestampFormat::Iso8601 => s.serialize_str(&self.to_rfc3339()),
        }
    }
}

/// Writes a timestamp declared as an ISO 8601 string.
#[doc(hidden)]
pub fn iso<S: Serializer>(v: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_rfc3339())
}

/// [`iso`] for an optional field.
#[doc(hidden)]
pub fn opt_iso<S: Serializer>(v: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => iso(v, s),
        None => s.serialize_none(),
    }
}

/// Writes a timestamp declared as an integer: Unix seconds.
#[doc(hidden)]
pub fn unix<S: Serializer>(v: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(v.seconds)
}

/// [`unix`] for an optional field.
#[doc(hidden)]
pub fn opt_unix<S: Serializer>(v: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => unix(v, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let t: Timestamp = serde_json::from_str("1700000000").unwrap_or_default();
        assert_eq!(t.unix_seconds(), 1_700_000_000);
        let s: Timestamp = serde_json::from_str("\"1700000000\"").unwrap_or_default();
        assert_eq!(s, t);
        let iso: Timestamp =
            serde_json::from_str("\"2023-11-14T22:13:20.000Z\"").unwrap_or_default();
        assert_eq!(iso, t);
        assert_eq!(iso.to_rfc3339(), "2023-11-14T22:13:20Z");
        assert_eq!(
            serde_json::to_string(&iso).ok().as_deref(),
            Some("\"2023-11-14T22:13:20Z\"")
        );
        let off = Timestamp::parse("2023-11-15T00:13:20+02:00").ok();
        assert_eq!(off, Some(t));
        assert_eq!(
            Timestamp::parse("1970-01-01").ok(),
            Some(Timestamp::from_unix(0))
        );
        assert!(Timestamp::parse("yesterday").is_err());
        assert_eq!(
            Timestamp::from_unix(-1).to_rfc3339(),
            "1969-12-31T23:59:59Z"
        );
    }

    #[test]
    fn numbers_and_ids() {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct T {
            #[serde(deserialize_with = "opt_int")]
            a: Option<i64>,
            #[serde(deserialize_with = "opt_id")]
            b: Option<String>,
            #[serde(deserialize_with = "opt_ids")]
            c: Option<Vec<String>>,
        }
        let t: T = serde_json::from_str(r#"{"a":"5","b":12,"c":[1,"x"]}"#).unwrap_or_default();
        assert_eq!(t.a, Some(5));
        assert_eq!(t.b.as_deref(), Some("12"));
        assert_eq!(t.c, Some(vec!["1".to_owned(), "x".to_owned()]));
        let n: T = serde_json::from_str(r#"{"a":null,"b":null,"c":null}"#).unwrap_or_default();
        assert_eq!((n.a, n.b, n.c), (None, None, None));
    }
}
