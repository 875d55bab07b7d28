//! Small text helpers shared by the parsers.

/// Counts characters (not bytes): the limits in docs/api.md are in characters so that
/// a name in Greek or Japanese gets the same room as one in Latin script.
pub(crate) fn char_len(s: &str) -> usize {
    s.chars().count()
}

pub(crate) fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// Zero-width space and no-break space (U+200B, U+FEFF), direction marks (U+200E, U+200F)
/// and bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069):
/// invisible on their own, they make a name read differently from what it is in `review`,
/// exports and public lists. The zero-width non-joiner and joiner (U+200C, U+200D) stay:
/// Persian and Indic names are spelled with them (and emoji sequences joined by them), and
/// they change how letters join, never the order in which they read.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

pub(crate) fn has_invisible(s: &str) -> bool {
    s.chars().any(is_invisible)
}
