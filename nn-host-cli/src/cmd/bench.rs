//! `nn bench`: trains one of the plain-C baseline's four networks
//! (`shared/bench/ref_mlp.c`) with its exact conventions and reports steps per second.
//!
//! Conventions, as in the baseline's `bench_common.h`: every layer sigmoid, per-sample
//! loss `E = ½Σ(t − o)²`, plain SGD with one update per sample, samples in the fixed
//! order `0..N` every epoch, initial weights `U[−0.5, 0.5)` from xorshift32 seed 1 in the
//! flat parameter order (per layer: weights row-major, then biases), and the data sets
//! of `make_data` (xorshift32 from the net's data seed: inputs `2u − 1`, targets
//! `0.1 + 0.8u`, drawn sample by sample). A step is one sample's forward pass, backward
//! pass and update: one [`nn_core::sgd_step`].
//!
//! Timing follows the baseline's `run_time`: double the epoch count until one run takes
//! at least 0.2 s of CPU time, scale it to `1.1 × seconds`, then time five runs and
//! report the median. CPU time is the thread's time on the CPU from
//! `/proc/thread-self/schedstat` (nanoseconds), so other jobs on the machine do not
//! inflate it; where that file is missing, wall-clock time is used instead.

use std::fmt;
use std::io::Write;
use std::time::Instant;

use nn_core::activation::Sigmoid;
use nn_core::data::Samples;
use nn_core::init::{Init, Rng};
use nn_core::train::work_len;
use nn_core::{forward, sgd_step, Dense, Loss, Network, Optimizer, SgdConfig, TrainConfig, Trainer};

use crate::error::CliError;
use crate::outln;

/// The baseline's four networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchNet {
    /// 2-4-1 on the four XOR rows, learning rate 0.5.
    Xor,
    /// 2-2-2 on Mazur's one sample (0.05, 0.10) → (0.01, 0.99), learning rate 0.5.
    Mazur,
    /// 8-16-4 on 64 random rows, learning rate 0.1.
    Mid,
    /// 16-32-32-8 on 256 random rows, learning rate 0.1.
    Wide,
}

impl BenchNet {
    /// Every network, in the baseline's order.
    pub const ALL: [BenchNet; 4] = [BenchNet::Xor, BenchNet::Mazur, BenchNet::Mid, BenchNet::Wide];

    /// The name on the command line and in the report.
    pub const fn name(self) -> &'static str {
        match self {
            BenchNet::Xor => "xor",
            BenchNet::Mazur => "mazur",
            BenchNet::Mid => "mid",
            BenchNet::Wide => "wide",
        }
    }

    /// Looks a network up by its [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|n| n.name() == name)
    }
}

impl fmt::Display for BenchNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for BenchNet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::from_name(s).ok_or_else(|| format!("unknown net `{s}` (expected xor, mazur, mid or wide)"))
    }
}

/// Arguments of `nn bench`.
#[derive(Debug, Clone, Copy, PartialEq, clap::Args)]
pub struct Args {
    /// The network: the plain-C baseline's xor 2-4-1, mazur 2-2-2, mid 8-16-4 or wide
    /// 16-32-32-8.
    #[arg(long, value_enum)]
    pub net: BenchNet,
    /// CPU seconds each of the five timed runs lasts (after a calibration run).
    #[arg(long, default_value = "2", value_parser = seconds)]
    pub seconds: f64,
    /// Print only the JSON line.
    #[arg(long)]
    pub json: bool,
    /// What takes the steps: `fused` (one `nn_core::sgd_step` per sample, the baseline's
    /// loop) or nn-core's general `Trainer` (batch 1, samples in order, the divergence
    /// guard on) with plain SGD (the same bits as `fused`), momentum 0.9 or Adam.
    #[arg(long, value_enum, default_value_t = Stepper::Fused)]
    pub step: Stepper,
}

/// What takes the benchmark's steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Stepper {
    /// `nn_core::sgd_step`, one per sample.
    Fused,
    /// `Trainer` with plain SGD, batch 1.
    TrainerSgd,
    /// `Trainer` with momentum 0.9, batch 1.
    TrainerMomentum,
    /// `Trainer` with Adam (0.9, 0.999, 1e-8), batch 1.
    TrainerAdam,
}

