//! Online learning through the sensor path on the host: what QEMU's `--long-run N`
//! does, step for step (`nn_learn::sim::longrun::reference`), so the device's figures can be
//! checked against these.
//!
//! Run on the host: `cargo test -p nn-learn --target x86_64-unknown-linux-gnu`; the
//! million-step reference: `cargo test --release -p nn-learn --target
//! x86_64-unknown-linux-gnu --test online -- --ignored --nocapture`.

use nn_learn::buffer::Example;
use nn_learn::gesture::Gesture;
use nn_learn::online::{Online, EPOCH_WINDOWS};
use nn_learn::recipe::{Recipe, WORK};
use nn_learn::sim::chip::FaultPlan;
use nn_learn::sim::demo::Demo;
use nn_learn::sim::longrun::{self, is_checkpoint};

#[test]
fn a_long_run_learns_and_stays_finite() {
    let r = longrun::reference(&Demo::DEFAULT, 2000, FaultPlan::NONE).unwrap();
    println!("{r:?}");
    assert_eq!((r.refused, r.non_finite), (0, 0));
    assert!(r.accuracy_end >= 0.9, "{r:?}");
    assert_eq!(r.faults.windows, 2000 + longrun::HELD_OUT as u32);
    assert_eq!(r.faults.skipped, 0);
}

#[test]
fn a_long_run_with_faults_learns_too() {
    let r = longrun::reference(&Demo::DEFAULT, 2000, FaultPlan::demo(Demo::DEFAULT.data_seed)).unwrap();
    println!("{r:?}");
    assert_eq!((r.refused, r.non_finite), (0, 0));
    assert!(r.accuracy_end >= 0.9, "{r:?}");
    assert!(r.faults.skipped > 100 && r.faults.stuck > 0 && r.faults.saturated > 0, "{r:?}");
}

#[test]
fn checkpoints_at_one_percent_and_every_tenth() {
    let at = |steps: u32| (1..=steps).filter(|&d| is_checkpoint(d, steps)).collect::<Vec<_>>();
    assert_eq!(at(1000), [10, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    assert_eq!(at(5), [1, 2, 3, 4, 5]);
    assert_eq!(at(1_000_000).len(), 11);
}

#[test]
fn the_rate_follows_the_recipe_one_epoch_per_120_windows() {
    let recipe = Recipe::DEFAULT;
    let mut net = recipe.initial_net();
    let mut work = [0.0f32; WORK];
    let mut learner = Online::new(&recipe, &net, &mut work).unwrap();
    let example = Example { features: [0.0, 0.0, 1.0, 0.01, 0.01, 0.01], label: Gesture::Still };
    for _ in 0..=EPOCH_WINDOWS {
        learner.step(&mut net, &example).unwrap();
    }
    assert_eq!(learner.steps(), EPOCH_WINDOWS + 1);
    assert_eq!(learner.learning_rate(), 0.02 / 1.01);
}

/// The figure docs/firmware.md compares the device's million-step run with.
#[test]
#[ignore]
fn a_million_steps() {
    let r = longrun::reference(&Demo::DEFAULT, 1_000_000, FaultPlan::NONE).unwrap();
    println!("a million steps: {r:?}");
    assert_eq!((r.refused, r.non_finite), (0, 0));
    assert!(r.accuracy_end >= 0.9 && r.accuracy_end >= r.accuracy_first - 0.02);
}
