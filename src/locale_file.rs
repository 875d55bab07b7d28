//! The language-file format (`src/locales/<lang>.txt`), shared by the build script (which
//! compiles English in and refuses incomplete translations) and the widget (which reads the
//! other languages when it fetches them).
//!
//! One `key = value` per line; `#` starts a comment line; `{n}` marks where a number or name
//! goes. Plural forms are `count_<category>` for the CLDR categories the language uses
//! (`zero`, `one`, `two`, `few`, `many`, `other`).

/// The `(key, value)` pairs of a language file, in file order; blank, comment and malformed
/// lines are skipped (the build's [`check`] reports them).
pub fn parse(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.lines().filter_map(|line| {
        let line = line.trim();
        if line.starts_with('#') {
            return None;
        }
        let (k, v) = line.split_once('=')?;
        Some((k.trim(), v.trim()))
    })
}

/// Plural variants a language may add beyond English's `count_one` / `count_other`.
pub const EXTRA_PLURALS: [&str; 4] = ["count_zero", "count_two", "count_few", "count_many"];

/// The `{…}` placeholders of a value, sorted.
fn placeholders(value: &str) -> Vec<&str> {
    let mut out: Vec<&str> = value
        .match_indices('{')
        .filter_map(|(i, _)| value[i..].find('}').map(|j| &value[i..=i + j]))
        .collect();
    out.sort_unstable();
    out
}

/// Every problem of `other` (a translation) against `english`: a missing or empty key, an
/// unknown key, a duplicate, a line that is not `key = value`, or placeholders that differ.
pub fn check(english: &str, other: &str) -> Vec<String> {
    let en: Vec<(&str, &str)> = parse(english).collect();
    let tr: Vec<(&str, &str)> = parse(other).collect();
    let mut problems = Vec::new();
    for line in other.lines().map(str::trim) {
        if !line.is_empty() && !line.starts_with('#') && !line.contains('=') {
            problems.push(format!("not `key = value`: {line}"));
        }
    }
    for (key, value) in &en {
        match tr.iter().find(|(k, _)| k == key) {
            None => problems.push(format!("missing key `{key}`")),
            Some((_, "")) => problems.push(format!("empty `{key}`")),
            Some((_, v)) if placeholders(v) != placeholders(value) => {
                problems.push(format!("`{key}` must keep the placeholders of English"));
            }
            Some(_) => {}
        }
    }
    for (i, (key, value)) in tr.iter().enumerate() {
        if tr[..i].iter().any(|(k, _)| k == key) {
            problems.push(format!("duplicate key `{key}`"));
        }
        if EXTRA_PLURALS.contains(key) {
            if placeholders(value) != ["{n}"] {
                problems.push(format!("`{key}` must contain {{n}}"));
            }
        } else if !en.iter().any(|(k, _)| k == key) {
            problems.push(format!("unknown key `{key}`"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const EN: &str = "# English\na = Hello {n}\nb = Bye\ncount_one = {n} one\n";

    #[test]
    fn parses_pairs_and_skips_comments() {
        let pairs: Vec<_> = parse(EN).collect();
        assert_eq!(
            pairs,
            [("a", "Hello {n}"), ("b", "Bye"), ("count_one", "{n} one")]
        );
        assert_eq!(parse("x = a = b").next(), Some(("x", "a = b")));
    }

    #[test]
    fn reports_missing_unknown_and_placeholder_problems() {
        assert!(check(EN, "a = Hola {n}\nb = Adiós\ncount_one = {n} uno").is_empty());
        assert!(
            check(
                EN,
                "a = Hola {n}\nb = x\ncount_one = {n}\ncount_few = {n} f"
            )
            .is_empty()
        );
        let p = check(
            EN,
            "a = Hola\nc = x\ncount_one = {n}\ncount_many = muchos\noops",
        );
        assert_eq!(
            p,
            [
                "not `key = value`: oops",
                "`a` must keep the placeholders of English",
                "missing key `b`",
                "unknown key `c`",
                "`count_many` must contain {n}",
            ]
        );
        assert_eq!(check(EN, "a = {n}\nb =\ncount_one = {n}"), ["empty `b`"]);
    }
}
