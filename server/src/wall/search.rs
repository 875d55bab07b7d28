//! Search over a wall's entries for `GET …/signers?q=`: the entries' lowercased texts laid
//! end to end in one buffer, so a query is one vectorised pass (memchr's `memmem`) over
//! contiguous memory rather than a call and a pointer chase per entry. The index is built
//! on the first search after a change and shared by every search until the next change.

/// Between two entries' texts: cleaned public text never contains it (controls are
/// dropped, see `entry::public_text`), so no match can span two entries.
const SEPARATOR: u8 = 0;

/// The lowercased search texts of a wall's entries, in the wall's order.
#[derive(Clone, Default)]
pub struct SearchIndex {
    text: Vec<u8>,
    /// Where each entry's text ends in `text` (exclusive), ascending.
    ends: Vec<usize>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("entries", &self.ends.len())
            .field("bytes", &self.text.len())
            .finish()
    }
}

impl SearchIndex {
    pub fn new<'a>(texts: impl ExactSizeIterator<Item = &'a str>) -> Self {
        let mut index = Self {
            text: Vec::new(),
            ends: Vec::with_capacity(texts.len()),
        };
        for t in texts {
            index.text.extend_from_slice(t.as_bytes());
            index.ends.push(index.text.len());
            index.text.push(SEPARATOR);
        }
        index
    }

    /// The positions (in the wall's order) of the entries whose text contains `query`,
    /// ascending, each once. An empty query or one holding the separator matches nothing.
    pub fn matching(&self, query: &str) -> Vec<usize> {
        let mut found: Vec<usize> = Vec::new();
        if query.is_empty() || query.as_bytes().contains(&SEPARATOR) {
            return found;
        }
        let mut entry = 0;
        for at in memchr::memmem::find_iter(&self.text, query.as_bytes()) {
            // Hits come in order, so the entry only moves forward.
            while self.ends.get(entry).is_some_and(|&end| end <= at) {
                entry += 1;
            }
            if found.last() != Some(&entry) {
                found.push(entry);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(texts: &[&str]) -> SearchIndex {
        SearchIndex::new(texts.iter().copied())
    }

    #[test]
    fn finds_each_matching_entry_once_in_order() {
        let i = index(&[
            "ada lovelace\nartist",
            "bob",
            "lovelace lovelace",
            "",
            "xlovelace",
        ]);
        assert_eq!(i.matching("lovelace"), [0, 2, 4]);
        assert_eq!(i.matching("artist"), [0]);
        assert_eq!(i.matching("bob"), [1]);
        assert_eq!(i.matching("nobody").len(), 0);
    }

    #[test]
    fn a_match_never_spans_two_entries() {
        let i = index(&["ab", "cd"]);
        assert_eq!(i.matching("bc").len(), 0);
        assert_eq!(i.matching("b\0c").len(), 0);
        assert_eq!(i.matching("").len(), 0);
        // The first byte of each entry and the last are reachable.
        assert_eq!(i.matching("a"), [0]);
        assert_eq!(i.matching("d"), [1]);
    }

    #[test]
    fn an_empty_wall_matches_nothing() {
        assert_eq!(index(&[]).matching("a").len(), 0);
    }
}