impl Stepper {
    /// The name on the command line and in the report.
    pub const fn name(self) -> &'static str {
        match self {
            Stepper::Fused => "fused",
            Stepper::TrainerSgd => "trainer-sgd",
            Stepper::TrainerMomentum => "trainer-momentum",
            Stepper::TrainerAdam => "trainer-adam",
        }
    }

    /// The trainer's optimiser (`None` for the fused step).
    pub const fn optimizer(self) -> Option<Optimizer> {
        match self {
            Stepper::Fused => None,
            Stepper::TrainerSgd => Some(Optimizer::Sgd),
            Stepper::TrainerMomentum => Some(Optimizer::Momentum { momentum: 0.9 }),
            Stepper::TrainerAdam => Some(Optimizer::ADAM),
        }
    }
}

/// A duration in seconds: positive and at most an hour.
fn seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 3600.0 => Ok(v),
        _ => Err(format!("`{s}` is not a number of seconds in (0, 3600]")),
    }
}

/// The xor network, 2-4-1.
pub type XorNet = (Dense<2, 4, Sigmoid>, Dense<4, 1, Sigmoid>);
/// Mazur's network, 2-2-2.
pub type MazurNet = (Dense<2, 2, Sigmoid>, Dense<2, 2, Sigmoid>);
/// The mid network, 8-16-4.
pub type MidNet = (Dense<8, 16, Sigmoid>, Dense<16, 4, Sigmoid>);
/// The wide network, 16-32-32-8.
pub type WideNet = (Dense<16, 32, Sigmoid>, Dense<32, 32, Sigmoid>, Dense<32, 8, Sigmoid>);

/// A training set in the baseline's layout: rows of inputs and rows of targets.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchData {
    /// Inputs, one row of `inputs` values per sample.
    pub x: Vec<f32>,
    /// Targets, one row of `outputs` values per sample.
    pub t: Vec<f32>,
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
    /// Learning rate.
    pub learning_rate: f32,
}

impl BenchData {
    /// Samples in the set.
    pub fn len(&self) -> usize {
        self.x.len() / self.inputs
    }

    /// True when the set has no samples.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Sample `s`'s input and target.
    pub fn sample(&self, s: usize) -> (&[f32], &[f32]) {
        let (i, o) = (self.inputs, self.outputs);
        (&self.x[s * i..(s + 1) * i], &self.t[s * o..(s + 1) * o])
    }
}

/// `make_data` of `bench_common.h`.
pub fn bench_data(net: BenchNet) -> BenchData {
    let random = |inputs: usize, outputs: usize, rows: usize, seed: u32| {
        // The baseline seeds the data generator with the raw state, not Rng::new's hash.
        let mut rng = Rng::from_state(seed);
        let (mut x, mut t) = (Vec::new(), Vec::new());
        for _ in 0..rows {
            x.extend((0..inputs).map(|_| 2.0 * rng.uniform() - 1.0));
            t.extend((0..outputs).map(|_| 0.1 + 0.8 * rng.uniform()));
        }
        BenchData { x, t, inputs, outputs, learning_rate: 0.1 }
    };
    match net {
        BenchNet::Xor => BenchData {
            x: vec![0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0],
            t: vec![0.0, 1.0, 1.0, 0.0],
            inputs: 2,
            outputs: 1,
            learning_rate: 0.5,
        },
        BenchNet::Mazur => {
            BenchData { x: vec![0.05, 0.10], t: vec![0.01, 0.99], inputs: 2, outputs: 2, learning_rate: 0.5 }
        }
        BenchNet::Mid => random(8, 4, 64, 0x2545_F491),
        BenchNet::Wide => random(16, 8, 256, 0x9E37_79B9),
    }
}

/// A network with the baseline's initial weights for `seed` (`peer_init`).
pub fn init_net<N: Network>(seed: u32) -> N {
    let mut net = N::default();
    Init::Uniform { limit: 0.5 }.apply(&mut net, &mut Rng::new(seed));
    net
}

