//! Every string the widget shows. English is compiled in from `src/locales/en.txt` (the
//! fallback); the other [`LANGUAGES`] are plain files the build copies to `pkg/locales/` and the
//! widget fetches at mount, so a supporter downloads only their own language. `{n}` marks
//! where a number goes, `{name}` a signer's name, `{label}` and `{reason}` a field's label
//! and what is wrong with it.

use std::sync::LazyLock;

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
            /// Every key of a language file, in declaration order, each followed by a space:
            /// one string rather than a slice of them, whose pointer pairs would cost the
            /// wasm about as many bytes again. [`Strings::keys`] splits it.
            pub const KEYS: &'static str = concat!($(stringify!($key), " "),*);

            // An array of slots (not a `match` on names): the smallest code that maps a key
            // to its field.
            fn slots(&mut self) -> Vec<&mut &'static str> {
                vec![$(&mut self.$key),*]
            }
        }
    };
}

// In wire order (src/locale_file.rs, `wire_keys`): English's keys as in en.txt, then the
// plural forms English lacks; `keys_are_in_wire_order` holds the two together.
strings! {
    loading, fallback_title, unavailable, closed, misconfigured, not_here, unreachable,
    count_none, count_one, count_other, goal, goal_label, name, email, required_label, choose,
    consent_default, consent_label, privacy, public_name, submit, submitting, open_form,
    close_form, fix_fields, field_error, err_required, err_too_long_one, err_too_long_other,
    err_control, err_email, err_option, err_country, err_consent, err_invalid, rate_limited_one,
    rate_limited_other, rate_limited_again, network, offline, dont_send, server, rejected, thanks,
    already, check_inbox, share_heading, share, copy_link, copied, ticker_one, ticker_other,
    ticker_alone, ticker_pause, sign_too, wall_heading, wall_search, wall_more, wall_empty,
    wall_no_match, wall_featured, wall_other, count_zero, count_two, count_few, count_many,
    ticker_zero, ticker_two, ticker_few, ticker_many, err_too_long_zero, err_too_long_two,
    err_too_long_few, err_too_long_many, rate_limited_zero, rate_limited_two, rate_limited_few,
    rate_limited_many,
}

/// English, compiled in: the last resort for every language and every missing key. (The
/// widget builds it with [`Strings::english`] at mount; this lazy copy serves the tests.)
pub static EN: LazyLock<Strings> = LazyLock::new(Strings::english);

/// A table with every text empty, which [`Strings::english`] fills.
static BLANK: Strings = include!(concat!(env!("OUT_DIR"), "/blank.rs"));

/// `src/locales/en.txt` in the wire format (src/build.rs writes it).
const ENGLISH: &str = include_str!(concat!(env!("OUT_DIR"), "/en.wire.txt"));

/// Languages with a file in `src/locales/` (a primary subtag, or a language and script where
/// one language has files in two scripts), English first.
pub const LANGUAGES: [&str; 13] = [
    "en", "es", "fr", "pt", "de", "it", "ar", "zh", "zh-hant", "vi", "tl", "ko", "ht",
];

impl Strings {
    /// English, the last resort for every language and every missing key.
    pub fn english() -> Self {
        BLANK.with_wire(ENGLISH)
    }

