//! Small text helpers shared by the parsers.

/// Counts characters (not bytes): the limits in docs/api.md are in characters so that
/// a name in Greek or Japanese gets the same room as one in Latin script.
pub(crate) fn char_len(s: &str) -> usize {
    s.chars().count()
}

pub(crate) fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// Zero-width characters (U+200B–U+200F, U+FEFF) and bidirectional embeddings, overrides
/// and isolates (U+202A–U+202E, U+2066–U+2069): invisible on their own, they make a name
/// read differently from what it is in `review`, exports and public lists.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

pub(crate) fn has_invisible(s: &str) -> bool {
    s.chars().any(is_invisible)
}
