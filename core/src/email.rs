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

/// Normalises `email` where it lies (as [`normalize`]) when it is a valid address, and says so;
/// an invalid one is left exactly as read. No allocation for the common ASCII address.
pub fn normalize_in_place(email: &mut String) -> bool {
    let t = crate::normalize::trim(email);
    if !t.is_ascii() {
        let n = normalize(email);
        let ok = is_valid(&n);
        if ok {
            *email = n;
        }
        return ok;
    }
    // For ASCII, validity does not depend on the domain's case.
    let Some(at) = t.rfind('@') else {
        return false;
    };
    if !valid_parts(t, &t[..at], &t[at + 1..]) {
        return false;
    }
    // Where `t` lies in `email`.
    let (start, len) = (t.as_ptr() as usize - email.as_ptr() as usize, t.len());
    if len != email.len() {
        email.truncate(start + len);
        email.drain(..start);
    }
    email[at + 1..].make_ascii_lowercase();
    true
}

/// True when `email` (already normalised) is a valid address.
pub fn is_valid(email: &str) -> bool {
    email
        .rsplit_once('@')
        .is_some_and(|(user, domain)| valid_parts(email, user, domain))
}

/// `email`, split at its last `@`, is valid.
fn valid_parts(email: &str, user: &str, domain: &str) -> bool {
    // HTML5's rule (the validator crate's) accepts a bare host (`a@intranet`); a company
    // contact's address always has a dotted domain, and both providers send mail to it.
    domain.contains('.') && (plainly_valid(user, domain) || email.validate_email())
}

/// [`CHARS`]: a byte of a plain local part.
const USER: u8 = 1;
/// [`CHARS`]: a byte of a domain label (letters, digits, `-`).
const LABEL: u8 = 2;
/// What each byte may be in a plain address: one lookup a byte, this runs for every record.
static CHARS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        if (b as u8).is_ascii_alphanumeric() {
            t[b] = USER | LABEL;
        }
        b += 1;
    }
    let special = b"._-+'!#$%&*/=?^`{|}~";
    let mut i = 0;
    while i < special.len() {
        t[special[i] as usize] |= USER;
        i += 1;
    }
    t[b'-' as usize] |= LABEL;
    t
};

/// The common case decided without the validator's regexes: an ASCII address whose local part
/// is made of the HTML5 rule's characters and whose domain is dotted LDH labels. It only ever
/// accepts what the validator accepts (tested); anything else goes to the validator.
fn plainly_valid(user: &str, domain: &str) -> bool {
    let user_ok =
        !user.is_empty() && user.len() <= 64 && user.bytes().all(|b| CHARS[b as usize] & USER != 0);
    let label_ok = |l: &[u8]| {
        (1..=63).contains(&l.len())
            && l[0].is_ascii_alphanumeric()
            && l[l.len() - 1].is_ascii_alphanumeric()
            && l.iter().all(|&b| CHARS[b as usize] & LABEL != 0)
    };
    user_ok && domain.len() <= 255 && domain.as_bytes().split(|&b| b == b'.').all(label_ok)
}

/// The key contacts are matched on (one contact per key): the whole address, trimmed, in
/// Unicode NFC, its domain as IDNA ASCII (UTS 46: `société.fr` and `xn--socit-esab.fr` are
/// one domain), all in lower case. The NFC, NFD and punycode spellings of `x@société.fr` are
/// one key, so none of them makes a second contact (issue 19).
pub fn key(email: &str) -> String {
    let email = email.trim();
    if email.is_ascii() {
        return email.to_ascii_lowercase();
    }
    let nfc = icu_normalizer::ComposingNormalizerBorrowed::new_nfc().normalize(email);
    match nfc.rsplit_once('@') {
        Some((local, domain)) => {
            let domain = idna::domain_to_ascii(domain)
                .map(|d| d.to_ascii_lowercase())
                .unwrap_or_else(|_| domain.to_lowercase());
            format!("{}@{domain}", local.to_lowercase())
        }
        None => nfc.to_lowercase(),
    }
}

