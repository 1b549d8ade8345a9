//! Training the last layers of a network alone (fine-tuning): the layers below run
//! forward only, once per example, and their outputs are kept; an epoch then costs only
//! the trained layers, and the gradient, optimiser state and scratch exist only for them.
//!
//! Training the last `K` layers is ordinary training of the sub-network of those layers
//! on the frozen layers' outputs: the same [`Trainer`](crate::Trainer), the same kernels,
//! so the same `f32` operations as the last layers' part of a whole-network step (the
//! trained layers' inputs are the frozen layers' outputs, computed by the same forward
//! pass). A compile-time network splits by type ([`SplitLast`]), so the trained part's
//! sizes are consts; a runtime-shaped one splits in place ([`Mlp::split_last`](crate::Mlp::split_last)).
//!
//! ```
//! use nn_core::activation::{Identity, Tanh};
//! use nn_core::suffix::{cache_outputs, Cached, SplitLast};
//! use nn_core::train::work_len;
//! use nn_core::{Dense, Loss, Network, Optimizer, TrainConfig, Trainer};
//! type Net = (Dense<2, 8, Tanh>, Dense<8, 1, Identity>);
//! type Head = <Net as SplitLast<1>>::Trained;
//! let data = [([0.5, -1.0], [0.25]), ([1.0, 2.0], [-0.5])];
//! let (frozen, mut head) = Net::default().split();
//! let mut rows = [0.0; 2 * Head::INPUTS];
//! cache_outputs(&frozen, &data, &mut rows, &mut [0.0; 8 + Net::SCRATCH])?;
//! let cached = Cached::new(&rows, &data)?;
//! // Gradient (and no optimiser state for SGD) for the 9 parameters of the head alone.
//! let mut work = [0.0; work_len(Head::PARAMS, Optimizer::Sgd)];
//! let mut trainer = Trainer::new(TrainConfig::sgd(Loss::Mse, 0.1), &head, &mut work)?;
//! let mut scratch = [0.0; Head::SCRATCH];
//! trainer.epoch(&mut head, &cached, &mut [0; 2], &mut scratch)?;
//! let net = <Net as SplitLast<1>>::join(frozen, head);
//! # let _ = net;
//! # Ok::<(), nn_core::Error>(())
//! ```

use crate::activation::ActivationFn;
use crate::data::Dataset;
use crate::error::Error;
use crate::kernel::forward;
use crate::model::{Dense, Model, Network};

/// A compile-time network split before its last `K` layers: the `Frozen` layers below
/// (run forward only) and the `Trained` layers, a network of their own whose consts
/// ([`Network::PARAMS`], [`Network::SCRATCH`]) size the work space of training them.
/// Implemented for the tuple networks of two to four layers, for `1 ≤ K < depth`.
///
/// ```
/// use nn_core::activation::{Softmax, Tanh};
/// use nn_core::{suffix::SplitLast, Dense, Network};
/// type Gesture = (Dense<6, 10, Tanh>, Dense<10, 3, Softmax>);
/// assert_eq!(<Gesture as SplitLast<1>>::Trained::PARAMS, 33);
/// assert_eq!(<Gesture as SplitLast<1>>::Frozen::OUTPUTS, 10);
/// ```
pub trait SplitLast<const K: usize>: Network {
    /// The layers below the last `K`.
    type Frozen: Network;
    /// The last `K` layers.
    type Trained: Network;
    /// The two parts.
    fn split(self) -> (Self::Frozen, Self::Trained);
    /// The network again.
    fn join(frozen: Self::Frozen, trained: Self::Trained) -> Self;
}

macro_rules! split_last {
    ($k:literal; [$($N:ident),+]; [$($A:ident),+];
     frozen [$($fi:tt / $fj:tt => $FI:ident, $FO:ident, $FA:ident);+];
     trained [$($ti:tt / $tj:tt => $TI:ident, $TO:ident, $TA:ident);+]) => {
        impl<$(const $N: usize,)+ $($A: ActivationFn),+> SplitLast<$k>
            for ($(Dense<$FI, $FO, $FA>,)+ $(Dense<$TI, $TO, $TA>,)+)
        {
            type Frozen = ($(Dense<$FI, $FO, $FA>,)+);
            type Trained = ($(Dense<$TI, $TO, $TA>,)+);
            fn split(self) -> (Self::Frozen, Self::Trained) {
                (($(self.$fi,)+), ($(self.$ti,)+))
            }
            fn join(frozen: Self::Frozen, trained: Self::Trained) -> Self {
                ($(frozen.$fj,)+ $(trained.$tj,)+)
            }
        }
    };
}

split_last!(1; [N0, N1, N2]; [A0, A1];
    frozen [0 / 0 => N0, N1, A0]; trained [1 / 0 => N1, N2, A1]);
