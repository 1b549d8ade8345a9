//! Criterion benchmarks of the hot kernels and of one training step of each of the C
//! baseline's networks (`shared/bench/ref_mlp.c`):
//!
//!     cargo bench -p nn-core --bench kernels
//!     cargo bench -p nn-core --bench kernels -- sgd_step     # a subset
//!
//! Absolute times move with the machine's load; `bench/compare.sh` is the side-by-side
//! comparison with the C baseline.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nn_core::activation::{Identity, Sigmoid};
use nn_core::init::{Init, Rng};
use nn_core::{forward, gradient, sgd_step, Activation, Dense, Loss, Network, SgdConfig};

fn values(rng: &mut Rng, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.range(-1.0, 1.0)).collect()
}

/// One dense layer through the public passes: `forward` is `W·x + b` (the 8-lane dot per
/// row), `gradient` adds the backward pass (`δ ⊗ x`), `sgd_step` the fused update.
fn layer<const I: usize, const O: usize>(c: &mut Criterion) {
    let mut rng = Rng::new(1);
    let mut net = <(Dense<I, O, Identity>,)>::default();
    Init::Uniform { limit: 0.5 }.apply(&mut net, &mut rng);
    let (x, t) = (values(&mut rng, I), values(&mut rng, O));
    let mut scratch = vec![0.0; 3 * O];
    let mut grads = vec![0.0; I * O + O];
    let mut group = c.benchmark_group("layer");
    group.throughput(Throughput::Elements((I * O) as u64));
    group.bench_function(format!("forward/{I}x{O}"), |bench| {
        bench.iter(|| forward(&net, black_box(&x), &mut scratch).map(|y| y[0]))
    });
    group.bench_function(format!("gradient/{I}x{O}"), |bench| {
        bench.iter(|| gradient(&net, (black_box(&x), black_box(&t)), Loss::HalfSse, &mut scratch, &mut grads))
    });
    let step = SgdConfig::new(Loss::HalfSse, 1e-30);
    group.bench_function(format!("sgd_step/{I}x{O}"), |bench| {
        bench.iter(|| sgd_step(&mut net, (black_box(&x), black_box(&t)), step, &mut scratch))
    });
    group.finish();
}

fn kernels(c: &mut Criterion) {
    layer::<8, 16>(c);
    layer::<16, 32>(c);
    layer::<32, 32>(c);
    let mut rng = Rng::new(1);
    let mut group = c.benchmark_group("activation");
    for n in [4usize, 16, 32] {
        let z = values(&mut rng, n);
        let mut v = z.clone();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(format!("sigmoid/{n}"), |bench| {
            bench.iter(|| {
                v.copy_from_slice(black_box(&z));
                Activation::Sigmoid.forward(&mut v)
            })
        });
    }
    group.finish();
}

/// One `sgd_step` (forward, backward, update) cycling over `rows` samples.
fn step<N: Network>(c: &mut Criterion, name: &str, rows: usize, lr: f32) {
    let mut rng = Rng::new(2);
    let mut net = N::default();
    Init::Uniform { limit: 0.5 }.apply(&mut net, &mut Rng::new(1));
    let x: Vec<Vec<f32>> = (0..rows).map(|_| values(&mut rng, N::INPUTS)).collect();
    let t: Vec<Vec<f32>> = (0..rows).map(|_| (0..N::OUTPUTS).map(|_| 0.1 + 0.8 * rng.uniform()).collect()).collect();
    let mut scratch = vec![0.0; N::SCRATCH];
    let mut s = 0;
    c.bench_function(&format!("sgd_step/{name}"), |bench| {
        bench.iter(|| {
            s = (s + 1) % rows;
            sgd_step(&mut net, (&x[s], &t[s]), SgdConfig::new(Loss::HalfSse, lr), &mut scratch)
        })
    });
}

fn steps(c: &mut Criterion) {
    step::<(Dense<2, 4, Sigmoid>, Dense<4, 1, Sigmoid>)>(c, "xor 2-4-1", 4, 0.5);
    step::<(Dense<2, 2, Sigmoid>, Dense<2, 2, Sigmoid>)>(c, "mazur 2-2-2", 1, 0.5);
    step::<(Dense<8, 16, Sigmoid>, Dense<16, 4, Sigmoid>)>(c, "mid 8-16-4", 64, 0.1);
    step::<(Dense<16, 32, Sigmoid>, Dense<32, 32, Sigmoid>, Dense<32, 8, Sigmoid>)>(c, "wide 16-32-32-8", 256, 0.1);
}

criterion_group!(benches, kernels, steps);
criterion_main!(benches);
