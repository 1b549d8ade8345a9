//! The example buffer: labelled feature vectors in a fixed-capacity buffer (heapless),
//! which is also nn-core's [`Dataset`] to train on.

use core::fmt;

use nn_core::data::Dataset;

use crate::gesture::{Gesture, CLASSES};
use crate::window::Features;

/// One labelled training example.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Example {
    /// The window's features.
    pub features: Features,
    /// What the user was doing.
    pub label: Gesture,
}

/// The buffer is full and [`ExampleBuffer::push`] was asked not to overwrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BufferFull;

impl fmt::Display for BufferFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the example buffer is full")
    }
}

impl core::error::Error for BufferFull {}

/// Labelled examples in a buffer of fixed capacity `N`, with no heap, oldest first.
///
/// Once full, [`push_overwriting`](Self::push_overwriting) drops the oldest example, so
/// a device that keeps collecting keeps its most recent `N` windows;
/// [`push_capped`](Self::push_capped) keeps the classes balanced by dropping the oldest
/// example *of the same class* once that class has its share.
///
/// # Examples
/// ```
/// use nn_learn::buffer::{Example, ExampleBuffer};
/// use nn_learn::gesture::Gesture;
/// let mut buf: ExampleBuffer<2> = ExampleBuffer::new();
/// let ex = |label| Example { features: [0.0; 6], label };
/// buf.push(ex(Gesture::Still)).unwrap();
/// buf.push(ex(Gesture::Shake)).unwrap();
/// assert!(buf.push(ex(Gesture::Tilt)).is_err());
/// assert_eq!(buf.push_overwriting(ex(Gesture::Tilt)), Some(ex(Gesture::Still)));
/// assert_eq!(buf.count(Gesture::Tilt), 1);
/// ```
#[derive(Debug, Clone)]
pub struct ExampleBuffer<const N: usize> {
    examples: heapless::Vec<Example, N>,
}

impl<const N: usize> Default for ExampleBuffer<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> ExampleBuffer<N> {
    /// An empty buffer (`const`, so it can live in a `static`).
    pub const fn new() -> Self {
        ExampleBuffer { examples: heapless::Vec::new() }
    }

    /// Appends `example`, or returns [`BufferFull`] without changing anything.
    pub fn push(&mut self, example: Example) -> Result<(), BufferFull> {
        self.examples.push(example).map_err(|_| BufferFull)
    }

    /// Appends `example`; when full, first drops the oldest example and returns it.
    pub fn push_overwriting(&mut self, example: Example) -> Option<Example> {
        let dropped = if self.examples.is_full() { self.remove(0) } else { None };
        // Cannot fail: there is room now (a zero-capacity buffer keeps nothing).
        self.examples.push(example).ok();
        dropped
    }

    /// Appends `example`; when its class already has `cap` examples, or the buffer is
    /// full, first drops the oldest example of that class (or, failing that, the oldest
    /// of all) and returns it.
    ///
    /// ```
    /// use nn_learn::buffer::{Example, ExampleBuffer};
    /// use nn_learn::gesture::Gesture;
    /// let ex = |label, v| Example { features: [v; 6], label };
    /// let mut buf: ExampleBuffer<8> = ExampleBuffer::new();
    /// buf.push_capped(ex(Gesture::Still, 1.0), 2);
    /// buf.push_capped(ex(Gesture::Shake, 2.0), 2);
    /// buf.push_capped(ex(Gesture::Still, 3.0), 2);
    /// assert_eq!(buf.push_capped(ex(Gesture::Still, 4.0), 2), Some(ex(Gesture::Still, 1.0)));
    /// assert_eq!((buf.count(Gesture::Still), buf.count(Gesture::Shake)), (2, 1));
    /// ```
    pub fn push_capped(&mut self, example: Example, cap: usize) -> Option<Example> {
        let dropped = if self.count(example.label) >= cap || self.examples.is_full() {
            match self.examples.iter().position(|e| e.label == example.label) {
                Some(i) => self.remove(i),
                None => self.remove(0),
            }
        } else {
            None
        };
        self.examples.push(example).ok();
        dropped
    }

    fn remove(&mut self, index: usize) -> Option<Example> {
        (index < self.examples.len()).then(|| self.examples.remove(index))
    }

    /// The examples, oldest first.
    pub fn as_slice(&self) -> &[Example] {
        &self.examples
    }

    /// Number of examples held.
    pub fn len(&self) -> usize {
        self.examples.len()
    }

