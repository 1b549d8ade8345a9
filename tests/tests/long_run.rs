//! A long run of on-device learning, on the host through the same code the firmware
//! runs: the gesture network (`nn_learn::gesture::GestureNet`) learns online from the
//! simulated sensor stream (`GestureSim` → `checked_features` → one `Trainer::step` per
//! window, per-sample SGD with momentum as in `Recipe::DEFAULT`), for `NN_LONG_RUN_STEPS`
//! steps (default 20 000; `.ci/reliability.sh` runs 1 000 000 in release).
//!
//! Checked along the way:
//! - every parameter is finite after every step, and a step the divergence guard refuses
//!   changes nothing;
//! - held-out accuracy (600 windows from another seed) is measured at intervals and does
//!   not degrade: after the warm-up it stays at 0.9 or more, and its mean over the last
//!   third of the checkpoints is no lower (within 0.01) than over the first third;
//! - faulty windows mixed into the stream (stuck, saturated, extreme values: one in 50)
//!   are refused by `checked_features` and never reach training;
//! - memory: no heap allocation at all happens in the steps (a counting global
//!   allocator, per thread), and the process's peak RSS is the same at the end as
//!   after the first 10 000 steps.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Instant;

use nn_core::train::Trainer;
use nn_core::{forward, Error, Model, Network, Schedule, TrainConfig};
use nn_learn::gesture::{Gesture, GestureNet, CLASSES};
use nn_learn::recipe::{Recipe, WORK};
use nn_learn::sim::gestures::GestureSim;
use nn_learn::window::{checked_features, features, Window, FEATURES, FULL_SCALE_MG, WINDOW};

/// Counts the allocations of the thread that asks (the test harness's other threads do
/// not disturb the figure).
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// Peak resident set size of this process in KiB (`VmHWM`), where /proc has it.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Held-out windows (another seed than the training stream), as features and labels.
fn held_out(seed: u32, n: usize) -> Vec<([f32; FEATURES], Gesture)> {
    let mut sim = GestureSim::new(seed);
    (0..n)
        .map(|i| {
            let g = Gesture::ALL[i % CLASSES];
            (features(&sim.window(g)), g)
        })
        .collect()
}

fn accuracy(net: &GestureNet, set: &[([f32; FEATURES], Gesture)], scratch: &mut [f32]) -> f32 {
    let correct = set
        .iter()
        .filter(|(x, g)| {
            let y = forward(net, x, scratch).expect("forward");
            nn_core::train::argmax(y) == Some(g.index())
        })
        .count();
    correct as f32 / set.len() as f32
}

/// A window the sensor should never hand to training: stuck, saturated or extreme.
fn faulty(k: u64, sim: &mut GestureSim, g: Gesture) -> Window {
    match k % 4 {
        0 => [[120, -40, 990]; WINDOW],
        1 => [[FULL_SCALE_MG, -FULL_SCALE_MG - 2, FULL_SCALE_MG]; WINDOW],
        2 => {
            let mut w = sim.window(g);
            w.iter_mut().step_by(2).for_each(|s| s[0] = FULL_SCALE_MG);
            w
        }
        _ => [[i16::MIN, i16::MAX, i16::MIN]; WINDOW],
    }
}

