//! Gives libtidings.so its soname, so an installed program keeps linking to a release with the
//! same ABI (`make install-c` installs the matching link; `docs/c-binding.md` has the rule):
//! `libtidings.so.<major>`, and for 0.x releases, whose minors may break the ABI,
//! `libtidings.so.0.<minor>`. Derived from the workspace version.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        let part = |name: &str| std::env::var(name).unwrap_or_else(|_| "0".into());
        let major = part("CARGO_PKG_VERSION_MAJOR");
        let abi = match major.as_str() {
            "0" => format!("0.{}", part("CARGO_PKG_VERSION_MINOR")),
            _ => major,
        };
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libtidings.so.{abi}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
