//! The host's answer to the QEMU `--verify` run: trains `Demo::DEFAULT` through nn-core
//! directly (no sensor, no I2C) and prints the same `verify:`/`param` block the device
//! prints, so the two can be compared with `diff`:
//!
//! ```text
//! cargo run -q -p nn-learn --example reference --target x86_64-unknown-linux-gnu
//! ```

use nn_core::codec;
use nn_core::{Model, Network};
use nn_learn::gesture::GestureNet;
use nn_learn::sim::demo::Demo;

fn main() {
    let demo = Demo::DEFAULT;
    let (net, score) = demo.reference().expect("the reference session runs");
    let mut params = [0.0f32; <GestureNet as Network>::PARAMS];
    net.copy_params_to(&mut params).expect("parameter count matches");
    let mut record = [0u8; 512];
    let len = codec::encode(&net, &mut record).expect("the model encodes");
    let crc = u32::from_le_bytes(record[len - 4..len].try_into().expect("four bytes"));
    println!("verify: begin params={} seed={} target=host", params.len(), demo.data_seed);
    for (i, p) in params.iter().enumerate() {
        println!("param {i} {:08x}", p.to_bits());
    }
    println!("verify: end model_crc=0x{crc:08x}");
    println!("reference: accuracy={:.4} correct={} test={}", score.accuracy(), score.correct(), score.total());
}
