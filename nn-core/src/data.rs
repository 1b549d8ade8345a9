//! Data sets, sample order and shuffling.

use crate::error::Error;
use crate::init::Rng;

/// A set of `(input, target)` samples.
pub trait Dataset {
    /// Number of samples.
    fn len(&self) -> usize;
    /// Sample `index` (`None` past the end).
    fn sample(&self, index: usize) -> Option<(&[f32], &[f32])>;
    /// True when there are no samples.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Samples stored row by row in two flat slices.
#[derive(Debug, Clone, Copy)]
pub struct Samples<'a> {
    inputs: &'a [f32],
    targets: &'a [f32],
    input_width: usize,
    target_width: usize,
}

impl<'a> Samples<'a> {
    /// `inputs` holds rows of `input_width`, `targets` rows of `target_width`; both must
    /// hold the same number of whole rows.
    pub fn new(inputs: &'a [f32], input_width: usize, targets: &'a [f32], target_width: usize) -> Result<Self, Error> {
        if input_width == 0
            || target_width == 0
            || inputs.len() % input_width != 0
            || targets.len() % target_width != 0
            || inputs.len() / input_width != targets.len() / target_width
        {
            return Err(Error::SampleRows);
        }
        Ok(Samples { inputs, targets, input_width, target_width })
    }
}

impl Dataset for Samples<'_> {
    fn len(&self) -> usize {
        self.inputs.len() / self.input_width
    }
    fn sample(&self, index: usize) -> Option<(&[f32], &[f32])> {
        let row = |width: usize| {
            let start = index.checked_mul(width)?;
            Some(start..start.checked_add(width)?)
        };
        let x = self.inputs.get(row(self.input_width)?)?;
        let t = self.targets.get(row(self.target_width)?)?;
        Some((x, t))
    }
}

impl<const I: usize, const O: usize> Dataset for [([f32; I], [f32; O])] {
    fn len(&self) -> usize {
        <[_]>::len(self)
    }
    fn sample(&self, index: usize) -> Option<(&[f32], &[f32])> {
        self.get(index).map(|(x, t)| (&x[..], &t[..]))
    }
}

impl<const I: usize, const O: usize, const N: usize> Dataset for [([f32; I], [f32; O]); N] {
    fn len(&self) -> usize {
        N
    }
    fn sample(&self, index: usize) -> Option<(&[f32], &[f32])> {
        self.get(index).map(|(x, t)| (&x[..], &t[..]))
    }
}

/// Shuffles `order` in place (Fisher–Yates, unbiased, deterministic for a given `rng`).
pub fn shuffle(order: &mut [u32], rng: &mut Rng) {
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u32 + 1) as usize;
        // order.swap(i, j) for j ≤ i, written so that no panic path is left to prove away
        // (firmware/nopanic checks that none is): j = i swaps an element with itself.
        if let Some((last, before)) = order.get_mut(..=i).and_then(<[u32]>::split_last_mut) {
            if let Some(other) = before.get_mut(j) {
                core::mem::swap(last, other);
            }
        }
    }
}

/// A sample order of fixed capacity `N`, for a `static` on the device.
#[derive(Debug, Clone)]
pub struct Order<const N: usize> {
    indices: heapless::Vec<u32, N>,
}

impl<const N: usize> Order<N> {
    /// `0, 1, …, len − 1`; fails when `len` exceeds the capacity.
    pub fn new(len: usize) -> Result<Self, Error> {
        let mut indices = heapless::Vec::new();
        for i in 0..len {
            indices.push(i as u32).map_err(|_| Error::BufferTooSmall { needed: len, found: N })?;
        }
        Ok(Order { indices })
    }

    /// The order, mutable (for [`shuffle`] or a [`crate::Trainer`] epoch).
    pub fn as_mut_slice(&mut self) -> &mut [u32] {
        &mut self.indices
    }

    /// The order.
    pub fn as_slice(&self) -> &[u32] {
        &self.indices
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffle_is_a_permutation_and_deterministic() {
        let mut a = Order::<50>::new(50).unwrap();
        let mut b = Order::<50>::new(50).unwrap();
        shuffle(a.as_mut_slice(), &mut Rng::new(4));
        shuffle(b.as_mut_slice(), &mut Rng::new(4));
        assert_eq!(a.as_slice(), b.as_slice());
        let mut seen = [false; 50];
        a.as_slice().iter().for_each(|&i| seen[i as usize] = true);
        assert!(seen.iter().all(|&s| s));
        assert_ne!(a.as_slice(), Order::<50>::new(50).unwrap().as_slice());
        assert!(Order::<3>::new(4).is_err());
    }

    #[test]
    fn samples_check_their_rows() {
        let x = [1.0, 2.0, 3.0, 4.0];
        let t = [0.0, 1.0];
        let s = Samples::new(&x, 2, &t, 1).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s.sample(1), Some((&x[2..], &t[1..])));
        assert_eq!(s.sample(2), None);
        assert_eq!(Samples::new(&x, 3, &t, 1).err(), Some(Error::SampleRows));
        assert_eq!(Samples::new(&x, 2, &t, 2).err(), Some(Error::SampleRows));
        assert_eq!(Samples::new(&x, 0, &t, 1).err(), Some(Error::SampleRows));
    }
}
