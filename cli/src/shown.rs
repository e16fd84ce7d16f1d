//! Text from outside (header names, values, providers' messages) as it is shown on a terminal:
//! its control characters escaped, so a file or a provider cannot move the cursor, clear the
//! screen, rewrite earlier lines or fake a line of contactport's own (issue 19).

use std::borrow::Cow;

/// `s` with every control character (C0, DEL, C1; line breaks too) written as `\u{…}`.
pub fn shown(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(shown("Téléphone"), "Téléphone");
        assert_eq!(shown("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(shown("x\ny\r\u{9b}"), "x\\u{a}y\\u{d}\\u{9b}");
    }
}
