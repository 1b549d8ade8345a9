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
use nn_core::activation::Sigmoid;
use nn_core::init::{Init, Rng};
use nn_core::kernel::{dense_forward, sgd_outer, transpose_product};
use nn_core::math::{dot, sigmoid_in_place};
use nn_core::{sgd_step, Dense, Loss, Network};

fn values(rng: &mut Rng, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.range(-1.0, 1.0)).collect()
}

fn kernels(c: &mut Criterion) {
    let mut rng = Rng::new(1);
    let mut group = c.benchmark_group("kernels");
    for n in [8usize, 16, 32, 70] {
        let (a, b) = (values(&mut rng, n), values(&mut rng, n));
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(format!("dot/{n}"), |bench| bench.iter(|| dot(black_box(&a), black_box(&b))));
    }
    for (inputs, outputs) in [(8usize, 16usize), (16, 32), (32, 32)] {
        let w = values(&mut rng, inputs * outputs);
        let bias = values(&mut rng, outputs);
        let x = values(&mut rng, inputs);
        let d = values(&mut rng, outputs);
        let mut out = vec![0.0; outputs];
        let mut back = vec![0.0; inputs];
        group.throughput(Throughput::Elements((inputs * outputs) as u64));
        group.bench_function(format!("dense_forward/{inputs}x{outputs}"), |bench| {
            bench.iter(|| dense_forward(black_box(&w), black_box(&bias), black_box(&x), &mut out))
        });
        group.bench_function(format!("transpose_product/{inputs}x{outputs}"), |bench| {
            bench.iter(|| transpose_product(black_box(&w), black_box(&d), &mut back))
        });
        let (mut w2, mut b2) = (w.clone(), bias.clone());
        group.bench_function(format!("sgd_outer/{inputs}x{outputs}"), |bench| {
            bench.iter(|| sgd_outer(&mut w2, &mut b2, black_box(&d), black_box(&x), black_box(1e-30), true))
        });
    }
    for n in [4usize, 16, 32] {
        let z = values(&mut rng, n);
        let mut v = z.clone();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(format!("sigmoid_in_place/{n}"), |bench| {
            bench.iter(|| {
                v.copy_from_slice(black_box(&z));
                sigmoid_in_place(&mut v)
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
            sgd_step(&mut net, &x[s], &t[s], Loss::HalfSse, lr, true, &mut scratch)
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
