//! Gives libtidings.so the soname `libtidings.so.<major>` so installed programs keep linking to a
//! compatible release (see `make install-c`).

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libtidings.so.{major}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
