//! The host's answer to QEMU's `--long-run N [--faults]`: the same windows, steps and
//! checkpoints computed on the host (`nn_learn::sim::longrun::reference`), so that the
//! device's final `model_crc` can be compared with the host's:
//!
//! ```text
//! cargo run -q --release -p nn-learn --example longrun --target x86_64-unknown-linux-gnu -- 40000
//! ```

use nn_learn::sim::chip::FaultPlan;
use nn_learn::sim::demo::Demo;
use nn_learn::sim::longrun;

fn main() {
    let mut steps = 1_000_000;
    let mut faults = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--faults" => faults = true,
            n => steps = n.parse().expect("usage: longrun [STEPS] [--faults]"),
        }
    }
    let demo = Demo::DEFAULT;
    let plan = if faults { FaultPlan::demo(demo.data_seed) } else { FaultPlan::NONE };
    let r = longrun::reference(&demo, steps, plan).expect("the long run completes");
    println!(
        "longrun: steps={steps} accuracy_first={:.4} accuracy_end={:.4} accuracy_min={:.4} refused={} \
         non_finite={} model_crc=0x{:08x} faults={} {} target=host",
        r.accuracy_first,
        r.accuracy_end,
        r.accuracy_min,
        r.refused,
        r.non_finite,
        r.model_crc,
        if faults { "on" } else { "off" },
        r.faults
    );
}