    /// True when no example is held.
    pub fn is_empty(&self) -> bool {
        self.examples.is_empty()
    }

    /// True when `len() == N`.
    pub fn is_full(&self) -> bool {
        self.examples.is_full()
    }

    /// The fixed capacity `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Number of examples labelled `label`.
    pub fn count(&self, label: Gesture) -> usize {
        self.examples.iter().filter(|e| e.label == label).count()
    }

    /// Drops every example.
    pub fn clear(&mut self) {
        self.examples.clear();
    }
}

/// One-hot targets, one row per class, borrowed by the [`Dataset`] impl.
static ONE_HOT: [[f32; CLASSES]; CLASSES] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

impl<const N: usize> Dataset for ExampleBuffer<N> {
    fn len(&self) -> usize {
        self.examples.len()
    }

    fn sample(&self, index: usize) -> Option<(&[f32], &[f32])> {
        let e = self.examples.get(index)?;
        Some((&e.features, ONE_HOT.get(e.label.index())?))
    }
}

/// The gesture buffer as the generic classifier's labelled data.
impl<const N: usize> crate::classifier::LabelledData for ExampleBuffer<N> {
    fn class(&self, index: usize) -> Option<usize> {
        self.examples.get(index).map(|e| e.label.index())
    }
}

/// One example as a data set of one sample: online training steps on the window just
/// read ([`nn_core::Trainer::step`] with batch `[0]`).
impl Dataset for Example {
    fn len(&self) -> usize {
        1
    }

    fn sample(&self, index: usize) -> Option<(&[f32], &[f32])> {
        if index != 0 {
            return None;
        }
        Some((&self.features, ONE_HOT.get(self.label.index())?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::window::FEATURES;

    #[test]
    fn an_example_is_a_data_set_of_one() {
        let ex = Example { features: [0.5; FEATURES], label: Gesture::Tilt };
        assert_eq!(Dataset::len(&ex), 1);
        assert_eq!(ex.sample(0), Some((&ex.features[..], &[0.0, 0.0, 1.0][..])));
        assert_eq!(ex.sample(1), None);
    }

    #[test]
    fn buffer_overwrites_oldest_in_order() {
        let ex = |i: usize| Example { features: [i as f32; FEATURES], label: Gesture::Still };
        let mut buf: ExampleBuffer<3> = ExampleBuffer::new();
        for i in 0..3 {
            assert_eq!(buf.push_overwriting(ex(i)), None);
        }
        assert!(buf.is_full());
        assert_eq!(buf.push(ex(9)), Err(BufferFull));
        for i in 3..8 {
            assert_eq!(buf.push_overwriting(ex(i)), Some(ex(i - 3)));
        }
        let held: [f32; 3] = core::array::from_fn(|k| buf.as_slice()[k].features[0]);
        assert_eq!(held, [5.0, 6.0, 7.0]);
        buf.clear();
        assert!(buf.is_empty());
        assert_eq!(buf.capacity(), 3);
    }

    #[test]
    fn capped_push_keeps_classes_balanced() {
        let ex = |label, v: f32| Example { features: [v; FEATURES], label };
        let mut buf: ExampleBuffer<6> = ExampleBuffer::new();
        for i in 0..10 {
            buf.push_capped(ex(Gesture::Still, i as f32), 2);
        }
        buf.push_capped(ex(Gesture::Shake, 20.0), 2);
        buf.push_capped(ex(Gesture::Tilt, 30.0), 2);
        assert_eq!(buf.count(Gesture::Still), 2);
        let stills: [f32; 2] = [buf.as_slice()[0].features[0], buf.as_slice()[1].features[0]];
        assert_eq!(stills, [8.0, 9.0]);
        // Full buffer, class under its cap: the oldest of that class still goes first,
        // and with none of that class, the oldest of all.
        let mut full: ExampleBuffer<2> = ExampleBuffer::new();
        full.push_capped(ex(Gesture::Still, 1.0), 5);
        full.push_capped(ex(Gesture::Shake, 2.0), 5);
        assert_eq!(full.push_capped(ex(Gesture::Tilt, 3.0), 5), Some(ex(Gesture::Still, 1.0)));
        assert_eq!(full.push_capped(ex(Gesture::Shake, 4.0), 5), Some(ex(Gesture::Shake, 2.0)));
        let mut empty: ExampleBuffer<0> = ExampleBuffer::new();
        assert_eq!(empty.push_overwriting(ex(Gesture::Still, 1.0)), None);
        assert!(empty.is_empty());
    }
}