#[test]
fn a_long_run_of_online_learning_keeps_accuracy_finite_parameters_and_memory() {
    let steps: u64 = std::env::var("NN_LONG_RUN_STEPS").ok().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let report_every = (steps / 20).max(1000);
    let warm_up = 10_000.min(steps / 2);

    let recipe = Recipe::DEFAULT;
    // Online: one window a step, the rate held constant (no epochs to decay over).
    // NN_LONG_RUN_WEIGHT_DECAY: the same run with L2 weight decay (0 in the recipe).
    let weight_decay = std::env::var("NN_LONG_RUN_WEIGHT_DECAY").ok().and_then(|s| s.parse().ok()).unwrap_or(0.0);
    let config = TrainConfig { schedule: Schedule::Constant, weight_decay, ..recipe.config };
    let mut net = recipe.initial_net();
    let mut work = [0.0f32; WORK];
    let mut scratch = [0.0f32; <GestureNet as Network>::SCRATCH];
    let mut trainer = Trainer::new(config, &net, &mut work).expect("trainer");
    let test = held_out(9_999, 600);
    let mut sim = GestureSim::new(2026);

    let started = Instant::now();
    let mut allocs_in_steps = 0u64;
    let (mut refused_windows, mut refused_steps, mut trained) = (0u64, 0u64, 0u64);
    let mut rss_after_warm_up = None;
    let mut history: Vec<(u64, f32)> = Vec::with_capacity(64);
    let mut params = [0.0f32; <GestureNet as Network>::PARAMS];
    let mut before = [0.0f32; <GestureNet as Network>::PARAMS];
    for step in 1..=steps {
        let g = Gesture::ALL[(step % 3) as usize];
        let window = if step % 50 == 0 { faulty(step / 50, &mut sim, g) } else { sim.window(g) };

        let a0 = allocations();
        let checked = checked_features(&window);
        let outcome = checked.map(|x| {
            net.copy_params_to(&mut before).ok();
            let sample = [(x, g.one_hot())];
            (trainer.step(&mut net, &sample[..], &[0], &mut scratch), x)
        });
        allocs_in_steps += allocations() - a0;

        match outcome {
            Err(_) => {
                assert_eq!(step % 50, 0, "step {step}: a good window was refused");
                refused_windows += 1;
            }
            Ok((result, x)) => {
                assert!(x.iter().all(|v| v.is_finite()), "step {step}: non-finite features {x:?}");
                assert_ne!(step % 50, 0, "step {step}: a faulty window reached training");
                net.copy_params_to(&mut params).expect("copy");
                match result {
                    Ok(loss) => {
                        assert!(loss.is_finite(), "step {step}: loss {loss}");
                        trained += 1;
                    }
                    Err(Error::NonFinite) => {
                        assert_eq!(params, before, "step {step}: a refused step changed the parameters");
                        refused_steps += 1;
                    }
                    Err(e) => panic!("step {step}: {e}"),
                }
                assert!(params.iter().all(|p| p.is_finite()), "step {step}: a parameter is not finite");
            }
        }
        if step % report_every == 0 || step == steps || step == warm_up {
            let acc = accuracy(&net, &test, &mut scratch);
            let max_abs = params.iter().fold(0.0f32, |m, p| m.max(p.abs()));
            println!(
                "long run: step {step:>8}  held-out accuracy {:.4}  max |parameter| {max_abs:.3}  {:.1} s",
                acc,
                started.elapsed().as_secs_f64()
            );
            history.push((step, acc));
            if step == warm_up {
                rss_after_warm_up = peak_rss_kib();
            }
        }
    }
    let rss_end = peak_rss_kib();
    let elapsed = started.elapsed().as_secs_f64();

    let after_warm_up: Vec<f32> = history.iter().filter(|(s, _)| *s >= warm_up).map(|(_, a)| *a).collect();
    let best = after_warm_up.iter().copied().fold(0.0f32, f32::max);
    let worst = after_warm_up.iter().copied().fold(1.0f32, f32::min);
    let third = (after_warm_up.len() / 3).max(1);
    let mean = |a: &[f32]| a.iter().sum::<f32>() / a.len().max(1) as f32;
    let (early, late) = (mean(&after_warm_up[..third]), mean(&after_warm_up[after_warm_up.len() - third..]));
    println!(
        "long run: {steps} steps in {elapsed:.1} s ({:.2} µs/step): {trained} trained, {refused_steps} refused by the \
         divergence guard, {refused_windows} faulty windows refused before training; held-out accuracy after \
         warm-up {worst:.4}..{best:.4}, mean {early:.4} in the first third of the run, {late:.4} in the last; heap allocations in the steps: {allocs_in_steps}; peak RSS \
         {} KiB after {warm_up} steps, {} KiB at the end",
        1e6 * elapsed / steps as f64,
        rss_after_warm_up.map_or("?".into(), |r| r.to_string()),
        rss_end.map_or("?".into(), |r| r.to_string()),
    );
    assert_eq!(allocs_in_steps, 0, "training allocated");
    assert_eq!(refused_windows, steps / 50);
    assert!(best >= 0.95, "the network did not learn: best held-out accuracy {best}");
    assert!(worst >= 0.9, "accuracy fell to {worst} after the warm-up");
    assert!(late >= early - 0.01, "accuracy degraded: mean {early} early, {late} late");
    if let (Some(a), Some(b)) = (rss_after_warm_up, rss_end) {
        assert_eq!(a, b, "the peak RSS grew from {a} KiB to {b} KiB");
    }
}
