//! The grammar of event types, patterns and namespaces, implemented once for every backend.
//!
//! A type is segments of `[A-Za-z0-9_-]` joined by `.`, at most 255 bytes. A pattern is a type
//! in which `*` may also appear and stands for any run of characters, dots included. Neither can
//! contain a Redis glob character other than `*`, a hash tag or a key separator, so a pattern
//! means the same thing here, in Redis `PSUBSCRIBE` and in `history`.

use crate::error::{Error, Result};

/// The longest type or pattern accepted, in bytes.
pub const MAX_NAME_LEN: usize = 255;

fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-'
}

/// Checks the shared shape: non-empty, short enough, non-empty dot-separated segments of
/// allowed bytes. `what` names the thing in messages, `allow_star` admits `*`.
fn check_segments(text: &str, what: &str, allow_star: bool) -> std::result::Result<(), String> {
    if text.is_empty() {
        return Err(format!("{what} is empty"));
    }
    if text.len() > MAX_NAME_LEN {
        return Err(format!(
            "{what} is {} bytes long; the limit is {MAX_NAME_LEN}",
            text.len()
        ));
    }
    // One pass over the bytes (every emit checks its type); the first problem met is the one
    // reported, as a segment-by-segment reading would find it.
    let mut segment_len = 0;
    for (at, byte) in text.bytes().enumerate() {
        if byte == b'.' {
            if segment_len == 0 {
                return Err(empty_segment(text, what));
            }
            segment_len = 0;
        } else if is_name_byte(byte) || (allow_star && byte == b'*') {
            segment_len += 1;
        } else {
            // Every byte before `at` is ASCII, so a character starts there.
            let bad = text[at..]
                .chars()
                .next()
                .expect("a character at a byte checked");
            let allowed = if allow_star {
                "letters, digits, '_', '-', '*'"
            } else {
                "letters, digits, '_', '-'"
            };
            return Err(format!(
                "{what} {text:?} contains {bad:?}; segments may hold only {allowed}, joined by '.'"
            ));
        }
    }
    if segment_len == 0 {
        return Err(empty_segment(text, what));
    }
    Ok(())
}

fn empty_segment(text: &str, what: &str) -> String {
    format!("{what} {text:?} has an empty segment (a leading, trailing or doubled '.')")
}

/// Validates an event type such as `user.login` or `user.registered.v2`.
pub fn validate_type(event_type: &str) -> Result<()> {
    check_segments(event_type, "event type", false).map_err(Error::invalid_type)
}

/// Validates a namespace (the optional key prefix): the same grammar as a type.
pub fn validate_namespace(namespace: &str) -> Result<()> {
    check_segments(namespace, "namespace", false).map_err(Error::config)
}

/// A validated pattern: `user.*`, `*`, `order.*.failed`, or a plain type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pattern {
    text: String,
}

impl Pattern {
    /// Parses and validates a pattern.
    pub fn new(pattern: &str) -> Result<Pattern> {
        check_segments(pattern, "pattern", true).map_err(Error::invalid_pattern)?;
        Ok(Pattern {
            text: pattern.to_owned(),
        })
    }

    /// The pattern as written; also its Redis glob (the grammar leaves no other glob syntax).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True when the pattern has no `*`, so it selects exactly one type.
    pub fn is_exact(&self) -> bool {
        !self.text.contains('*')
    }

    /// True when `event_type` is selected by this pattern. `*` matches any run of bytes,
    /// including none and including dots, exactly as Redis glob matching does.
    pub fn matches(&self, event_type: &str) -> bool {
        glob_matches(self.text.as_bytes(), event_type.as_bytes())
    }
}

impl std::fmt::Display for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Star-only glob matching in linear time: on a mismatch, back up to just after the last `*`
/// and let it swallow one more byte.
fn glob_matches(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut resume: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            resume = Some((p + 1, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star_next, star_text)) = resume {
            p = star_next;
            t = star_text + 1;
            resume = Some((star_next, star_text + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use proptest::prelude::*;

    #[test]
    fn accepts_the_usual_types() {
        for ok in [
            "user.login",
            "order.placed",
            "user.registered.v2",
            "ai.request",
            "a",
            "A-b_c.9",
        ] {
            validate_type(ok).unwrap();
        }
        validate_type(&"a".repeat(255)).unwrap();
    }

    #[test]
    fn rejects_malformed_types_with_invalid_type() {
        let long = "a".repeat(256);
        for bad in [
            "",
            "user login",
            "a:b",
            "a{b}",
            "user.*",
            "..",
            ".a",
            "a.",
            "a..b",
            "é",
            "a\n",
            &long,
        ] {
            let err = validate_type(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidType, "{bad:?}");
        }
    }

    #[test]
    fn messages_name_the_first_problem() {
        let message = |text: &str| validate_type(text).unwrap_err().message().to_owned();
        assert!(message("usér.log in").contains("contains 'é'"));
        assert!(message("user.log in").contains("contains ' '"));
        assert!(message("user..é").contains("empty segment"));
        assert!(message("a.").contains("empty segment"));
        assert!(Pattern::new("user.*.a$")
            .unwrap_err()
            .message()
            .contains("contains '$'"));
    }

    #[test]
    fn patterns_select_what_users_mean() {
        let user = Pattern::new("user.*").unwrap();
        assert!(user.matches("user.login"));
        assert!(user.matches("user.registered.v2"));
        assert!(!user.matches("user"));
        assert!(
            !user.matches("userXlogin"),
            "the '.' is literal, not a regex dot"
        );
        let middle = Pattern::new("order.*.failed").unwrap();
        assert!(middle.matches("order.payment.failed"));
        assert!(middle.matches("order.a.b.failed"));
        assert!(!middle.matches("order.failed"));
        let two = Pattern::new("*.*.v2").unwrap();
        assert!(two.matches("user.registered.v2"), "every '*' is a wildcard");
        assert!(Pattern::new("*").unwrap().matches("anything.at.all"));
        assert!(Pattern::new("user.login").unwrap().is_exact());
    }

    #[test]
    fn rejects_bad_patterns_with_invalid_pattern() {
        for bad in [
            "",
            "user.",
            "user login",
            "a?",
            "a[b]",
            "a:b",
            "{x}",
            "a..*",
            "\\*",
        ] {
            let err = Pattern::new(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidPattern, "{bad:?}");
        }
    }

    fn regex_reference(pattern: &str, text: &str) -> bool {
        // Reference semantics by brute force: split on '*' and place the pieces in order.
        let pieces: Vec<&str> = pattern.split('*').collect();
        if pieces.len() == 1 {
            return pattern == text;
        }
        let (first, last) = (pieces[0], pieces[pieces.len() - 1]);
        if !text.starts_with(first) || text.len() < first.len() + last.len() {
            return false;
        }
        if !text.ends_with(last) {
            return false;
        }
        let mut rest = &text[first.len()..text.len() - last.len()];
        for piece in &pieces[1..pieces.len() - 1] {
            match rest.find(piece) {
                Some(at) => rest = &rest[at + piece.len()..],
                None => return false,
            }
        }
        true
    }

    proptest! {
        #[test]
        fn matcher_agrees_with_reference(
            pattern in "[ab.*]{1,8}",
            text in "[ab.]{0,10}",
        ) {
            prop_assert_eq!(glob_matches(pattern.as_bytes(), text.as_bytes()), regex_reference(&pattern, &text));
        }
    }
}
