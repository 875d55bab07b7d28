//! Every string the widget shows. English is compiled in from `src/locales/en.txt` (the
//! fallback); the other [`LANGUAGES`] are plain files the build copies to `pkg/locales/` and the
//! widget fetches at mount, so a supporter downloads only their own language. `{n}` marks
//! where a number or name goes.

use crate::locale_file;

/// Declares [`Strings`] with one `&'static str` per file key, and the key list.
macro_rules! strings {
    ($($key:ident),* $(,)?) => {
        /// All UI text of one language; field names are the keys of the language files.
        #[derive(Clone, Debug)]
        pub struct Strings {
            /// BCP 47 tag for `Intl` formatting and the root's `lang` (e.g. `es-MX`).
            pub tag: &'static str,
            $(#[allow(missing_docs)] pub $key: &'static str,)*
        }

        impl Strings {
            /// Every key of a language file, in declaration order.
            pub const KEYS: &'static [&'static str] = &[$(stringify!($key)),*];

            // An array of slots (not a `match` on names): the smallest code that maps a key
            // to its field.
            fn slots(&mut self) -> Vec<&mut &'static str> {
                vec![$(&mut self.$key),*]
            }
        }
    };
}

strings! {
    loading, fallback_title, unavailable, closed, misconfigured, not_here, unreachable,
    count_zero, count_one, count_two, count_few, count_many, count_other,
    goal, goal_label, name, email, required, choose, consent_default, consent_label, privacy,
    public_name, submit, submitting, open_form, close_form, fix_fields,
    err_required, err_too_long, err_control, err_email, err_option, err_country, err_consent,
    rate_limited, rate_limited_again, network, offline, cancel, server, rejected,
    thanks, already, announce, share_heading, share, copy_link, copied,
    ticker_zero, ticker_one, ticker_two, ticker_few, ticker_many, ticker_other,
    ticker_alone, ticker_pause, sign_too, wall_heading, wall_search, wall_more, wall_empty,
    wall_no_match, wall_featured, wall_other,
}

/// English, compiled in: the last resort for every language and every missing key.
pub static EN: Strings = include!(concat!(env!("OUT_DIR"), "/en.rs"));

/// Languages with a file in `src/locales/` (primary subtags), English first.
pub const LANGUAGES: [&str; 12] = [
    "en", "es", "fr", "pt", "de", "it", "ar", "zh", "vi", "tl", "ko", "ht",
];

impl Strings {
    /// Sets the text of `key`; unknown keys are ignored (returns whether it was known).
    pub fn set(&mut self, key: &str, value: &'static str) -> bool {
        let i = Self::KEYS.iter().position(|k| *k == key);
        if let Some(slot) = i.and_then(|i| self.slots().into_iter().nth(i)) {
            *slot = value;
        }
        i.is_some()
    }

    /// This table with every `key = value` of a language file (or override list) applied.
    pub fn with_file(&self, text: &'static str) -> Self {
        let mut s = self.clone();
        for (k, v) in locale_file::parse(text) {
            s.set(k, v);
        }
        s
    }

    /// The count phrase for a CLDR plural category; `count_other` where the language has no
    /// form of its own for it.
    pub fn count_template(&self, category: &str) -> &'static str {
        plural_form(
            [
                self.count_zero,
                self.count_one,
                self.count_two,
                self.count_few,
                self.count_many,
                self.count_other,
            ],
            category,
        )
    }

    /// The ticker's "{name} and {n} others have signed" for a CLDR plural category of `{n}`;
    /// `ticker_other` where the language has no form of its own for it.
    pub fn ticker_template(&self, category: &str) -> &'static str {
        plural_form(
            [
                self.ticker_zero,
                self.ticker_one,
                self.ticker_two,
                self.ticker_few,
                self.ticker_many,
                self.ticker_other,
            ],
            category,
        )
    }
}

/// The form of `category` among `forms` (zero, one, two, few, many, other); `other` when empty.
fn plural_form(forms: [&'static str; 6], category: &str) -> &'static str {
    let i = ["zero", "one", "two", "few", "many"]
        .iter()
        .position(|c| *c == category);
    match i.map(|i| forms[i]) {
        Some(t) if !t.is_empty() => t,
        _ => forms[5],
    }
}

/// The language chosen for a widget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pick {
    /// One of [`LANGUAGES`].
    pub lang: &'static str,
    /// The tag it was matched from, for `Intl` (so `es-MX` formats as in Mexico); the bare
    /// language when that tag is not well-formed.
    pub locale: String,
}

/// The language of a BCP 47 tag as [`LANGUAGES`] names it (`fil` is Tagalog).
fn language_of(tag: &str) -> Option<&'static str> {
    let primary = tag.split('-').next()?.to_ascii_lowercase();
    let primary = if primary == "fil" { "tl" } else { &primary };
    LANGUAGES.iter().copied().find(|l| *l == primary)
}

/// `tag` with `_` read as `-` when it has the shape the endpoint accepts (a 2–8 letter
/// language, then 1–8 alphanumeric subtags, at most 35 characters).
fn well_formed(tag: &str) -> Option<String> {
    let tag = tag.trim().replace('_', "-");
    let mut parts = tag.split('-');
    let first = parts.next()?;
    let ok = (2..=8).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_alphabetic())
        && parts
            .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
        && tag.len() <= 35;
    ok.then_some(tag)
}