split_last!(1; [N0, N1, N2, N3]; [A0, A1, A2];
    frozen [0 / 0 => N0, N1, A0; 1 / 1 => N1, N2, A1]; trained [2 / 0 => N2, N3, A2]);
split_last!(2; [N0, N1, N2, N3]; [A0, A1, A2];
    frozen [0 / 0 => N0, N1, A0]; trained [1 / 0 => N1, N2, A1; 2 / 1 => N2, N3, A2]);
split_last!(1; [N0, N1, N2, N3, N4]; [A0, A1, A2, A3];
    frozen [0 / 0 => N0, N1, A0; 1 / 1 => N1, N2, A1; 2 / 2 => N2, N3, A2];
    trained [3 / 0 => N3, N4, A3]);
split_last!(2; [N0, N1, N2, N3, N4]; [A0, A1, A2, A3];
    frozen [0 / 0 => N0, N1, A0; 1 / 1 => N1, N2, A1];
    trained [2 / 0 => N2, N3, A2; 3 / 1 => N3, N4, A3]);
split_last!(3; [N0, N1, N2, N3, N4]; [A0, A1, A2, A3];
    frozen [0 / 0 => N0, N1, A0];
    trained [1 / 0 => N1, N2, A1; 2 / 1 => N2, N3, A2; 3 / 2 => N3, N4, A3]);

/// Runs `frozen` forward on every sample of `data` and writes its outputs row by row to
/// `rows` (`data.len()` rows of `frozen.outputs()`), in `scratch`
/// ([`Model::scratch_len`] of `frozen`).
pub fn cache_outputs<M: Model + ?Sized, D: Dataset + ?Sized>(
    frozen: &M,
    data: &D,
    rows: &mut [f32],
    scratch: &mut [f32],
) -> Result<(), Error> {
    let width = frozen.outputs();
    let needed = data.len().saturating_mul(width);
    let found = rows.len();
    let rows = rows.get_mut(..needed).ok_or(Error::BufferTooSmall { needed, found })?;
    for (index, row) in rows.chunks_exact_mut(width.max(1)).enumerate() {
        let (input, _) = data.sample(index).ok_or(Error::SampleIndex { index, len: data.len() })?;
        row.copy_from_slice(forward(frozen, input, scratch)?);
    }
    Ok(())
}

/// A data set whose inputs are cached rows (the frozen layers' outputs from
/// [`cache_outputs`]) and whose targets are another data set's.
#[derive(Debug, Clone, Copy)]
pub struct Cached<'a, D: ?Sized> {
    rows: &'a [f32],
    width: usize,
    data: &'a D,
}

impl<'a, D: Dataset + ?Sized> Cached<'a, D> {
    /// `rows` holds one row per sample of `data`, all of the same width.
    pub fn new(rows: &'a [f32], data: &'a D) -> Result<Self, Error> {
        let len = data.len();
        if len == 0 || rows.is_empty() || rows.len() % len != 0 {
            return Err(Error::SampleRows);
        }
        Ok(Cached { rows, width: rows.len() / len, data })
    }
}

