//! Timestamps: Kojo writes both `2021-02-18T20:52:55.395Z` and `2021-03-24 17:26:46.983Z`;
//! both are read, and RFC 3339 is written.

use chrono::DateTime;

/// Normalises to RFC 3339, or `None` when it is not a timestamp. An RFC 3339 value is kept
/// as written; the space-separated form gets its `T`, nothing else changes.
pub fn normalize(raw: &str) -> Option<String> {
    let t = raw.trim();
    // The space-separated form Kojo's schema table shows gets its `T`.
    let t = match t.as_bytes().get(10) {
        Some(b' ') => format!("{}T{}", &t[..10], &t[11..]),
        _ => t.to_string(),
    };
    DateTime::parse_from_rfc3339(&t).ok().map(|_| t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_kojo_forms_read_as_rfc3339() {
        assert_eq!(
            normalize("2021-03-24 17:26:46.983Z").as_deref(),
            Some("2021-03-24T17:26:46.983Z")
        );
        assert_eq!(
            normalize("2021-02-18T20:52:55.395Z").as_deref(),
            Some("2021-02-18T20:52:55.395Z")
        );
        assert_eq!(
            normalize("2021-02-18T21:52:55+01:00").as_deref(),
            Some("2021-02-18T21:52:55+01:00")
        );
    }

    #[test]
    fn garbage_is_none() {
        assert_eq!(normalize("yesterday"), None);
        assert_eq!(normalize("2021-13-40 10:00:00Z"), None);
    }
}
