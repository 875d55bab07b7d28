//! Locale-aware text from the browser's `Intl` (numbers, plural rules, region names), so no
//! locale data ships in the wasm.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Intl, js_name = NumberFormat)]
    type NumberFormat;
    #[wasm_bindgen(constructor, catch, js_namespace = Intl, js_class = NumberFormat)]
    fn new(locale: &str, options: &JsValue) -> Result<NumberFormat, JsValue>;
    #[wasm_bindgen(method)]
    fn format(this: &NumberFormat, n: f64) -> String;

    #[wasm_bindgen(js_namespace = Intl, js_name = PluralRules)]
    type PluralRules;
    #[wasm_bindgen(constructor, catch, js_namespace = Intl, js_class = PluralRules)]
    fn new(locale: &str) -> Result<PluralRules, JsValue>;
    #[wasm_bindgen(method)]
    fn select(this: &PluralRules, n: f64) -> String;

    #[wasm_bindgen(js_namespace = Intl, js_name = DisplayNames)]
    type DisplayNames;
    #[wasm_bindgen(constructor, catch, js_namespace = Intl, js_class = DisplayNames)]
    fn new(locale: &str, options: &JsValue) -> Result<DisplayNames, JsValue>;
    #[wasm_bindgen(method)]
    fn of(this: &DisplayNames, code: &str) -> Option<String>;

    #[wasm_bindgen(js_namespace = Intl, js_name = Collator)]
    type Collator;
    #[wasm_bindgen(constructor, catch, js_namespace = Intl, js_class = Collator)]
    fn new(locale: &str) -> Result<Collator, JsValue>;
    #[wasm_bindgen(method)]
    fn compare(this: &Collator, a: &str, b: &str) -> i32;
}

fn object(pairs: &[(&str, &str)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &(*k).into(), &(*v).into());
    }
    o.into()
}

/// `1204` → "1,204" (en) / "1.204" (es): grouping always on, so every embed shows the same
/// shape whatever the size of the number.
pub fn format_count(n: u64, locale: &str) -> String {
    NumberFormat::new(locale, &object(&[("useGrouping", "always")]))
        .map(|f| f.format(n as f64))
        .unwrap_or_else(|_| n.to_string())
}

/// The CLDR plural category of `n` (`one`, `other`, …).
pub fn plural(n: u64, locale: &str) -> String {
    PluralRules::new(locale)
        .map(|p| p.select(n as f64))
        .unwrap_or_else(|_| "other".into())
}

/// ISO 3166-1 alpha-2 codes offered by `country` fields (current, assigned countries).
const REGIONS: &str = "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZW";

/// Every region as (code, localized name), sorted by name for the locale.
pub fn regions(locale: &str) -> Vec<(String, String)> {
    let names = DisplayNames::new(locale, &object(&[("type", "region")])).ok();
    let mut out: Vec<(String, String)> = REGIONS
        .as_bytes()
        .chunks(2)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .map(|code| {
            let name = names
                .as_ref()
                .and_then(|n| n.of(code))
                .unwrap_or_else(|| code.to_owned());
            (code.to_owned(), name)
        })
        .collect();
    if let Ok(collator) = Collator::new(locale) {
        out.sort_by(|a, b| collator.compare(&a.1, &b.1).cmp(&0));
    }
    out
}

/// Names regions in `locale` (`GB` → "United Kingdom"); anything that is not two ASCII
/// capitals (which `Intl.DisplayNames` would throw on) stays as given.
pub fn region_names(locale: &str) -> impl Fn(&str) -> String + 'static {
    let names = DisplayNames::new(locale, &object(&[("type", "region")])).ok();
    move |code: &str| {
        let well_formed = code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase());
        names
            .as_ref()
            .filter(|_| well_formed)
            .and_then(|n| n.of(code))
            .unwrap_or_else(|| code.to_owned())
    }
}