    /// Every key of a language file, in declaration order.
    pub fn keys() -> impl Iterator<Item = &'static str> {
        Self::KEYS.split_terminator(' ')
    }

    /// Sets the text of `key`; unknown keys are ignored (returns whether it was known).
    pub fn set(&mut self, key: &str, value: &'static str) -> bool {
        let i = Self::keys().position(|k| k == key);
        if let Some(i) = i {
            self.set_at(i, value);
        }
        i.is_some()
    }

    /// Sets the text of the `i`-th key.
    fn set_at(&mut self, i: usize, value: &'static str) {
        if let Some(slot) = self.slots().into_iter().nth(i) {
            *slot = value;
        }
    }

    /// This table with every `key = value` of a language file (or override list) applied.
    pub fn with_file(&self, text: &'static str) -> Self {
        let mut s = self.clone();
        for (k, v) in locale_file::parse(text) {
            s.set(k, v);
        }
        s
    }

    /// This table with a language file as shipped applied: its values one per line in
    /// [`Strings::keys`] order (the wire format, src/locale_file.rs); an empty line keeps
    /// the text this table has.
    pub fn with_wire(&self, text: &'static str) -> Self {
        let mut s = self.clone();
        for (i, value) in text.lines().enumerate() {
            if !value.is_empty() {
                s.set_at(i, value);
            }
        }
        s
    }

    /// The count phrase for `n` signatures, whose CLDR plural category is `category`:
    /// `count_none` for 0 (in every language: French and Portuguese put 0 in "one"), else the
    /// category's form, `count_other` where the language has none.
    pub fn count_template(&self, n: u64, category: &str) -> &'static str {
        if n == 0 {
            return self.count_none;
        }
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

    /// "use at most {n} characters" for a CLDR plural category of `{n}`.
    pub fn too_long_template(&self, category: &str) -> &'static str {
        plural_form(
            [
                self.err_too_long_zero,
                self.err_too_long_one,
                self.err_too_long_two,
                self.err_too_long_few,
                self.err_too_long_many,
                self.err_too_long_other,
            ],
            category,
        )
    }

    /// "Trying again in {n} seconds" for a CLDR plural category of `{n}`.
    pub fn rate_limited_template(&self, category: &str) -> &'static str {
        plural_form(
            [
                self.rate_limited_zero,
                self.rate_limited_one,
                self.rate_limited_two,
                self.rate_limited_few,
                self.rate_limited_many,
                self.rate_limited_other,
            ],
            category,
        )
    }

    /// A field's error, "Email: enter an address like …", from the `field_error` template
    /// (French puts a narrow no-break space before the colon, Chinese a full-width colon).
    pub fn field_error(&self, label: &str, reason: &str) -> String {
        // The label goes in last: a label that reads "{reason}" stays as written.
        self.field_error
            .replace("{reason}", reason)
            .replace("{label}", label.trim_end_matches(':'))
    }

    /// The text before and after a required field's label (`required_label`): English puts
    /// nothing before and " (required)" after.
    pub fn required_marker(&self) -> (&'static str, &'static str) {
        self.required_label
            .split_once("{label}")
            .unwrap_or(("", self.required_label))
    }
}

