//! The micro:bit's interaction, without the board: buttons label windows, training
//! starts once every class has enough of them, then each window is predicted.
//!
//! The board binary reads a window and the buttons, hands both to
//! [`Learner::on_window`], and turns the [`Outcome`] into LEDs, logs, a call to
//! [`Learner::train`] and a save to flash. Keeping the decisions here lets the host test
//! a whole session of a user (`tests/learner.rs`).

use crate::buffer::{Example, ExampleBuffer};
use crate::gesture::{self, Gesture, GestureNet, CLASSES};
use crate::recipe::{self, Recipe};
use crate::window::{self, Window, WindowFault};
use nn_core::train::EpochReport;

/// Examples kept in RAM.
pub const BUFFER: usize = 120;
/// At most this many examples per class: a new one replaces the oldest of its class.
pub const PER_CLASS_CAP: usize = BUFFER / CLASSES;
/// Training starts once every class has this many examples, and this many windows were
/// recorded since collecting (re)started.
pub const PER_CLASS_MIN: usize = 15;

/// The buttons held through a whole window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Held {
    /// No button.
    None,
    /// Button A only.
    A,
    /// Button B only.
    B,
    /// Both buttons.
    Both,
}

impl Held {
    /// From the two buttons' pressed states.
    pub const fn from_buttons(a: bool, b: bool) -> Self {
        match (a, b) {
            (false, false) => Held::None,
            (true, false) => Held::A,
            (false, true) => Held::B,
            (true, true) => Held::Both,
        }
    }

    /// The label a window gets while collecting: none = still, A = shake, B = tilt;
    /// both buttons label nothing.
    pub const fn label(self) -> Option<Gesture> {
        match self {
            Held::None => Some(Gesture::Still),
            Held::A => Some(Gesture::Shake),
            Held::B => Some(Gesture::Tilt),
            Held::Both => None,
        }
    }
}

/// What the device is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Mode {
    /// Windows are labelled by the buttons and stored.
    Collect,
    /// Windows are classified.
    Predict,
}

/// What one window did.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Outcome {
    /// The window was stored with `label`; the buffer holds `counts` per class.
    Collected {
        /// The label the buttons gave.
        label: Gesture,
        /// Examples per class now held.
        counts: [usize; CLASSES],
    },
    /// Like `Collected`, and now every class has enough: call [`Learner::train`].
    ReadyToTrain {
        /// The label the buttons gave.
        label: Gesture,
        /// Examples per class now held.
        counts: [usize; CLASSES],
    },
    /// The window is classified as `gesture`.
    Predicted {
        /// The most probable class.
        gesture: Gesture,
        /// The network's output: one probability per class.
        probabilities: [f32; CLASSES],
    },
    /// A and B held while predicting: back to collecting (the examples are kept).
    BackToCollect,
    /// A and B held while collecting: nothing to do.
    Ignored,
    /// The window failed the quality check and was neither stored nor classified (the
    /// fault-tolerant [`crate::reader`] skips such windows before they get here).
    Rejected {
        /// What was wrong with it.
        fault: WindowFault,
    },
}

/// The learning state of the device.
#[derive(Debug, Clone)]
pub struct Learner {
    buffer: ExampleBuffer<BUFFER>,
    net: Option<GestureNet>,
    mode: Mode,
    recorded: usize,
    recipe: Recipe,
}

impl Learner {
    /// Starts predicting with `stored` (a model resumed from flash), or collecting.
    pub fn new(recipe: Recipe, stored: Option<GestureNet>) -> Self {
        let mode = if stored.is_some() { Mode::Predict } else { Mode::Collect };
        Learner { buffer: ExampleBuffer::new(), net: stored, mode, recorded: 0, recipe }
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The labelled examples held.
    pub fn buffer(&self) -> &ExampleBuffer<BUFFER> {
        &self.buffer
    }

    /// The current model, if one was trained or resumed.
    pub fn net(&self) -> Option<&GestureNet> {
        self.net.as_ref()
    }

    /// Handles one window read while `held` was held throughout.
    pub fn on_window(&mut self, window: &Window, held: Held) -> Result<Outcome, nn_core::Error> {
        let checked = window::checked_features(window);
        match (self.mode, held.label(), self.net.as_ref(), checked) {
            (Mode::Collect, None, _, _) => Ok(Outcome::Ignored),
            (Mode::Predict, None, _, _) | (Mode::Predict, _, None, _) => {
                self.mode = Mode::Collect;
                self.recorded = 0;
                Ok(Outcome::BackToCollect)
            }
            (_, _, _, Err(fault)) => Ok(Outcome::Rejected { fault }),
            (Mode::Collect, Some(label), _, Ok(features)) => {
                self.buffer.push_capped(Example { features, label }, PER_CLASS_CAP);
                self.recorded = self.recorded.saturating_add(1);
                let counts = Gesture::ALL.map(|g| self.buffer.count(g));
                if self.recorded >= PER_CLASS_MIN && counts.iter().all(|&c| c >= PER_CLASS_MIN) {
                    Ok(Outcome::ReadyToTrain { label, counts })
                } else {
                    Ok(Outcome::Collected { label, counts })
                }
            }
            (Mode::Predict, Some(_), Some(net), Ok(features)) => {
                let (gesture, probabilities) = gesture::predict(net, &features)?;
                Ok(Outcome::Predicted { gesture, probabilities })
            }
        }
    }

    /// Trains a fresh network on the buffer with the recipe and switches to predicting.
    /// On failure the old model (if any) and the mode are kept, and collecting starts
    /// counting again.
    pub fn train(&mut self) -> Result<EpochReport, nn_core::Error> {
        self.recorded = 0;
        let mut net = self.recipe.initial_net();
        let report = recipe::train(&mut net, &self.buffer, &self.recipe, |_, _| {})?;
        self.net = Some(net);
        self.mode = Mode::Predict;
        Ok(report)
    }
}
