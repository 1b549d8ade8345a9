//! The firmware's one `memory.x` placer: every binary's `build.rs` is a call to [`place`].
//!
//! cortex-m-rt's linker script `link.x` includes `memory.x`, the memory map of the chip
//! (where flash and RAM are and how large). [`place`] puts the binary's map there and
//! links with it:
//!
//! - it copies the map to `OUT_DIR/memory.x` and adds `OUT_DIR` to the link search path,
//!   so the linker sees exactly one `memory.x`, the one for this binary and target;
//! - it refuses to build when a file named `memory.x` sits in the package or in the
//!   firmware directory (the workspace root, where the linker runs): the linker would
//!   take that one first, silently, and cargo would not relink when it changes (checked
//!   whenever the build script runs: a first build, a changed map or `build.rs`);
//! - it links the binaries with `--nmagic` (sections need not be page-aligned),
//!   `-Tlink.x` and any further script (`defmt.x`);
//! - it reruns the build script when the map changes.
//!
//! The QEMU machines' maps live here ([`MPS2`], [`MICROBIT`]) because three packages run
//! on them (`qemu`, `bench`, `nopanic`); a real board's map lives in its own package
//! (`microbit-v2/memory-nrf52833.x`), under a name other than `memory.x`.
//!
//! ```no_run
//! // build.rs of a binary for QEMU's mps2-an386
//! fn main() -> std::io::Result<()> {
//!     memory_map::place(memory_map::MPS2, &[])
//! }
//! ```
#![deny(unsafe_code)]

use std::env;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// QEMU `mps2-an386` (Cortex-M4F) and `mps2-an385` (Cortex-M3): flash 4 MiB at 0, RAM 4 MiB
/// at 0x2000_0000.
pub const MPS2: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/maps/mps2.x");

/// QEMU `microbit` (nRF51822, Cortex-M0): flash 256 KiB at 0, RAM 16 KiB at 0x2000_0000.
pub const MICROBIT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/maps/microbit.x");

/// Places `map` as this binary's `memory.x` and links the package's binaries with
/// cortex-m-rt's `link.x` and each of `scripts` (for example `"defmt.x"`).
///
/// Fails when a stray `memory.x` would shadow it, or when the copy fails.
pub fn place(map: impl AsRef<Path>, scripts: &[&str]) -> io::Result<()> {
    let map = map.as_ref();
    refuse_stray_memory_x()?;
    let out = out_dir()?;
    fs::copy(map, out.join("memory.x"))
        .map_err(|e| io::Error::new(e.kind(), format!("copying the memory map {}: {e}", map.display())))?;
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed={}", map.display());
    println!("cargo:rustc-link-arg-bins=--nmagic");
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
    for script in scripts {
        println!("cargo:rustc-link-arg-bins=-T{script}");
    }
    Ok(())
}

/// Copies `file` into `OUT_DIR` under its own name, for another script that `link.x`
/// includes (`device.x`, the interrupt names of cortex-m-rt's `device` feature).
pub fn copy_to_out(file: impl AsRef<Path>) -> io::Result<()> {
    let file = file.as_ref();
    let name = file.file_name().ok_or_else(|| io::Error::other(format!("{} names no file", file.display())))?;
    fs::copy(file, out_dir()?.join(name))
        .map_err(|e| io::Error::new(e.kind(), format!("copying {}: {e}", file.display())))?;
    println!("cargo:rerun-if-changed={}", file.display());
    Ok(())
}

fn out_dir() -> io::Result<PathBuf> {
    env::var_os("OUT_DIR").map(PathBuf::from).ok_or_else(|| io::Error::other("OUT_DIR is not set (not run by cargo?)"))
}

/// A `memory.x` in the package or in its parent (the firmware workspace root, the
/// linker's working directory) would be found before the one in `OUT_DIR`.
fn refuse_stray_memory_x() -> io::Result<()> {
    let package = env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| io::Error::other("CARGO_MANIFEST_DIR is not set (not run by cargo?)"))?;
    for dir in package.ancestors().take(2) {
        let stray = dir.join("memory.x");
        if stray.exists() {
            return Err(io::Error::other(format!(
                "{} would shadow the memory map memory_map::place writes: remove or rename it",
                stray.display()
            )));
        }
    }
    Ok(())
}
