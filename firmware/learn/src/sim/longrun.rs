//! The long run computed on the host: the same windows (simulated chip, `lsm303agr`
//! driver, fault-tolerant reader), the same online steps ([`crate::online::Online`]) and
//! checkpoints as QEMU's `--long-run`, so that the device's final `model_crc` can be
//! checked against [`reference()`]'s.

use core::cell::RefCell;

use nn_core::{codec, Error};

use super::chip::{FaultPlan, SimBus, SimDelay, SimLsm303agr};
use super::demo::Demo;
use super::gestures::GestureSim;
use crate::buffer::{Example, ExampleBuffer};
use crate::gesture::Gesture;
use crate::online::{all_finite, score, Online};
use crate::reader::{FaultCounters, Policy, Reader};
use crate::recipe::WORK;
use crate::window::checked_features;

/// Held-out windows of a long run: the first ones of the stream, never trained on.
pub const HELD_OUT: usize = 150;

/// The gesture of training step `step` (0-based) of a long run: the session's cycle,
/// continued after the held-out windows.
pub const fn gesture_of_step(step: u32) -> Gesture {
    Demo::gesture(HELD_OUT + step as usize)
}

/// Steps after which a long run of `steps` steps measures held-out accuracy: after the
/// first 1 % (rounded up), every 10 %, and at the end.
pub fn is_checkpoint(done: u32, steps: u32) -> bool {
    done == steps.div_ceil(100) || done.is_multiple_of((steps / 10).max(1)) || done == steps
}

/// What a long run ends with (the device's `longrun:` summary has these and more).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LongRunReport {
    /// Held-out accuracy after the first 1 % of the steps.
    pub accuracy_first: f32,
    /// Held-out accuracy at the end.
    pub accuracy_end: f32,
    /// Lowest held-out accuracy over the checkpoints.
    pub accuracy_min: f32,
    /// CRC-32 of the final network's codec record (as the device prints it).
    pub model_crc: u32,
    /// Steps the trainer refused (non-finite result).
    pub refused: u32,
    /// Steps after which some parameter was not finite.
    pub non_finite: u32,
    /// The reader's fault counters.
    pub faults: FaultCounters,
}

/// Why the host reference of a long run stopped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LongRunError {
    /// The sensor delivered no usable window in 200 attempts.
    SensorGone,
    /// nn-core failed.
    Net(Error),
}

/// A long run computed without a device: the same windows (simulated chip, `lsm303agr`
/// driver, fault-tolerant reader), the same steps and checkpoints as QEMU's
/// `--long-run`, so the device's final `model_crc` must equal this one.
pub fn reference(demo: &Demo, steps: u32, plan: FaultPlan) -> Result<LongRunReport, LongRunError> {
    let chip = RefCell::new(SimLsm303agr::with_faults(GestureSim::new(demo.data_seed), plan));
    let mut reader = Reader::new(SimBus(&chip), Policy::DEFAULT, &mut SimDelay::new(&chip));
    let mut read = |label: Gesture| -> Result<Example, LongRunError> {
        for _ in 0..200 {
            if let Ok(mut c) = chip.try_borrow_mut() {
                c.start_window(label);
            }
            if let Ok(w) = reader.read_window(&mut SimDelay::new(&chip)) {
                let features = checked_features(&w).map_err(|_| LongRunError::SensorGone)?;
                return Ok(Example { features, label });
            }
        }
        Err(LongRunError::SensorGone)
    };
    let mut held_out = ExampleBuffer::<HELD_OUT>::new();
    for i in 0..HELD_OUT {
        let full = Error::BufferTooSmall { needed: i + 1, found: held_out.capacity() };
        held_out.push(read(Demo::gesture(i))?).map_err(|_| LongRunError::Net(full))?;
    }
    let mut net = demo.recipe.initial_net();
    let mut work = [0.0f32; WORK];
    let mut learner = Online::new(&demo.recipe, &net, &mut work).map_err(LongRunError::Net)?;
    let mut report = LongRunReport {
        accuracy_first: 0.0,
        accuracy_end: 0.0,
        accuracy_min: 1.0,
        model_crc: 0,
        refused: 0,
        non_finite: 0,
        faults: FaultCounters::default(),
    };
    for i in 0..steps {
        let example = read(gesture_of_step(i))?;
        if learner.step(&mut net, &example).is_err() {
            report.refused += 1;
        }
        if !all_finite(&net) {
            report.non_finite += 1;
        }
        let done = i + 1;
        if is_checkpoint(done, steps) {
            let acc = score(&net, &held_out).map_err(LongRunError::Net)?.accuracy();
            report.accuracy_min = report.accuracy_min.min(acc);
            if done == steps.div_ceil(100) {
                report.accuracy_first = acc;
            }
            report.accuracy_end = acc;
        }
    }
    let mut record = [0u8; 512];
    let short = Error::BufferTooSmall { needed: codec::encoded_len(&net), found: record.len() };
    let len = codec::encode(&net, &mut record).map_err(|_| LongRunError::Net(short))?;
    if let Some([a, b, c, d]) = len.checked_sub(4).and_then(|at| record.get(at..len)) {
        report.model_crc = u32::from_le_bytes([*a, *b, *c, *d]);
    }
    report.faults = reader.counters();
    Ok(report)
}
