//! Rebuild when the embedded asset folders change, so a fresh `pkg/` is picked up.
fn main() {
    println!("cargo:rerun-if-changed=../pkg");
    println!("cargo:rerun-if-changed=../www");
    println!("cargo:rerun-if-changed=migrations");
}
