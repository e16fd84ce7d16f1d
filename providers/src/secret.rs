//! Secrets (passwords, API keys, tokens): read from the environment, never printed.

/// A secret string. `Debug` and `Display` show `***`; only [`Secret::expose`] gives the value,
/// at the one place it goes on the wire.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The value, for a request header or body.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Reads an environment variable; empty counts as unset.
    pub fn from_env(name: &str) -> Option<Secret> {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .map(Secret)
    }
}

/// An id and its secret from two environment variables (`COVAGE_EMAIL` + `COVAGE_PASSWORD`,
/// `KOJO_CLIENT_ID` + `KOJO_CLIENT_SECRET`); `None` unless both are set and non-empty.
pub fn pair_from_env(id: &str, secret: &str) -> Option<(String, Secret)> {
    let id = std::env::var(id).ok().filter(|v| !v.is_empty())?;
    Some((id, Secret::from_env(secret)?))
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "Secret(***) ***");
        assert_eq!(s.expose(), "hunter2");
    }
}
