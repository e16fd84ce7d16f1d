//! Names: Covage holds first and last name, Kojo one display name.

/// `display_name` from first and last name: "first last", either may be empty.
pub fn join(first: &str, last: &str) -> String {
    match (first.is_empty(), last.is_empty()) {
        (true, _) => last.to_string(),
        (_, true) => first.to_string(),
        _ => format!("{first} {last}"),
    }
}

/// Splits a display name: the first word is the first name, the rest the last name
/// ("Jean-Pierre de la Tour" → "Jean-Pierre", "de la Tour"). A one-word name becomes the
/// last name (Covage requires one) and `one_word` is true, so the caller can warn.
pub fn split(display: &str) -> Split<'_> {
    let d = display.trim();
    match d.split_once(char::is_whitespace) {
        Some((first, rest)) => Split {
            first,
            last: rest.trim_start(),
            one_word: false,
        },
        None => Split {
            first: "",
            last: d,
            one_word: true,
        },
    }
}

/// The result of [`split`].
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    /// First word.
    pub first: &'a str,
    /// The rest.
    pub last: &'a str,
    /// The name had a single word, now the last name.
    pub one_word: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_takes_first_word_as_first_name() {
        let s = split("Jean-Pierre de la Tour");
        assert_eq!(
            (s.first, s.last, s.one_word),
            ("Jean-Pierre", "de la Tour", false)
        );
    }

    #[test]
    fn one_word_name_becomes_last_name() {
        let s = split(" Madonna ");
        assert_eq!((s.first, s.last, s.one_word), ("", "Madonna", true));
    }

    #[test]
    fn join_handles_missing_parts() {
        assert_eq!(join("John", "Doe"), "John Doe");
        assert_eq!(join("", "Doe"), "Doe");
        assert_eq!(join("John", ""), "John");
    }
}