/// The CLDR plural category of `n` in `locale`: `Intl.PluralRules` in the browser; off the
/// browser (host tests) English's rule, `one` for 1 and `other` for the rest.
pub fn category(n: u64, locale: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    return crate::browser::intl::plural(n, locale);
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = locale;
        if n == 1 { "one" } else { "other" }.into()
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

/// Language files for one script or region of a language: (language, file, the subtags that
/// pick it). The subtag is the one right after the language: the script when the tag names one
/// (`zh-Hant-HK`, and `zh-Hans-TW` stays Simplified), else the region (`zh-TW`, `zh-HK`,
/// `zh-MO` read Traditional). A `pt-pt` file would join as `("pt", "pt-pt", &["pt"])`.
const VARIANTS: [(&str, &str, &[&str]); 1] = [("zh", "zh-hant", &["hant", "tw", "hk", "mo"])];

/// The language file for a BCP 47 tag, as [`LANGUAGES`] names it: a [`VARIANTS`] file where
/// the tag's script or region picks one, else the file of its primary subtag (`pt-PT` → `pt`,
/// the Brazilian file, while there is no other). `fil` is Tagalog.
fn language_of(tag: &str) -> Option<&'static str> {
    let tag = tag.to_ascii_lowercase();
    let mut parts = tag.split('-');
    let primary = parts.next()?;
    let primary = if primary == "fil" { "tl" } else { primary };
    let second = parts.next().unwrap_or_default();
    VARIANTS
        .iter()
        .find(|(lang, _, subtags)| *lang == primary && subtags.contains(&second))
        .map(|(_, file, _)| *file)
        .or_else(|| LANGUAGES.iter().copied().find(|l| *l == primary))
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
/// matched on script or region where a file exists ([`VARIANTS`]), else on the primary
/// subtag (`pt-BR` → `pt`, `zh-Hans-CN` → `zh`, `zh-TW` → `zh-hant`, `fil` → `tl`); English
/// when none is supported.
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
        assert_eq!(pick(["pt-PT"]).lang, "pt");
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
    fn traditional_chinese_by_script_or_by_the_region_that_writes_it() {
        for tag in [
            "zh-Hant",
            "zh-TW",
            "zh-HK",
            "zh-MO",
            "zh-Hant-TW",
            "zh_hant_hk",
            "ZH-tw",
        ] {
            assert_eq!(pick([tag]).lang, "zh-hant", "{tag}");
        }
        assert_eq!(pick(["zh-TW"]).locale, "zh-TW");
        for tag in [
            "zh",
            "zh-CN",
            "zh-SG",
            "zh-Hans",
            "zh-Hans-TW",
            "zh-Hans-HK",
        ] {
            assert_eq!(pick([tag]).lang, "zh", "{tag}");
        }
        // A region without a file of its own falls back to the language.
        assert_eq!(pick(["es-419", "fr"]).lang, "es");
        assert_eq!(pick(["de-Latn-CH"]).lang, "de");
    }

    #[test]
    fn the_count_says_be_the_first_for_0_whatever_the_plural_rules() {
        let fr = EN.with_file(include_str!("locales/fr.txt"));
        // CLDR puts 0 in French "one": the count still reads "be the first".
        assert_eq!(fr.count_template(0, "one"), fr.count_none);
        assert_eq!(fr.count_template(1, "one"), fr.count_one);
        assert_eq!(fr.count_template(2, "other"), fr.count_other);
        assert_eq!(EN.count_template(0, "other"), "Be the first to sign");
        assert_eq!(
            fill(EN.count_template(1, "one"), "1"),
            "1 person has signed"
        );
        let ar = EN.with_file(include_str!("locales/ar.txt"));
        assert!(!ar.count_template(2, "two").contains("{n}"));
        assert!(ar.count_template(3, "few").contains("{n}"));
    }

    #[test]
    fn every_number_picks_its_plural_form() {
        assert_eq!(
            fill(EN.too_long_template(&category(1, "en")), "1"),
            "use at most 1 character"
        );
        assert_eq!(
            fill(EN.too_long_template(&category(200, "en")), "200"),
            "use at most 200 characters"
        );
        assert_eq!(
            fill(EN.rate_limited_template(&category(1, "en")), "1"),
            "Too many signatures right now. Trying again in 1 second."
        );
        let ar = EN.with_file(include_str!("locales/ar.txt"));
        // 200 is "other" in Arabic (a singular noun after 100s), 11 is "many", 3 is "few".
        assert_ne!(ar.too_long_template("other"), ar.too_long_template("few"));
        assert_ne!(ar.too_long_template("many"), ar.too_long_template("few"));
        assert_ne!(
            ar.rate_limited_template("few"),
            ar.rate_limited_template("other")
        );
        // A category the language has no form for uses its `other`.
        let de = EN.with_file(include_str!("locales/de.txt"));
        assert_eq!(de.too_long_template("few"), de.err_too_long_other);
    }

    #[test]
    fn field_errors_and_required_markers_follow_the_language() {
        assert_eq!(EN.field_error("Email", "x"), "Email: x");
        assert_eq!(EN.field_error("Email:", "x"), "Email: x");
        assert_eq!(EN.required_marker(), ("", " (required)"));
        let fr = EN.with_file(include_str!("locales/fr.txt"));
        assert_eq!(fr.field_error("Nom", "x"), "Nom\u{202f}: x");
        assert_eq!(fr.required_marker(), ("", " (obligatoire)"));
        let zh = EN.with_file(include_str!("locales/zh.txt"));
        assert_eq!(zh.field_error("姓名", "必填"), "姓名：必填");
        assert_eq!(zh.required_marker(), ("", "（必填）"));
        // A label that reads like a placeholder stays as written.
        assert_eq!(EN.field_error("{reason}", "x"), "{reason}: x");
    }

    /// `.ci/build-widget` writes the shipped files in the order of `Strings::keys`.
    #[test]
    fn keys_are_in_wire_order() {
        let en = include_str!("locales/en.txt");
        assert_eq!(
            Strings::keys().collect::<Vec<_>>(),
            locale_file::wire_keys(en)
        );
        assert_eq!(Strings::keys().count(), EN.clone().slots().len());
    }

    /// The files in pkg/locales/ (written by .ci/build-widget, checked fresh by its --check)
    /// read as the same strings as their sources.
    #[test]
    fn shipped_language_files_read_as_their_sources() {
        let pkg = concat!(env!("CARGO_MANIFEST_DIR"), "/pkg/locales");
        let mut seen = 0;
        for entry in std::fs::read_dir(pkg).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap();
            let Some(stem) = name.strip_suffix(".txt") else {
                continue;
            };
            let (lang, _hash) = stem.rsplit_once('-').unwrap();
            let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src/locales");
            let source = std::fs::read_to_string(format!("{src}/{lang}.txt")).unwrap();
            let wire = std::fs::read_to_string(&path).unwrap();
            let (a, b) = (EN.with_file(source.leak()), EN.with_wire(wire.leak()));
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{name}");
            seen += 1;
        }
        assert_eq!(seen, LANGUAGES.len() - 1);
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
        assert_eq!(es.count_template(1, "one"), "{n} firma");
        assert_eq!(es.count_template(5, "few"), EN.count_other);
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
