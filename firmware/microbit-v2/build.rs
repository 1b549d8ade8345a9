//! The nRF52833 memory map (minus the model-storage pages), linked with cortex-m-rt's and
//! defmt's linker scripts.

fn main() -> std::io::Result<()> {
    memory_map::place("memory-nrf52833.x", &["defmt.x"])
}
