//! Splits the widget's linked wasm (built with `--emit-relocs`) at its split points into a main
//! module and lazily loaded chunks, with the small JS module that loads them.
//!
//!   pledge-wasm-split INPUT.wasm OUT_DIR
//!
//! Writes OUT_DIR/main.wasm (for wasm-bindgen), one OUT_DIR/<name>.wasm per chunk, and
//! OUT_DIR/__wasm_split.js, which imports `initSync` from `./__MAIN__.js` (a placeholder
//! .ci/build-widget replaces with the content-hashed glue) and fetches each chunk relative to
//! its own URL. Prints one line per chunk: `<chunk file> <split names…>`.

use std::{path::Path, process::ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, out] = args.as_slice() else {
        eprintln!("usage: pledge-wasm-split INPUT.wasm OUT_DIR");
        return ExitCode::from(2);
    };
    match run(Path::new(input), Path::new(out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pledge-wasm-split: {e:?}");
            ExitCode::FAILURE
        }
    }
}

fn run(input: &Path, out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let wasm = std::fs::read(input)?;
    let main_out = out.join("main.wasm");
    let mut opts = wasm_split_cli_support::Options::new(&wasm);
    opts.output_dir = out;
    opts.main_out_path = &main_out;
    opts.link_name = "./__wasm_split.js";
    opts.main_module = "./__MAIN__.js";
    let split = wasm_split_cli_support::transform(opts).map_err(|e| format!("{e:?}"))?;
    // Sorted: the build's output must not depend on hash-map order.
    let mut chunks: Vec<_> = split.prefetch_map.into_iter().collect();
    chunks.sort();
    for (name, files) in chunks {
        println!("{name} {}", files.join(" "));
    }
    Ok(())
}
