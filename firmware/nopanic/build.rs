//! The smaller of the two QEMU maps (the microbit's Cortex-M0): the binary is only
//! linked, never run, so one map serves both cores.

fn main() -> std::io::Result<()> {
    memory_map::place(memory_map::MICROBIT, &[])
}
