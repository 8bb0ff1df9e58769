//! Records the commit a build came from for `holdpoint --version` (see src/build_commit.rs).

#[path = "src/build_commit.rs"]
mod build_commit;

fn main() {
    let dir = std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    println!("cargo:rerun-if-env-changed=HOLDPOINT_COMMIT");
    for path in build_commit::watched(&dir) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    // Whatever the crate is built from, so that `-dirty` follows edits to it.
    for path in [
        "build.rs",
        "Cargo.toml",
        "Cargo.lock",
        "src",
        "templates",
        "static",
        "migrations",
    ] {
        println!("cargo:rerun-if-changed={path}");
    }
    let given = std::env::var("HOLDPOINT_COMMIT").ok();
    let commit = given
        .filter(|c| build_commit::is_valid(c))
        .or_else(|| build_commit::describe(&dir))
        .unwrap_or_else(|| build_commit::UNKNOWN.to_string());
    println!("cargo:rustc-env=HOLDPOINT_BUILD_COMMIT={commit}");
}
