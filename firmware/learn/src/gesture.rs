//! The classes and the classifier: the three [`Gesture`]s, the [`GestureNet`] the
//! device trains, [`predict`] and the held-out [`Score`].

use core::fmt;

use nn_core::activation::{Softmax, Tanh};
use nn_core::train::argmax;
use nn_core::{forward, Dense, Error, Network};

use crate::window::{Features, FEATURES};

/// Number of gesture classes.
pub const CLASSES: usize = 3;

/// What the user does with the board while a window is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
pub enum Gesture {
    /// Lying or held still, roughly flat.
    Still = 0,
    /// Shaken back and forth a few times a second.
    Shake = 1,
    /// Held tilted, turning slowly.
    Tilt = 2,
}

impl Gesture {
    /// All gestures, in class-index order.
    pub const ALL: [Gesture; CLASSES] = [Gesture::Still, Gesture::Shake, Gesture::Tilt];

    /// The class index (the position of the one-hot target and of the network output).
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The gesture of class index `index`, if there is one.
    pub const fn from_index(index: usize) -> Option<Gesture> {
        match index {
            0 => Some(Gesture::Still),
            1 => Some(Gesture::Shake),
            2 => Some(Gesture::Tilt),
            _ => None,
        }
    }

    /// Lower-case name, as printed in logs.
    pub const fn name(self) -> &'static str {
        match self {
            Gesture::Still => "still",
            Gesture::Shake => "shake",
            Gesture::Tilt => "tilt",
        }
    }

    /// The one-hot target vector of this class.
    pub fn one_hot(self) -> [f32; CLASSES] {
        let mut t = [0.0; CLASSES];
        if let Some(slot) = t.get_mut(self.index()) {
            *slot = 1.0;
        }
        t
    }
}

impl fmt::Display for Gesture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Hidden units of [`GestureNet`].
pub const HIDDEN: usize = 10;

/// The classifier trained on the device: features → tanh hidden layer → softmax over
/// the [`CLASSES`] gestures.
pub type GestureNet = (Dense<FEATURES, HIDDEN, Tanh>, Dense<HIDDEN, CLASSES, Softmax>);

/// The predicted gesture and the network's outputs (class probabilities).
pub fn predict(net: &GestureNet, features: &Features) -> Result<(Gesture, [f32; CLASSES]), Error> {
    let mut scratch = [0.0f32; <GestureNet as Network>::SCRATCH];
    let out = forward(net, features, &mut scratch)?;
    let mut p = [0.0f32; CLASSES];
    for (d, s) in p.iter_mut().zip(out) {
        *d = *s;
    }
    let g = argmax(&p).and_then(Gesture::from_index).ok_or(Error::NonFinite)?;
    Ok((g, p))
}

/// Held-out results: a confusion matrix, `confusion[truth][predicted]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Score {
    /// Windows of class `truth` predicted as class `predicted`.
    pub confusion: [[u32; CLASSES]; CLASSES],
}

impl Score {
    /// Counts one prediction.
    pub fn record(&mut self, truth: Gesture, predicted: Gesture) {
        if let Some(cell) = self.confusion.get_mut(truth.index()).and_then(|r| r.get_mut(predicted.index())) {
            *cell = cell.saturating_add(1);
        }
    }

    /// Predictions counted.
    pub fn total(&self) -> u32 {
        self.confusion.iter().flatten().sum()
    }

    /// Correct predictions.
    pub fn correct(&self) -> u32 {
        (0..CLASSES).map(|i| self.confusion[i][i]).sum()
    }

    /// Fraction correct (0 when nothing was counted).
    pub fn accuracy(&self) -> f32 {
        match self.total() {
            0 => 0.0,
            t => self.correct() as f32 / t as f32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_counts() {
        let mut s = Score::default();
        s.record(Gesture::Still, Gesture::Still);
        s.record(Gesture::Shake, Gesture::Tilt);
        assert_eq!((s.correct(), s.total(), s.accuracy()), (1, 2, 0.5));
        assert_eq!(Score::default().accuracy(), 0.0);
    }

    #[test]
    fn gesture_indices_round_trip() {
        for (i, g) in Gesture::ALL.iter().enumerate() {
            assert_eq!(g.index(), i);
            assert_eq!(Gesture::from_index(i), Some(*g));
            assert_eq!(g.one_hot()[i], 1.0);
        }
        assert_eq!(Gesture::from_index(CLASSES), None);
    }
}
