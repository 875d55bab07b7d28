//! Minifies `src/widget.css` into `$OUT_DIR/widget.min.css` so the documentation comments in the
//! stylesheet cost no bytes on the wire (the wasm embeds the minified text).

use std::{env, fs, path::Path};

fn main() {
    let src = "src/widget.css";
    println!("cargo:rerun-if-changed={src}");
    let css = fs::read_to_string(src).expect("src/widget.css is readable");
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("widget.min.css");
    fs::write(out, minify(&css)).expect("OUT_DIR is writable");
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
