//! QEMU mps2's memory map for both cores: the Cortex-M4F code runs on mps2-an386, the
//! Cortex-M0 code on mps2-an385 (the microbit machine's 16 KiB of RAM is too little for
//! the `wide` network).

fn main() -> std::io::Result<()> {
    memory_map::place(memory_map::MPS2, &[])
}