/// The first supported language among `candidates` (BCP 47 tags, most preferred first),
/// matched on the primary subtag (`pt-BR` → `pt`, `zh-Hans-CN` → `zh`, `fil` → `tl`);
/// English when none is supported.
pub fn pick<'a>(candidates: impl IntoIterator<Item = &'a str>) -> Pick {
    candidates
        .into_iter()
        .find_map(|tag| {
            let tag = well_formed(tag)?;
            Some(Pick {
                lang: language_of(&tag)?,
                locale: tag,
            })
        })
        .unwrap_or(Pick {
            lang: "en",
            locale: "en".into(),
        })
}

/// The region subtag of a tag (`es-MX` → `MX`, `zh-Hans-CN` → `CN`), if it has one.
pub fn region(tag: &str) -> Option<String> {
    tag.split('-')
        .skip(1)
        .find(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase)
}

/// Writing direction of a language: right to left for Arabic, Hebrew, Persian and Urdu.
pub fn dir(tag: &str) -> &'static str {
    match tag.split('-').next().unwrap_or_default() {
        "ar" | "he" | "fa" | "ur" => "rtl",
        _ => "ltr",
    }
}

/// Puts `value` where the template says `{n}`.
pub fn fill(template: &str, value: &str) -> String {
    template.replace("{n}", value)
}

/// The text before and after `{name}` in `template`, each with `value` put where it says
/// `{n}`: the name goes between, as its own text (so a name that reads `{n}` stays as
/// written, and the view can isolate it in a `<bdi>`). No `{name}`: all of it comes before.
pub fn around_name(template: &str, value: &str) -> (String, String) {
    let (before, after) = template.split_once("{name}").unwrap_or((template, ""));
    (fill(before, value), fill(after, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_first_supported_language_by_primary_subtag() {
        assert_eq!(pick(["sw-KE", "es-MX", "en"]).lang, "es");
        assert_eq!(pick(["sw-KE", "es-MX", "en"]).locale, "es-MX");
        assert_eq!(pick(["EN_gb"]).locale, "EN-gb");
        assert_eq!(pick(["pt-BR"]).lang, "pt");
        assert_eq!(pick(["zh-Hans"]).lang, "zh");
        assert_eq!(pick(["zh-CN"]).lang, "zh");
        assert_eq!(pick(["fil-PH"]).lang, "tl");
        assert_eq!(pick(["ht"]).lang, "ht");
        assert_eq!(pick(["not a tag", "de"]).lang, "de");
        assert_eq!(
            pick([]),
            Pick {
                lang: "en",
                locale: "en".into()
            }
        );
    }

    #[test]
    fn regions_and_directions() {
        assert_eq!(region("es-MX").as_deref(), Some("MX"));
        assert_eq!(region("zh-Hans-cn").as_deref(), Some("CN"));
        assert_eq!(region("fr"), None);
        assert_eq!(dir("ar-EG"), "rtl");
        assert_eq!(dir("fa"), "rtl");
        assert_eq!(dir("en"), "ltr");
    }

    #[test]
    fn files_override_keys_and_plurals_fall_back_to_other() {
        let es = EN.with_file("count_one = {n} firma\nnope = x\ngoal = de {n}");
        assert_eq!(es.goal, "de {n}");
        assert_eq!(es.count_template("one"), "{n} firma");
        assert_eq!(es.count_template("few"), EN.count_other);
        assert_eq!(es.name, EN.name);
        assert_eq!(fill(es.goal, "2.000"), "de 2.000");
        let ar = EN.with_file("ticker_two = {name} واثنان {n}\nticker_other = {name} و{n} آخرون");
        assert_eq!(ar.ticker_template("two"), "{name} واثنان {n}");
        assert_eq!(ar.ticker_template("few"), "{name} و{n} آخرون");
        assert_eq!(
            around_name(EN.ticker_other, "474"),
            (String::new(), " and 474 others have signed".into())
        );
        assert_eq!(
            around_name("Pumirma na si {name} at {n} pa", "3"),
            ("Pumirma na si ".into(), " at 3 pa".into())
        );
        assert_eq!(Strings::KEYS.len(), EN.clone().slots().len());
    }

    /// The build refuses the same (src/build.rs); this says which file and key on `cargo test`.
    #[test]
    fn every_language_file_has_every_english_key_with_its_placeholders() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/locales");
        let read = |lang: &str| std::fs::read_to_string(format!("{dir}/{lang}.txt")).unwrap();
        let en = read("en");
        for lang in LANGUAGES {
            let problems = locale_file::check(&en, &read(lang));
            assert!(problems.is_empty(), "{lang}: {problems:?}");
            let s = EN.with_file(read(lang).leak());
            assert!(
                lang == "en" || s.submit != EN.submit,
                "{lang} is not translated"
            );
        }
        let files = std::fs::read_dir(dir).unwrap().count();
        assert_eq!(
            files,
            LANGUAGES.len(),
            "a file in src/locales is not in LANGUAGES"
        );
    }
}
