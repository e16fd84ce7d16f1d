//! Email addresses: trimmed, domain lower-cased (the local part is case-sensitive by RFC 5321,
//! so it is kept), then checked with the `validator` crate.

use validator::ValidateEmail;

/// Trims and lower-cases the domain: `  Jean.Dupont@Colibrix.FR ` → `Jean.Dupont@colibrix.fr`.
pub fn normalize(raw: &str) -> String {
    let t = raw.trim();
    match t.rfind('@') {
        Some(at) => {
            let mut s = String::with_capacity(t.len());
            s.push_str(&t[..at + 1]);
            s.push_str(&t[at + 1..].to_lowercase());
            s
        }
        None => t.to_string(),
    }
}

/// True when `email` (already normalised) is a valid address.
pub fn is_valid(email: &str) -> bool {
    // HTML5's rule (the validator crate's) accepts a bare host (`a@intranet`); a company
    // contact's address always has a dotted domain, and both providers send mail to it.
    !email.is_empty() && email.validate_email() && domain(email).contains('.')
}

/// The key providers match contacts on: the whole address, case-insensitive.
pub fn key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The domain, lower-case (for `--vendor-map`).
pub fn domain(email: &str) -> &str {
    email.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_lowercases_domain_only() {
        assert_eq!(
            normalize("  Jean.Dupont@Colibrix.FR "),
            "Jean.Dupont@colibrix.fr"
        );
        assert_eq!(normalize("no-at-sign"), "no-at-sign");
    }

    #[test]
    fn validates() {
        assert!(is_valid("patrick.bousso@colibrix.fr"));
        assert!(is_valid("elodie@société.fr"));
        assert!(!is_valid("patrick.bousso@"));
        assert!(!is_valid("patrick bousso@colibrix.fr"));
        assert!(!is_valid(""));
        assert!(!is_valid("emma.roux@colibrix"));
    }

    #[test]
    fn key_is_case_insensitive() {
        assert_eq!(key("John@Doe.com"), key("john@doe.COM"));
        assert_eq!(domain("a@b.fr"), "b.fr");
    }
}