/// The spellings of `email` a provider that matches addresses as written may hold: as given,
/// in lower case, and in NFC with its domain in ASCII (punycode) and in Unicode. Distinct, in
/// that order.
pub fn spellings(email: &str) -> Vec<String> {
    let mut out: Vec<String> = vec![email.to_string(), email.to_lowercase()];
    let k = key(email);
    if let Some((local, domain)) = k.rsplit_once('@') {
        let (unicode, _) = idna::domain_to_unicode(domain);
        out.push(k.clone());
        out.push(format!("{local}@{unicode}"));
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|s| seen.insert(s.clone()));
    out
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
    fn in_place_is_normalize_then_validate() {
        for raw in [
            "  Jean.Dupont@Colibrix.FR ",
            "a@B.fr",
            "patrick.bousso@",
            " Élodie@Société.FR",
            "x@ÉCOLE.fr ",
            "bad@host",
            "",
        ] {
            let mut s = raw.to_string();
            let ok = normalize_in_place(&mut s);
            let n = normalize(raw);
            assert_eq!(ok, is_valid(&n), "{raw:?}");
            assert_eq!(s, if ok { n } else { raw.to_string() }, "{raw:?}");
        }
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

    proptest::proptest! {
        /// The shortcut never accepts an address the validator crate refuses.
        #[test]
        fn shortcut_only_accepts_what_validator_accepts(
            email in "[a-zA-Z0-9.!#'*+/=?^_`{|}~ é\\-]{0,70}@[a-zA-Z0-9.é_ -]{0,70}"
        ) {
            let (user, domain) = email.rsplit_once('@').unwrap();
            if plainly_valid(user, domain) {
                proptest::prop_assert!(email.as_str().validate_email(), "{}", email);
            }
        }

        #[test]
        fn shortcut_takes_ordinary_addresses(
            user in "[a-z][a-z0-9._+-]{0,20}[a-z0-9]", host in "[a-z0-9][a-z0-9-]{0,20}[a-z0-9]",
        ) {
            let email = format!("{user}@{host}.fr");
            proptest::prop_assert_eq!(plainly_valid(&user, &format!("{host}.fr")), email.as_str().validate_email());
        }
    }

    #[test]
    fn key_is_case_insensitive() {
        assert_eq!(key("John@Doe.com"), key("john@doe.COM"));
        assert_eq!(domain("a@b.fr"), "b.fr");
    }

    /// Issue 19: the NFC, NFD and punycode spellings of one address are one key.
    #[test]
    fn one_key_for_every_spelling_of_an_address() {
        let nfc = "X@soci\u{e9}t\u{e9}.fr";
        let nfd = "x@socie\u{301}te\u{301}.fr";
        let puny = "x@xn--socit-esab.fr";
        assert_eq!(key(nfc), key(nfd));
        assert_eq!(key(nfc), key(puny));
        assert_eq!(key(puny), "x@xn--socit-esab.fr");
        // The local part is normalised too (NFC), and stays Unicode.
        assert_eq!(key("Zoe\u{301}@exemple.fr"), key("zo\u{e9}@exemple.fr"));
        assert_eq!(key(" Jean.Dupont@Exemple.FR "), "jean.dupont@exemple.fr");
    }

    /// A vendor map's Unicode domain matches an address spelled in punycode, and back.
    #[test]
    fn vendor_map_domains_are_keyed_alike() {
        let map = crate::VendorMap::read(
            "email_domain,vendor_id,org_name\nsoci\u{e9}t\u{e9}.fr,v1,Soci\u{e9}t\u{e9}\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(map.get("a@xn--socit-esab.fr").map(|m| m.0), Some("v1"));
        assert_eq!(
            map.get("a@socie\u{301}te\u{301}.fr").map(|m| m.0),
            Some("v1")
        );
    }

    #[test]
    fn spellings_a_provider_may_hold() {
        assert_eq!(spellings("a@b.fr"), ["a@b.fr"]);
        assert_eq!(spellings("A@b.fr"), ["A@b.fr", "a@b.fr"]);
        let s = spellings("x@xn--socit-esab.fr");
        assert!(s.contains(&"x@soci\u{e9}t\u{e9}.fr".to_string()), "{s:?}");
        let s = spellings("x@socie\u{301}te\u{301}.fr");
        assert!(s.contains(&"x@xn--socit-esab.fr".to_string()), "{s:?}");
        assert!(s.contains(&"x@soci\u{e9}t\u{e9}.fr".to_string()), "{s:?}");
    }
}
