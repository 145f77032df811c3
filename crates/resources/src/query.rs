//! Query-string helpers for the generated operations.

use std::fmt::{Display, Write as _};

/// Joins list values with commas (`style: form, explode: false`).
pub(crate) fn csv<T: Display>(values: &[T]) -> String {
    let mut out = String::new();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{v}");
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn joins() {
        assert_eq!(super::csv(&[1, 2, 3]), "1,2,3");
        assert_eq!(super::csv::<String>(&[]), "");
    }
}
