//! The memory map of the QEMU machine that runs this target: mps2-an386 for
//! thumbv7em-none-eabihf, microbit (nRF51) for thumbv6m-none-eabi; and `device.x` for
//! cortex-m-rt's `device` feature.

fn main() -> std::io::Result<()> {
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rustc-env=FW_TARGET={target}");
    memory_map::copy_to_out("device.x")?;
    memory_map::place(if target.starts_with("thumbv6m") { memory_map::MICROBIT } else { memory_map::MPS2 }, &[])
}
