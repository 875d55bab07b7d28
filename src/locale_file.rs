//! The language-file format (`src/locales/<lang>.txt`), shared by the build script (which
//! compiles English in and refuses incomplete translations) and the widget (which reads the
//! other languages when it fetches them).
//!
//! One `key = value` per line; `#` starts a comment line; `{n}` marks where a number or name
//! goes (`{name}` where a signer's name goes, `{label}` and `{reason}` a field's label and what
//! is wrong with it). Plural forms are `<family>_<category>` for the CLDR categories the
//! language uses (`zero`, `one`, `two`, `few`, `many`, `other`); English has `_one` and
//! `_other` of each family in [`PLURAL_FAMILIES`]. The `zero`, `one` and `two` forms may leave
//! `{n}` out ("une personne", "توقيعان"): those categories can name their number in words.
//!
//! On the wire (`pkg/locales/`) a file is its values only, one per line in [`wire_keys`]
//! order, an empty line for a form the language leaves out: the key names would cost every
//! reader about 250 brotli bytes before the form shows.

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

/// Phrases with plural forms: `count_*` ("N people have signed"), `ticker_*` ("Ada and N
/// others"), `err_too_long_*` ("at most N characters"), `rate_limited_*` ("in N seconds").
pub const PLURAL_FAMILIES: [&str; 4] = ["count", "ticker", "err_too_long", "rate_limited"];

/// CLDR categories a language may add beyond English's `_one` / `_other`.
const EXTRA_CATEGORIES: [&str; 4] = ["zero", "two", "few", "many"];

/// The `_other` key of a plural form English lacks (`ticker_few` → `ticker_other`).
pub fn extra_plural_base(key: &str) -> Option<String> {
    let (family, category) = key.rsplit_once('_')?;
    (PLURAL_FAMILIES.contains(&family) && EXTRA_CATEGORIES.contains(&category))
        .then(|| format!("{family}_other"))
}

/// The key order of a file on the wire: English's keys in file order, then [`extra_plurals`].
pub fn wire_keys(english: &str) -> Vec<String> {
    parse(english)
        .map(|(k, _)| k.to_owned())
        .chain(extra_plurals())
        .collect()
}

/// Every plural form English lacks (`count_zero`, …, `rate_limited_many`).
pub fn extra_plurals() -> impl Iterator<Item = String> {
    PLURAL_FAMILIES
        .iter()
        .flat_map(|f| EXTRA_CATEGORIES.iter().map(move |c| format!("{f}_{c}")))
}

/// The `{…}` placeholders of a value, sorted.
fn placeholders(value: &str) -> Vec<&str> {
    let mut out: Vec<&str> = value
        .match_indices('{')
        .filter_map(|(i, _)| value[i..].find('}').map(|j| &value[i..=i + j]))
        .collect();
    out.sort_unstable();
    out
}

/// Whether `value` has the placeholders `want` asks for: all of them, except that a `zero`,
/// `one` or `two` plural form may leave `{n}` out.
fn keeps_placeholders(key: &str, value: &str, want: &[&str]) -> bool {
    let got = placeholders(value);
    let words_allowed = key.rsplit_once('_').is_some_and(|(family, category)| {
        PLURAL_FAMILIES.contains(&family) && ["zero", "one", "two"].contains(&category)
    });
    got == want
        || (words_allowed
            && want.iter().filter(|p| **p != "{n}").eq(got.iter())
            && got.len() < want.len())
}

/// Every problem of `other` (a translation) against `english`: a missing or empty key, an
/// unknown key, a duplicate, a line that is not `key = value`, or placeholders that differ
/// (beyond the `{n}` a `zero`/`one`/`two` form may leave out).
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
            Some((_, v)) if !keeps_placeholders(key, v, &placeholders(value)) => {
                problems.push(format!("`{key}` must keep the placeholders of English"));
            }
            Some(_) => {}
        }
    }
    for (i, (key, value)) in tr.iter().enumerate() {
        if tr[..i].iter().any(|(k, _)| k == key) {
            problems.push(format!("duplicate key `{key}`"));
        }
        if let Some(base) = extra_plural_base(key) {
            let want = en
                .iter()
                .find(|(k, _)| *k == base)
                .map(|(_, v)| placeholders(v))
                .unwrap_or_default();
            if !keeps_placeholders(key, value, &want) {
                problems.push(format!("`{key}` must contain {}", want.join(" ")));
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
    const EN2: &str = "count_other = {n}\nticker_other = {name} and {n}\n";

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
        let en = format!("{EN}{EN2}");
        let ok = "a = Hola {n}\nb = Adiós\ncount_one = {n} uno\ncount_other = {n}\n";
        let ok = format!("{ok}ticker_other = {{name}} y {{n}}\n");
        assert!(check(&en, &ok).is_empty());
        let few = format!("{ok}count_few = {{n}} f\nticker_few = {{n}} {{name}} f");
        assert!(check(&en, &few).is_empty());
        let p = check(
            &en,
            "a = Hola\nc = x\ncount_one = {n}\ncount_other = {n}\ncount_many = muchos\n\
             ticker_other = {name} {n}\nticker_two = {n}\nticker_sixth = {n}\noops",
        );
        assert_eq!(
            p,
            [
                "not `key = value`: oops",
                "`a` must keep the placeholders of English",
                "missing key `b`",
                "unknown key `c`",
                "`count_many` must contain {n}",
                "`ticker_two` must contain {name} {n}",
                "unknown key `ticker_sixth`",
            ]
        );
        assert_eq!(check(EN, "a = {n}\nb =\ncount_one = {n}"), ["empty `b`"]);
        assert_eq!(
            extra_plural_base("ticker_few").as_deref(),
            Some("ticker_other")
        );
        assert_eq!(extra_plural_base("goal_few"), None);
        assert_eq!(extra_plurals().count(), 16);
    }

    #[test]
    fn zero_one_and_two_forms_may_name_their_number_in_words() {
        let en = "count_one = {n} person\ncount_other = {n} people\n\
                  ticker_one = {name} and {n}\nticker_other = {name} and {n}\n";
        let tr = "count_one = une personne\ncount_other = {n} personnes\ncount_two = deux\n\
                  count_zero = personne\nticker_one = {name} et un\nticker_other = {name} et {n}\n\
                  ticker_two = {name} et deux";
        assert_eq!(check(en, tr), Vec::<String>::new());
        // The other forms, and a form that drops a placeholder other than {n}, still must keep them.
        let bad = "count_one = {n} personne\ncount_other = des personnes\ncount_few = quelques\n\
                   ticker_other = {name} et {n}\nticker_one = et un\nticker_two = {n} et";
        assert_eq!(
            check(en, bad),
            [
                "`count_other` must keep the placeholders of English",
                "`ticker_one` must keep the placeholders of English",
                "`count_few` must contain {n}",
                "`ticker_two` must contain {name} {n}",
            ]
        );
        // An extra placeholder is refused in every form.
        assert_eq!(
            check(
                en,
                "count_one = {name}\ncount_other = {n}\nticker_one = {name}\nticker_other = {name} {n}"
            ),
            ["`count_one` must keep the placeholders of English"]
        );
    }

    #[test]
    fn wire_order_is_english_then_the_forms_english_lacks() {
        let keys = wire_keys("a = x\n# c\ncount_one = {n}\n");
        assert_eq!(keys[..3], ["a", "count_one", "count_zero"]);
        assert_eq!(keys.len(), 2 + 16);
    }
}
