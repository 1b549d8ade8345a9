//! A user's session with the micro:bit, on the host: the simulator stands in for the
//! user's hand, the buttons are held as the README says.
//!
//! Run on the host: `cargo test -p nn-learn --target x86_64-unknown-linux-gnu`.

use nn_learn::gesture::Gesture;
use nn_learn::learner::{Held, Learner, Mode, Outcome, PER_CLASS_CAP, PER_CLASS_MIN};
use nn_learn::recipe::Recipe;
use nn_learn::sim::gestures::GestureSim;

fn button_for(g: Gesture) -> Held {
    match g {
        Gesture::Still => Held::None,
        Gesture::Shake => Held::A,
        Gesture::Tilt => Held::B,
    }
}

/// Collects round-robin until the learner asks to train; returns the windows used.
fn collect_until_ready(learner: &mut Learner, sim: &mut GestureSim) -> usize {
    for i in 0..1000 {
        let g = Gesture::ALL[i % 3];
        match learner.on_window(&sim.window(g), button_for(g)).unwrap() {
            Outcome::Collected { label, .. } => assert_eq!(label, g),
            Outcome::ReadyToTrain { label, counts } => {
                assert_eq!(label, g);
                assert!(counts.iter().all(|&c| c >= PER_CLASS_MIN));
                return i + 1;
            }
            other => panic!("unexpected {other:?} while collecting"),
        }
    }
    panic!("never ready to train");
}

fn accuracy(learner: &mut Learner, sim: &mut GestureSim, windows: usize) -> f32 {
    let mut correct = 0;
    for i in 0..windows {
        let g = Gesture::ALL[i % 3];
        match learner.on_window(&sim.window(g), Held::None).unwrap() {
            Outcome::Predicted { gesture, probabilities } => {
                let sum: f32 = probabilities.iter().sum();
                assert!((sum - 1.0).abs() < 1e-4);
                correct += usize::from(gesture == g);
            }
            other => panic!("unexpected {other:?} while predicting"),
        }
    }
    correct as f32 / windows as f32
}

#[test]
fn a_session_collects_trains_and_predicts() {
    let mut sim = GestureSim::new(77);
    let mut learner = Learner::new(Recipe::DEFAULT, None);
    assert_eq!(learner.mode(), Mode::Collect);
    // 15 windows of each class, one after the other.
    assert_eq!(collect_until_ready(&mut learner, &mut sim), 3 * PER_CLASS_MIN);
    let report = learner.train().unwrap();
    assert!(report.loss < 0.5, "loss {}", report.loss);
    assert_eq!(learner.mode(), Mode::Predict);
    let acc = accuracy(&mut learner, &mut sim, 150);
    assert!(acc >= 0.85, "accuracy {acc} after 45 examples");

    // A+B: more examples, a second training on all of them.
    let ab = sim.window(Gesture::Still);
    assert_eq!(learner.on_window(&ab, Held::Both).unwrap(), Outcome::BackToCollect);
    assert_eq!(learner.mode(), Mode::Collect);
    assert_eq!(learner.on_window(&ab, Held::Both).unwrap(), Outcome::Ignored);
    // Every class already has 15: it takes 15 new windows.
    assert_eq!(collect_until_ready(&mut learner, &mut sim), PER_CLASS_MIN);
    assert_eq!(learner.buffer().len(), 4 * PER_CLASS_MIN);
    learner.train().unwrap();
    let acc = accuracy(&mut learner, &mut sim, 150);
    assert!(acc >= 0.85, "accuracy {acc} after 60 examples");
}

#[test]
fn one_class_alone_never_trains_and_is_capped() {
    let mut sim = GestureSim::new(3);
    let mut learner = Learner::new(Recipe::DEFAULT, None);
    for _ in 0..100 {
        let out = learner.on_window(&sim.window(Gesture::Still), Held::None).unwrap();
        assert!(matches!(out, Outcome::Collected { label: Gesture::Still, .. }), "{out:?}");
    }
    assert_eq!(learner.buffer().count(Gesture::Still), PER_CLASS_CAP);
    assert_eq!(learner.buffer().len(), PER_CLASS_CAP);
}

#[test]
fn a_stored_model_predicts_at_once() {
    let mut sim = GestureSim::new(5);
    let mut trainer = Learner::new(Recipe::DEFAULT, None);
    collect_until_ready(&mut trainer, &mut sim);
    trainer.train().unwrap();
    let stored = trainer.net().copied();
    let mut learner = Learner::new(Recipe::DEFAULT, stored);
    assert_eq!(learner.mode(), Mode::Predict);
    let out = learner.on_window(&sim.window(Gesture::Shake), Held::None).unwrap();
    assert!(matches!(out, Outcome::Predicted { .. }), "{out:?}");
}

#[test]
fn buttons_map_to_labels() {
    assert_eq!(Held::from_buttons(false, false).label(), Some(Gesture::Still));
    assert_eq!(Held::from_buttons(true, false).label(), Some(Gesture::Shake));
    assert_eq!(Held::from_buttons(false, true).label(), Some(Gesture::Tilt));
    assert_eq!(Held::from_buttons(true, true).label(), None);
}