/// One epoch of per-sample SGD (`peer_epoch`).
#[inline]
pub fn epoch<N: Network>(net: &mut N, data: &BenchData, scratch: &mut [f32]) -> Result<(), nn_core::Error> {
    for s in 0..data.len() {
        let (x, t) = data.sample(s);
        sgd_step(net, (x, t), SgdConfig::new(Loss::HalfSse, data.learning_rate), scratch)?;
    }
    Ok(())
}

/// Mean over the samples and outputs of `(t − o)²` (the baseline's `dataset_mse`), and
/// the mean over the samples of `½Σ(t − o)²`, both in f64.
pub fn dataset_loss<N: Network>(net: &N, data: &BenchData) -> Result<(f64, f64), nn_core::Error> {
    let mut scratch = vec![0.0f32; N::SCRATCH];
    let mut sq = 0.0f64;
    for s in 0..data.len() {
        let (x, t) = data.sample(s);
        let out = forward(net, x, &mut scratch)?;
        for (&o, &t) in out.iter().zip(t) {
            let e = f64::from(t) - f64::from(o);
            sq += e * e;
        }
    }
    let n = data.len() as f64;
    Ok((sq / (n * data.outputs as f64), 0.5 * sq / n))
}

/// What one `nn bench` run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    /// The network.
    pub net: BenchNet,
    /// What took the steps.
    pub stepper: Stepper,
    /// Median over five runs of steps per CPU second (per wall second where CPU time
    /// cannot be read).
    pub steps_per_s: f64,
    /// Slowest and fastest of the five runs, steps per CPU second.
    pub min_steps_per_s: f64,
    /// Fastest of the five runs.
    pub max_steps_per_s: f64,
    /// Median over the five runs of steps per wall-clock second.
    pub wall_steps_per_s: f64,
    /// Steps in each timed run.
    pub steps_per_run: u64,
    /// Dataset MSE after all the runs (the baseline's `final_mse`).
    pub final_mse: f64,
    /// Mean `½Σ(t − o)²` per sample after all the runs.
    pub final_loss: f64,
    /// Which clock `steps_per_s` uses: `"thread_cpu"` or `"wall"`.
    pub clock: &'static str,
    /// FNV-1a of the parameters' bits after [`CHECK_STEPS`] steps from the seed-1 weights:
    /// `firmware/bench` prints the same figure on the device (`bench/device.sh` compares).
    pub params_fnv: u32,
}

/// Steps before [`params_fnv1a`] is taken for the host/device comparison.
pub const CHECK_STEPS: usize = 1000;

/// FNV-1a (32-bit) over the little-endian bytes of every parameter's bits, in the flat
/// parameter order.
pub fn params_fnv1a<N: Network>(net: &N) -> u32 {
    nn_core::codec::params_fingerprint(net)
}

/// [`params_fnv1a`] after `steps` steps (samples in order) from the seed-1 weights.
pub fn check_after<N: Network>(data: &BenchData, steps: usize) -> Result<u32, nn_core::Error> {
    check_after_with::<N>(data, steps, Stepper::Fused)
}

/// [`check_after`] with the steps taken by `stepper`.
pub fn check_after_with<N: Network>(data: &BenchData, steps: usize, stepper: Stepper) -> Result<u32, nn_core::Error> {
    let mut net: N = init_net(1);
    let mut scratch = vec![0.0f32; N::SCRATCH];
    let samples = Samples::new(&data.x, data.inputs, &data.t, data.outputs)?;
    let mut work = vec![0.0f32; work_len(N::PARAMS, stepper.optimizer().unwrap_or(Optimizer::Sgd))];
    let mut trainer = Trainer::new(trainer_config(data, stepper), &net, &mut work)?;
    for k in 0..steps {
        let s = k % data.len();
        match stepper {
            Stepper::Fused => {
                let (x, t) = data.sample(s);
                sgd_step(&mut net, (x, t), SgdConfig::new(Loss::HalfSse, data.learning_rate), &mut scratch)?;
            }
            _ => {
                trainer.step(&mut net, &samples, &[s as u32], &mut scratch)?;
            }
        }
    }
    Ok(params_fnv1a(&net))
}

