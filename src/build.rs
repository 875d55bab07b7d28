//! Minifies `src/widget.css` (and `src/wall.css`) into `$OUT_DIR/<name>.min.css` so the
//! documentation comments in the stylesheets cost no bytes on the wire (the wasm embeds the
//! minified text), compiles the English strings (`src/locales/en.txt`) in, and fails the build
//! when another language file lacks a key or changes a placeholder.

use std::{env, fs, path::Path};

#[path = "locale_file.rs"]
mod locale_file;

fn main() {
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let out = Path::new(&out_dir);
    // The form's stylesheet, and the wall's (which ships in the wall's lazy chunk).
    for name in ["widget", "wall"] {
        let src = format!("src/{name}.css");
        println!("cargo:rerun-if-changed={src}");
        let css = fs::read_to_string(&src).expect("the stylesheets are readable");
        fs::write(out.join(format!("{name}.min.css")), minify(&css)).expect("OUT_DIR is writable");
    }
    let (blank, wire, bundled) = english();
    fs::write(out.join("blank.rs"), blank).expect("OUT_DIR is writable");
    fs::write(out.join("en.wire.txt"), wire).expect("OUT_DIR is writable");
    fs::write(out.join("bundled_locales.rs"), bundled).expect("OUT_DIR is writable");
}

/// `src/locales/en.txt` in the wire format (its values, one per line; plural forms English
/// lacks are empty: the widget then uses `_other`), and a `Strings` literal with every text
/// empty that the widget fills from it, after checking every other language against it; and
/// the body of `bundled_locales::file`, every other language in the wire format (the crate's
/// `bundled-locales` feature compiles it in, for Leptos apps; the embed fetches the files).
/// (One string of values rather than a literal of 80 `&str`: their pointer pairs would cost
/// the wasm about 150 brotli bytes.)
fn english() -> (String, String, String) {
    println!("cargo:rerun-if-changed=src/locales");
    println!("cargo:rerun-if-changed=src/locale_file.rs");
    let en = fs::read_to_string("src/locales/en.txt").expect("src/locales/en.txt is readable");
    let mut files: Vec<_> = fs::read_dir("src/locales")
        .expect("src/locales is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut problems = Vec::new();
    let mut bundled = String::from("match lang {");
    for path in files {
        let text = fs::read_to_string(&path).expect("language files are UTF-8");
        for p in locale_file::check(&en, &text) {
            problems.push(format!("{}: {p}", path.display()));
        }
        let lang = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if lang != "en" {
            bundled.push_str(&format!("{lang:?} => Some({:?}),", to_wire(&en, &text)));
        }
    }
    bundled.push_str("_ => None }");
    assert!(
        problems.is_empty(),
        "language files:\n{}",
        problems.join("\n")
    );
    let mut blank = String::from("Strings { tag: \"en\",");
    let mut wire = String::new();
    for k in locale_file::wire_keys(&en) {
        blank.push_str(&format!("{k}: \"\","));
        let value = locale_file::parse(&en).find(|(key, _)| *key == k);
        wire.push_str(value.map_or("", |(_, v)| v));
        wire.push('\n');
    }
    (blank + "}", wire, bundled)
}

/// A language file in the wire format: its values in the order of English's keys, one a line,
/// an empty line for a key it leaves out (what .ci/build-widget writes to `pkg/locales/`).
fn to_wire(en: &str, text: &str) -> String {
    let mut wire = String::new();
    for k in locale_file::wire_keys(en) {
        let value = locale_file::parse(text).find(|(key, _)| *key == k);
        wire.push_str(value.map_or("", |(_, v)| v));
        wire.push('\n');
    }
    wire
}

/// Drops `/* … */` comments and collapses whitespace; keeps strings intact (none contain `/*`).
fn minify(css: &str) -> String {
    let mut no_comments = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        no_comments.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    no_comments.push_str(rest);
    let mut out = String::with_capacity(no_comments.len());
    for word in no_comments.split_whitespace() {
        let glue =
            out.ends_with(['{', '}', ';', ',', '>']) || word.starts_with(['{', '}', ';', ',', '>']);
        if !out.is_empty() && !glue {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.replace(";}", "}")
        .replace(": ", ":")
        .replace(" !important", "!important")
}
