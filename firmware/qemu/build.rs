//! Puts the memory map of the QEMU machine that runs this target in `OUT_DIR/memory.x`:
//! mps2-an386 for thumbv7em-none-eabihf, microbit (nRF51) for thumbv6m-none-eabi.

use std::{env, fs, path::PathBuf};

fn main() {
    let target = env::var("TARGET").unwrap_or_default();
    let map = if target.starts_with("thumbv6m") { "memory-microbit.x" } else { "memory-mps2-an386.x" };
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::copy(map, out.join("memory.x")).expect("copy the memory map");
    fs::copy("device.x", out.join("device.x")).expect("copy device.x");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory-microbit.x");
    println!("cargo:rerun-if-changed=memory-mps2-an386.x");
    println!("cargo:rerun-if-changed=device.x");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-env=FW_TARGET={target}");
    println!("cargo:rustc-link-arg-bins=--nmagic");
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
}
