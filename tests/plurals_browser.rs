//! Count phrases and the other numbered strings of every language in a real browser, where
//! `Intl.PluralRules` picks the CLDR category and `Intl.NumberFormat` writes the number. Run
//! with `.ci/test-widget-browser`.
#![cfg(target_arch = "wasm32")]

use pledge_widget::browser::intl::format_count;
use pledge_widget::components::count::count_phrase;
use pledge_widget::i18n::{EN, LANGUAGES, Strings};
use pledge_widget::validate::{Problem, message};
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
        "zh-hant" => include_str!("../src/locales/zh-hant.txt"),
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
            "Be the first to sign",
            "1 person has signed",
            "2 people have signed",
            "5 people have signed",
            "21 people have signed",
            "1,000,000 people have signed"
        ]
    );
    assert_eq!(
        phrases("es"),
        [
            "Sé la primera persona en firmar",
            "1 persona ha firmado",
            "2 personas han firmado",
            "5 personas han firmado",
            "21 personas han firmado",
            "1.000.000 de personas han firmado"
        ]
    );
}

#[wasm_bindgen_test]
fn french_says_be_the_first_for_0_though_cldr_puts_it_in_one() {
    assert_eq!(
        phrases("fr")[..3],
        [
            "Soyez la première personne à signer",
            "1 personne a signé",
            "2 personnes ont signé"
        ]
    );
}

#[wasm_bindgen_test]
fn arabic_uses_its_plural_forms_and_says_one_and_two_in_words() {
    let n: Vec<String> = COUNTS.iter().map(|n| format_count(*n, "ar")).collect();
    assert_eq!(
        phrases("ar"),
        [
            "كن أول من يوقّع".to_owned(), // none (0)
            "توقيع واحد".to_owned(),     // one, in words
            "توقيعان".to_owned(),        // two, in words
            format!("{} توقيعات", n[3]), // few (3–10)
            format!("{} توقيعًا", n[4]),  // many (11–99)
            format!("{} توقيع", n[5]),   // other
        ]
    );
}

#[wasm_bindgen_test]
fn too_long_errors_take_the_plural_form_of_their_number() {
    let ar = language("ar");
    let says = |n| message(&ar, "الاسم", Problem::TooLong(n));
    assert_eq!(says(1), "الاسم: استخدم حرفًا واحدًا على الأكثر");
    assert_eq!(says(2), "الاسم: استخدم حرفين على الأكثر");
    assert_eq!(says(5), "الاسم: استخدم 5 أحرف على الأكثر");
    assert_eq!(says(20), "الاسم: استخدم 20 حرفًا على الأكثر");
    // 200 (the name limit) takes the singular noun, not the "few" plural of the old string.
    assert_eq!(says(200), "الاسم: استخدم 200 حرف على الأكثر");
    let en = language("en");
    assert_eq!(
        message(&en, "Code", Problem::TooLong(1)),
        "Code: use at most 1 character"
    );
}

#[wasm_bindgen_test]
fn every_language_says_each_count_in_its_own_words_with_its_own_number() {
    let english = phrases("en");
    for lang in LANGUAGES.iter().copied().filter(|l| *l != "en") {
        let s = language(lang);
        for (i, (phrase, n)) in phrases(lang).iter().zip(COUNTS).enumerate() {
            assert_ne!(phrase, &english[i], "{lang} {n} is English");
            // 0 is "be the first"; a "one" or "two" form may say its number in words.
            let words = [s.count_none, s.count_one, s.count_two].contains(&phrase.as_str());
            let number = format_count(n, lang);
            assert!(
                words || phrase.contains(&number),
                "{lang} {n}: {phrase:?} lacks {number:?}"
            );
        }
    }
}