/// The [`Trainer`]'s configuration for `stepper`: the baseline's loss and rate, batch 1,
/// samples in order.
fn trainer_config(data: &BenchData, stepper: Stepper) -> TrainConfig {
    let optimizer = stepper.optimizer().unwrap_or(Optimizer::Sgd);
    TrainConfig { optimizer, ..TrainConfig::sgd(Loss::HalfSse, data.learning_rate) }
}

impl BenchReport {
    /// The report as one line of JSON.
    pub fn to_json(&self) -> String {
        format!(
            concat!(
                "{{\"net\":\"{}\",\"step\":\"{}\",\"steps_per_s\":{:.6e},\"min_steps_per_s\":{:.6e},\"max_steps_per_s\":{:.6e},",
                "\"wall_steps_per_s\":{:.6e},\"steps_per_run\":{},\"final_mse\":{:.6e},\"final_loss\":{:.6e},",
                "\"clock\":\"{}\",\"params_fnv1a_after_1000_steps\":\"{:08x}\"}}"
            ),
            self.net,
            self.stepper.name(),
            self.steps_per_s,
            self.min_steps_per_s,
            self.max_steps_per_s,
            self.wall_steps_per_s,
            self.steps_per_run,
            self.final_mse,
            self.final_loss,
            self.clock,
            self.params_fnv
        )
    }
}

/// This thread's time on the CPU in seconds, if the kernel reports it.
fn thread_cpu_s() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 * 1e-9)
}

/// Seconds on the chosen clock since `start` (`cpu0` is the CPU time at `start`).
fn elapsed(start: Instant, cpu0: Option<f64>) -> f64 {
    match (cpu0, thread_cpu_s()) {
        (Some(c0), Some(c1)) => c1 - c0,
        _ => start.elapsed().as_secs_f64(),
    }
}

fn median5(mut v: [f64; 5]) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[2], v[0], v[4])
}

/// Trains `N` from the seed-1 init for about `seconds` per run (five runs, after
/// calibration) and reports the rates.
pub fn bench_net<N: Network>(net_id: BenchNet, seconds: f64) -> Result<BenchReport, nn_core::Error> {
    bench_net_with::<N>(net_id, seconds, Stepper::Fused)
}

/// [`bench_net`] with the steps taken by `stepper`.
pub fn bench_net_with<N: Network>(
    net_id: BenchNet,
    seconds: f64,
    stepper: Stepper,
) -> Result<BenchReport, nn_core::Error> {
    let data = bench_data(net_id);
    let params_fnv = check_after_with::<N>(&data, CHECK_STEPS, stepper)?;
    let mut net: N = init_net(1);
    let mut scratch = vec![0.0f32; N::SCRATCH];
    let samples = Samples::new(&data.x, data.inputs, &data.t, data.outputs)?;
    let mut order = vec![0u32; data.len()];
    let mut work = vec![0.0f32; work_len(N::PARAMS, stepper.optimizer().unwrap_or(Optimizer::Sgd))];
    let mut trainer = Trainer::new(trainer_config(&data, stepper), &net, &mut work)?;
    let mut epoch = |net: &mut N, data: &BenchData, scratch: &mut [f32]| match stepper {
        Stepper::Fused => epoch(net, data, scratch),
        _ => trainer.epoch(net, &samples, &mut order, scratch).map(|_| ()),
    };
    let seconds = if seconds.is_finite() && seconds > 0.0 { seconds } else { 2.0 };
    let clock = if thread_cpu_s().is_some() { "thread_cpu" } else { "wall" };

    // Calibrate: double the epochs until one run takes at least 0.2 s.
    let mut epochs: u64 = 1;
    loop {
        let (t0, c0) = (Instant::now(), thread_cpu_s());
        for _ in 0..epochs {
            epoch(&mut net, &data, &mut scratch)?;
        }
        let dt = elapsed(t0, c0);
        if dt >= 0.2 {
            epochs = (epochs as f64 * (seconds * 1.1) / dt) as u64 + 1;
            break;
        }
        epochs *= 2;
    }
    let steps = epochs * data.len() as u64;
    let mut cpu = [0.0f64; 5];
    let mut wall = [0.0f64; 5];
    for r in 0..5 {
        let (t0, c0) = (Instant::now(), thread_cpu_s());
        for _ in 0..epochs {
            epoch(&mut net, &data, &mut scratch)?;
        }
        wall[r] = steps as f64 / t0.elapsed().as_secs_f64();
        cpu[r] = steps as f64 / elapsed(t0, c0);
    }
    let (steps_per_s, min_steps_per_s, max_steps_per_s) = median5(cpu);
    let (final_mse, final_loss) = dataset_loss(&net, &data)?;
    Ok(BenchReport {
        net: net_id,
        stepper,
        steps_per_s,
        min_steps_per_s,
        max_steps_per_s,
        wall_steps_per_s: median5(wall).0,
        steps_per_run: steps,
        final_mse,
        final_loss,
        clock,
        params_fnv,
    })
}

