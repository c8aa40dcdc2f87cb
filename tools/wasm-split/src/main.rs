//! `latchkey-wasm-split IN.wasm OUT_DIR NAME`: splits a wasm module at its
//! leptos `#[lazy]` split points, the way cargo-leptos `--split` does.
//!
//! Writes into OUT_DIR:
//! - `NAME_split.wasm`, the main module, for wasm-bindgen to process;
//! - one `.wasm` per chunk, and `__wasm_split.______________________.js`, the
//!   loader that fetches them (the placeholder name is what leptos's
//!   `HydrationScripts` looks for until the site is hashed);
//! - `__wasm_split_manifest.json`: for each split point, the chunks it needs,
//!   which the server names in `<link rel="preload">` on pages that use it.
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, out_dir, name] = args.as_slice() else {
        eprintln!("usage: latchkey-wasm-split IN.wasm OUT_DIR NAME");
        return ExitCode::from(2);
    };
    match split(input.into(), out_dir.into(), name) {
        Ok(chunks) => {
            println!("split into the main module and {chunks} chunks");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("latchkey-wasm-split: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn split(
    input: PathBuf,
    out_dir: PathBuf,
    name: &str,
) -> Result<usize, Box<dyn std::error::Error>> {
    let wasm = std::fs::read(&input).map_err(|e| format!("reading {}: {e}", input.display()))?;
    std::fs::create_dir_all(&out_dir)?;
    let main_out = out_dir.join(format!("{name}_split.wasm"));
    let main_module = format!("./{name}.js");
    let mut opts = wasm_split_cli_support::Options::new(&wasm);
    opts.output_dir = &out_dir;
    opts.main_out_path = &main_out;
    opts.main_module = &main_module;
    opts.link_name = "./__wasm_split.______________________.js";
    let result = wasm_split_cli_support::transform(opts).map_err(|e| format!("{e:#}"))?;
    std::fs::write(
        out_dir.join("__wasm_split_manifest.json"),
        serde_json::to_string_pretty(&result.prefetch_map)?,
    )?;
    Ok(result.split_modules.len())
}
