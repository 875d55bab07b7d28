//! Small text helpers shared by the parsers.

/// Counts characters (not bytes): the limits in docs/api.md are in characters so that
/// a name in Greek or Japanese gets the same room as one in Latin script.
pub(crate) fn char_len(s: &str) -> usize {
    s.chars().count()
}

pub(crate) fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}