/// Runs the benchmark `args` asks for.
pub fn measure(args: &Args) -> Result<BenchReport, nn_core::Error> {
    match args.net {
        BenchNet::Xor => bench_net_with::<XorNet>(args.net, args.seconds, args.step),
        BenchNet::Mazur => bench_net_with::<MazurNet>(args.net, args.seconds, args.step),
        BenchNet::Mid => bench_net_with::<MidNet>(args.net, args.seconds, args.step),
        BenchNet::Wide => bench_net_with::<WideNet>(args.net, args.seconds, args.step),
    }
}

/// `nn bench`: measures, then prints a line in the baseline's format (unless `--json`)
/// and, as the last line, the report as one JSON object.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<(), CliError> {
    let report = measure(args).map_err(|e| match e {
        nn_core::Error::NonFinite => CliError::Diverged(format!("nn bench {}: {e}", args.net)),
        e => CliError::bad(format!("nn bench {}: {e}", args.net)),
    })?;
    if !args.json {
        outln!(
            out,
            "nn {} cpu_steps_per_s median {:.6} min {:.6} max {:.6} wall_steps_per_s median {:.6} steps_per_run {} final_mse {:.4}",
            report.net,
            report.steps_per_s,
            report.min_steps_per_s,
            report.max_steps_per_s,
            report.wall_steps_per_s,
            report.steps_per_run,
            report.final_mse
        );
    }
    outln!(out, "{}", report.to_json());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nn_core::Model;

    /// The baseline's `fill` for seed `seed`: `urand − 0.5` over every parameter in order.
    fn c_fill(seed: u32, n: usize) -> Vec<f32> {
        let mut s = seed.wrapping_mul(0x9E37_79B9).wrapping_add(1);
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s >> 8) as f32 * (1.0 / 16_777_216.0) - 0.5
            })
            .collect()
    }

    #[test]
    fn init_is_the_baselines_fill() {
        for seed in [1, 2, 10] {
            let net: WideNet = init_net(seed);
            let mut flat = vec![0.0; WideNet::PARAMS];
            net.copy_params_to(&mut flat).unwrap();
            assert_eq!(flat, c_fill(seed, WideNet::PARAMS));
        }
    }

    #[test]
    fn data_is_the_baselines_make_data() {
        // First row of mid, computed by hand from xorshift32 with state 0x2545F491.
        let d = bench_data(BenchNet::Mid);
        assert_eq!((d.len(), d.x.len(), d.t.len()), (64, 512, 256));
        let mut s: u32 = 0x2545_F491;
        let mut u = || {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s >> 8) as f32 * (1.0 / 16_777_216.0)
        };
        let x0: Vec<f32> = (0..8).map(|_| 2.0 * u() - 1.0).collect();
        let t0: Vec<f32> = (0..4).map(|_| 0.1 + 0.8 * u()).collect();
        assert_eq!(d.sample(0), (&x0[..], &t0[..]));
        assert_eq!(bench_data(BenchNet::Wide).len(), 256);
    }

    /// `./ref_mlp_O2 mazur check`: E_before 0.298371106, w5 0.35891649, w1 0.14978072;
    /// Mazur's double-precision figures are 0.298371109, 0.35891648 and 0.14978072.
    #[test]
    fn reproduces_the_baselines_mazur_check() {
        let mut net: MazurNet = init_net(1);
        net.0 = Dense::new([[0.15, 0.20], [0.25, 0.30]], [0.35; 2]);
        net.1 = Dense::new([[0.40, 0.45], [0.50, 0.55]], [0.60; 2]);
        let data = bench_data(BenchNet::Mazur);
        let mut scratch = [0.0; MazurNet::SCRATCH];
        let (_, e_before) = dataset_loss(&net, &data).unwrap();
        epoch(&mut net, &data, &mut scratch).unwrap();
        let (w5, w1) = (net.1.weights[0][0], net.0.weights[0][0]);
        assert!((e_before - 0.298_371_109).abs() < 1e-8, "E_before {e_before}");
        assert!((f64::from(w5) - 0.358_916_48).abs() < 1e-7, "w5 {w5}");
        assert!((f64::from(w1) - 0.149_780_72).abs() < 1e-7, "w1 {w1}");
    }

    /// `./ref_mlp_O2 xor learn`: after 10,000 epochs every seed 1..10 has MSE below
    /// 0.01 (the baseline's figures are 2.1e-4 to 3.3e-4; seed 1: 3.07e-4, outputs
    /// 0.0095 0.9833 0.9835 0.0242).
    #[test]
    fn xor_learns_like_the_baseline() {
        let data = bench_data(BenchNet::Xor);
        let mut scratch = [0.0; XorNet::SCRATCH];
        for seed in 1..=10 {
            let mut net: XorNet = init_net(seed);
            for _ in 0..10_000 {
                epoch(&mut net, &data, &mut scratch).unwrap();
            }
            let (mse, _) = dataset_loss(&net, &data).unwrap();
            assert!(mse < 0.01, "seed {seed}: mse {mse}");
            assert!((1e-4..1e-3).contains(&mse), "seed {seed}: mse {mse} far from the baseline's");
            if seed == 1 {
                assert!((mse - 3.07e-4).abs() < 0.05e-4, "seed 1: mse {mse}");
                let expect = [0.0095, 0.9833, 0.9835, 0.0242];
                for (s, e) in expect.iter().enumerate() {
                    let y = forward(&net, data.sample(s).0, &mut scratch).unwrap()[0];
                    assert!((y - e).abs() < 1e-3, "seed 1, sample {s}: {y}");
                }
            }
        }
    }

    /// nn-core's `Trainer` with plain SGD and batch 1 takes the same steps as
    /// `sgd_step`, bit for bit, on every benchmark network; momentum takes others.
    #[test]
    fn the_trainers_plain_sgd_is_the_fused_step_bit_for_bit() {
        fn both<N: Network>(net: BenchNet) -> (u32, u32, u32) {
            let data = bench_data(net);
            let run = |s| check_after_with::<N>(&data, 300, s).unwrap();
            (run(Stepper::Fused), run(Stepper::TrainerSgd), run(Stepper::TrainerMomentum))
        }
        for (fused, trainer, momentum) in [
            both::<XorNet>(BenchNet::Xor),
            both::<MazurNet>(BenchNet::Mazur),
            both::<MidNet>(BenchNet::Mid),
            both::<WideNet>(BenchNet::Wide),
        ] {
            assert_eq!(fused, trainer);
            assert_ne!(fused, momentum);
        }
    }

    #[test]
    fn seconds_are_checked() {
        assert_eq!(seconds("0.5"), Ok(0.5));
        assert!(seconds("0").is_err() && seconds("-1").is_err() && seconds("nan").is_err());
    }

    #[test]
    fn the_last_line_is_one_json_object() {
        let mut out = Vec::new();
        run(&Args { net: BenchNet::Mazur, seconds: 0.01, json: false, step: Stepper::Fused }, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let last = text.lines().last().unwrap();
        let v: serde_json::Value = serde_json::from_str(last).unwrap();
        assert_eq!(v["net"], "mazur");
        assert!(v["steps_per_s"].as_f64().unwrap() > 0.0);
        assert!(v["final_loss"].as_f64().unwrap() < 0.01);
    }
}
