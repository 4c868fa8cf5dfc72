//! Links with cortex-m-rt's `link.x` (the LM3S6965's `memory.x` comes from
//! the `lm3s6965` device crate).
fn main() {
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
}
