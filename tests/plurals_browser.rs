//! Count phrases of every language in a real browser, where `Intl.PluralRules` picks the CLDR
//! category and `Intl.NumberFormat` writes the number. Run with `.ci/test-widget-browser`.
#![cfg(target_arch = "wasm32")]

use pledge_widget::browser::intl::format_count;
use pledge_widget::components::count::count_phrase;
use pledge_widget::i18n::{EN, LANGUAGES, Strings};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const COUNTS: [u64; 6] = [0, 1, 2, 5, 21, 1_000_000];

/// A language's table as the widget builds it from the fetched file.
fn language(lang: &'static str) -> Strings {
    let text = match lang {
        "es" => include_str!("../src/locales/es.txt"),
        "fr" => include_str!("../src/locales/fr.txt"),
        "pt" => include_str!("../src/locales/pt.txt"),
        "de" => include_str!("../src/locales/de.txt"),
        "it" => include_str!("../src/locales/it.txt"),
        "ar" => include_str!("../src/locales/ar.txt"),
        "zh" => include_str!("../src/locales/zh.txt"),
        "vi" => include_str!("../src/locales/vi.txt"),
        "tl" => include_str!("../src/locales/tl.txt"),
        "ko" => include_str!("../src/locales/ko.txt"),
        "ht" => include_str!("../src/locales/ht.txt"),
        _ => "",
    };
    let mut s = EN.with_file(text);
    s.tag = lang;
    s
}

fn phrases(lang: &'static str) -> Vec<String> {
    let s = language(lang);
    COUNTS.iter().map(|n| count_phrase(&s, *n)).collect()
}

#[wasm_bindgen_test]
fn english_and_spanish_phrases_are_exact() {
    assert_eq!(
        phrases("en"),
        [
            "0 have signed",
            "1 has signed",
            "2 have signed",
            "5 have signed",
            "21 have signed",
            "1,000,000 have signed"
        ]
    );
    assert_eq!(
        phrases("es"),
        [
            "0 personas han firmado",
            "1 persona ha firmado",
            "2 personas han firmado",
            "5 personas han firmado",
            "21 personas han firmado",
            "1.000.000 de personas han firmado"
        ]
    );
}

#[wasm_bindgen_test]
fn arabic_uses_all_six_plural_forms() {
    let n: Vec<String> = COUNTS.iter().map(|n| format_count(*n, "ar")).collect();
    assert_eq!(
        phrases("ar"),
        [
            format!("{} توقيع حتى الآن", n[0]),          // zero
            format!("عدد التوقيعات حتى الآن: {}", n[1]), // one (no form without {n} yet)
            format!("عدد التوقيعات حتى الآن: {}", n[2]), // two
            format!("{} توقيعات", n[3]),                // few (3–10)
            format!("{} توقيعًا", n[4]),                 // many (11–99)
            format!("{} توقيع", n[5]),                  // other
        ]
    );
}

#[wasm_bindgen_test]
fn every_language_says_each_count_in_its_own_words_with_its_own_number() {
    let english = phrases("en");
    for lang in LANGUAGES.iter().copied().filter(|l| *l != "en") {
        for (i, (phrase, n)) in phrases(lang).iter().zip(COUNTS).enumerate() {
            let number = format_count(n, lang);
            assert!(
                phrase.contains(&number),
                "{lang} {n}: {phrase:?} lacks {number:?}"
            );
            assert_ne!(phrase, &english[i], "{lang} {n} is English");
        }
    }
}