impl<D: Dataset + ?Sized> Dataset for Cached<'_, D> {
    fn len(&self) -> usize {
        self.data.len()
    }
    fn sample(&self, index: usize) -> Option<(&[f32], &[f32])> {
        let start = index.checked_mul(self.width)?;
        let row = self.rows.get(start..start.checked_add(self.width)?)?;
        let (_, target) = self.data.sample(index)?;
        Some((row, target))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{Identity, Sigmoid, Tanh};
    use crate::init::{Init, Rng};
    use crate::kernel::gradient;
    use crate::loss::Loss;
    use crate::model::ModelMut;
    use crate::optim::Optimizer;
    use crate::train::{work_len, TrainConfig, Trainer};

    type Net = (Dense<3, 5, Tanh>, Dense<5, 4, Sigmoid>, Dense<4, 2, Identity>);
    const DATA: [([f32; 3], [f32; 2]); 4] = [
        ([0.5, -1.0, 0.25], [0.1, -0.3]),
        ([1.5, 0.0, -0.75], [0.4, 0.2]),
        ([-0.2, 0.9, 1.1], [-0.6, 0.5]),
        ([0.0, -0.4, 0.3], [0.0, 0.05]),
    ];

    fn net() -> Net {
        let mut net = Net::default();
        Init::Xavier.apply(&mut net, &mut Rng::new(5));
        net
    }

    fn flat(net: &impl Model) -> [f32; Net::PARAMS] {
        let mut out = [0.0; Net::PARAMS];
        let mut at = 0;
        for s in 0..2 * net.depth() {
            for &v in net.segment(s) {
                out[at] = v;
                at += 1;
            }
        }
        out
    }

    #[test]
    fn the_parts_are_the_layers_and_their_consts_are_theirs() {
        assert_eq!(<Net as SplitLast<1>>::Trained::PARAMS, 4 * 2 + 2);
        assert_eq!(<Net as SplitLast<2>>::Trained::PARAMS, 5 * 4 + 4 + 4 * 2 + 2);
        assert_eq!(<Net as SplitLast<2>>::Frozen::OUTPUTS, 5);
        assert_eq!(<Net as SplitLast<1>>::Trained::SCRATCH, 2 * 2 + 2);
        let whole = net();
        let (frozen, trained) = SplitLast::<2>::split(whole);
        assert_eq!((frozen.0, trained.0, trained.1), (whole.0, whole.1, whole.2));
        assert_eq!(flat(&<Net as SplitLast<2>>::join(frozen, trained)), flat(&whole));
    }

    /// The trained layers' gradient on the cached outputs is the whole network's
    /// gradient's tail, bit for bit (the same forward pass, the same backward pass from
    /// the output down to the trained layers).
    #[test]
    fn the_gradient_on_cached_outputs_is_the_tail_of_the_whole_gradient() {
        let whole = net();
        let (frozen, trained) = SplitLast::<2>::split(whole);
        type Trained = <Net as SplitLast<2>>::Trained;
        let mut rows = [0.0; 4 * 5];
        cache_outputs(&frozen, &DATA, &mut rows, &mut [0.0; Net::SCRATCH]).unwrap();
        let cached = Cached::new(&rows, &DATA).unwrap();
        for (i, sample) in DATA.iter().enumerate() {
            let mut full = [0.0; Net::PARAMS];
            gradient(&whole, (&sample.0, &sample.1), Loss::Mse, &mut [0.0; Net::SCRATCH], &mut full).unwrap();
            let mut tail = [0.0; Trained::PARAMS];
            let row = cached.sample(i).unwrap();
            gradient(&trained, row, Loss::Mse, &mut [0.0; Trained::SCRATCH], &mut tail).unwrap();
            let start = Net::PARAMS - Trained::PARAMS;
            assert_eq!(tail.map(f32::to_bits), core::array::from_fn(|k| full[start + k].to_bits()), "sample {i}");
        }
    }

    /// Training the last layer: the frozen parameters do not move at all, and the
    /// trained ones move by `−η·∂L/∂θ` where the gradient is the whole network's, checked
    /// against central differences of the loss.
    #[test]
    fn frozen_parameters_stay_and_trained_ones_follow_finite_differences() {
        let whole = net();
        let (frozen, mut trained) = SplitLast::<1>::split(whole);
        type Trained = <Net as SplitLast<1>>::Trained;
        let mut rows = [0.0; 4 * 4];
        cache_outputs(&frozen, &DATA, &mut rows, &mut [0.0; Net::SCRATCH]).unwrap();
        let cached = Cached::new(&rows, &DATA).unwrap();
        let lr = 1e-3;
        let config = TrainConfig { batch_size: 0, ..TrainConfig::sgd(Loss::Mse, lr) };
        let mut work = [0.0; work_len(Trained::PARAMS, Optimizer::Sgd)];
        let mut trainer = Trainer::new(config, &trained, &mut work).unwrap();
        trainer.step(&mut trained, &cached, &[0, 1, 2, 3], &mut [0.0; Trained::SCRATCH]).unwrap();
        let after = flat(&<Net as SplitLast<1>>::join(frozen, trained));
        let before = flat(&whole);
        let start = Net::PARAMS - Trained::PARAMS;
        assert!(after[..start].iter().zip(&before[..start]).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert!(after[start..] != before[start..]);
        // Central differences of the whole network's mean loss, in f64 sums of f32 losses.
        let mean_loss = |net: &Net| {
            let mut scratch = [0.0; Net::SCRATCH];
            DATA.iter()
                .map(|(x, t)| f64::from(crate::kernel::sample_loss(net, (x, t), Loss::Mse, &mut scratch).unwrap()))
                .sum::<f64>()
                / 4.0
        };
        let h = 1e-2f32;
        for k in start..Net::PARAMS {
            let mut plus = whole;
            let mut minus = whole;
            *plus.param_mut(k).unwrap() += h;
            *minus.param_mut(k).unwrap() -= h;
            let numeric = (mean_loss(&plus) - mean_loss(&minus)) / (2.0 * f64::from(h));
            let moved = f64::from(before[k] - after[k]) / f64::from(lr);
            assert!((moved - numeric).abs() <= 2e-3 * numeric.abs().max(1.0), "θ{k}: {moved} vs {numeric}");
        }
    }
}
