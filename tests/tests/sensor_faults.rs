//! What a faulty sensor can hand to training, on the host: any window at all (every
//! `i16` on every axis, stuck, saturated, alternating between the rails). Features are
//! always finite and bounded; `checked_features` refuses stuck and saturated windows;
//! and a training step on whatever it accepts leaves every parameter finite, or is
//! refused by the divergence guard without changing anything. The fault-tolerant reader
//! itself (retries, time-outs, re-initialisation) is tested in
//! `firmware/learn/tests/faults.rs`.

use nn_core::train::Trainer;
use nn_core::{Error, Model, Network};
use nn_learn::gesture::{Gesture, GestureNet};
use nn_learn::recipe::{Recipe, WORK};
use nn_learn::window::{check_window, checked_features, features, Window, WindowFault, FULL_SCALE_MG, WINDOW};
use proptest::prelude::*;

/// Largest magnitude a feature can have: 32 767 mg is 32.767 g (a mean), and a standard
/// deviation of values in [−32 768, 32 767] mg is at most 32.7675 g.
const FEATURE_BOUND: f32 = 32.768;

fn any_window() -> impl Strategy<Value = Window> {
    let sample = prop_oneof![
        4 => prop::array::uniform3(-FULL_SCALE_MG - 2..=FULL_SCALE_MG),
        1 => prop::array::uniform3(any::<i16>()),
        1 => prop::array::uniform3(prop_oneof![Just(i16::MIN), Just(i16::MAX), Just(FULL_SCALE_MG), Just(-FULL_SCALE_MG - 2)]),
    ];
    prop::collection::vec(sample, WINDOW).prop_map(|v| core::array::from_fn(|i| v[i]))
}

/// One step of the firmware's online learner on `window`, if it is accepted.
fn step_on(window: &Window, label: Gesture) -> Result<(), String> {
    let Ok(x) = checked_features(window) else { return Ok(()) };
    let mut net = Recipe::DEFAULT.initial_net();
    let mut work = [0.0f32; WORK];
    let mut scratch = [0.0f32; <GestureNet as Network>::SCRATCH];
    let mut before = [0.0f32; <GestureNet as Network>::PARAMS];
    net.copy_params_to(&mut before).map_err(|e| e.to_string())?;
    let mut trainer = Trainer::new(Recipe::DEFAULT.config, &net, &mut work).map_err(|e| e.to_string())?;
    let sample = [(x, label.one_hot())];
    let result = trainer.step(&mut net, &sample[..], &[0], &mut scratch);
    let mut after = [0.0f32; <GestureNet as Network>::PARAMS];
    net.copy_params_to(&mut after).map_err(|e| e.to_string())?;
    match result {
        Ok(loss) if loss.is_finite() && after.iter().all(|p| p.is_finite()) => Ok(()),
        Err(Error::NonFinite) if after == before => Ok(()),
        other => Err(format!("step on {x:?}: {other:?}")),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn features_of_any_window_are_finite_and_bounded(window in any_window()) {
        let f = features(&window);
        prop_assert!(f.iter().all(|v| v.is_finite() && v.abs() <= FEATURE_BOUND), "{f:?}");
        prop_assert!(f[3..].iter().all(|&s| s >= 0.0), "{f:?}");
        match checked_features(&window) {
            Ok(checked) => prop_assert_eq!(checked, f),
            Err(fault) => prop_assert_eq!(Err(fault), check_window(&window)),
        }
    }

    #[test]
    fn a_training_step_on_any_accepted_window_keeps_the_parameters_finite(
        window in any_window(),
        label in 0usize..3,
    ) {
        let label = Gesture::ALL[label];
        prop_assert_eq!(step_on(&window, label), Ok(()));
    }
}

#[test]
fn stuck_and_saturated_windows_never_reach_training() {
    let rails = [FULL_SCALE_MG, -FULL_SCALE_MG - 2];
    let cases: [(Window, WindowFault); 5] = [
        ([[0, 0, 1000]; WINDOW], WindowFault::Stuck),
        ([[i16::MIN; 3]; WINDOW], WindowFault::Saturated),
        ([[FULL_SCALE_MG, 0, 0]; WINDOW], WindowFault::Saturated),
        (core::array::from_fn(|i| [rails[i % 2], 0, 1000]), WindowFault::Saturated),
        (core::array::from_fn(|i| [if i < 16 { FULL_SCALE_MG } else { 0 }, 3, 990]), WindowFault::Saturated),
    ];
    for (i, (window, fault)) in cases.iter().enumerate() {
        assert_eq!(checked_features(window), Err(*fault), "case {i}");
    }
    // Fewer than half the samples on a rail: a hard shake clipping its peaks is kept.
    let clipped: Window = core::array::from_fn(|i| [if i < 15 { FULL_SCALE_MG } else { 10 * i as i16 }, 3, 990]);
    assert!(checked_features(&clipped).is_ok());
}
