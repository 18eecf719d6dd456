//! `tidings-c-header [OUTPUT]`: generates the C header of libtidings from `bindings-c/src` with
//! the settings in `bindings-c/cbindgen.toml`, writing it to OUTPUT (default
//! `bindings-c/include/tidings.h`). `make test-c` writes it to a temporary file and fails when it
//! differs from the committed one.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir.join("include/tidings.h"));
    let config = match cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("tidings-c-header: {err}");
            return ExitCode::FAILURE;
        }
    };
    match cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
    {
        Ok(bindings) => {
            bindings.write_to_file(&output);
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("tidings-c-header: {err}");
            ExitCode::FAILURE
        }
    }
}
