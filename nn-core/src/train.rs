//! The training loop: batches, shuffling, clipping, weight decay, schedules and the
//! divergence guard, over any [`ModelMut`] and any [`Dataset`].

use crate::data::{shuffle, Dataset};
use crate::error::{Error, Hyperparameter};
use crate::init::Rng;
use crate::kernel::{gradient, magnitude, sample_loss, sgd_step_restorable, SgdConfig};
use crate::loss::Loss;
use crate::math;
use crate::model::{Model, ModelMut};
use crate::optim::{Apply, Biases, Magnitudes, Optimizer, Schedule};

/// Everything that defines a training run besides the model and the data.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TrainConfig {
    /// The per-sample loss; a batch's loss is the mean over its samples.
    pub loss: Loss,
    /// The update rule.
    pub optimizer: Optimizer,
    /// Base learning rate, positive and finite.
    pub learning_rate: f32,
    /// How the rate changes with the epoch.
    pub schedule: Schedule,
    /// Weight decay `λ` (biases are not decayed); zero turns it off. For every optimiser
    /// but AdamW it is L2 decay, `λ·w` added to each weight's gradient; for
    /// [`Optimizer::AdamW`] it is decoupled, `w ← w·(1 − ηλ)` before the Adam step, and
    /// `ηλ` must be below 1.
    pub weight_decay: f32,
    /// Clip the batch gradient to this global L2 norm; zero turns it off.
    pub clip_norm: f32,
    /// Samples per update: 1 is per-sample SGD, 0 means the whole data set.
    pub batch_size: usize,
    /// Shuffle the order every epoch (from `seed`); else samples go in order.
    pub shuffle: bool,
    /// Whether the biases train.
    pub biases: Biases,
    /// Seed of the shuffling generator.
    pub seed: u32,
}

impl TrainConfig {
    /// Plain per-sample SGD at `learning_rate`, in order, on `loss`.
    pub const fn sgd(loss: Loss, learning_rate: f32) -> Self {
        TrainConfig {
            loss,
            optimizer: Optimizer::Sgd,
            learning_rate,
            schedule: Schedule::Constant,
            weight_decay: 0.0,
            clip_norm: 0.0,
            batch_size: 1,
            shuffle: false,
            biases: Biases::Train,
            seed: 0,
        }
    }

    /// Checks every hyperparameter.
    pub fn validate(&self) -> Result<(), Error> {
        let checks = [
            (self.learning_rate > 0.0 && self.learning_rate.is_finite(), Hyperparameter::LearningRate),
            (self.weight_decay >= 0.0 && self.weight_decay.is_finite(), Hyperparameter::WeightDecay),
            (self.clip_norm >= 0.0 && self.clip_norm.is_finite(), Hyperparameter::ClipNorm),
        ];
        if let Some(&(_, which)) = checks.iter().find(|(ok, _)| !ok) {
            return Err(Error::Hyperparameter(which));
        }
        // Schedules only lower the rate, so this holds for every epoch.
        if matches!(self.optimizer, Optimizer::AdamW { .. }) && self.learning_rate * self.weight_decay >= 1.0 {
            return Err(Error::Hyperparameter(Hyperparameter::DecoupledDecay));
        }
        self.optimizer.validate()?;
        self.schedule.validate()
    }
}

/// Floats of work space a [`Trainer`] needs for `params` parameters: the gradient plus
/// the optimiser's state.
pub const fn work_len(params: usize, optimizer: Optimizer) -> usize {
    params * (1 + optimizer.state_per_param())
}

/// What one epoch did.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EpochReport {
    /// Mean over the samples of the loss each had just before its update.
    pub loss: f32,
    /// Updates made.
    pub updates: u32,
    /// The learning rate used.
    pub learning_rate: f32,
}

/// How far [`Trainer::epoch_until`] went.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Progress {
    /// The whole epoch.
    Done(EpochReport),
    /// Stopped before a batch, after `updates` updates of this epoch.
    Stopped {
        /// Updates made in this epoch before the stop.
        updates: u32,
    },
}

/// Trains a model, one batch or one epoch at a time, in caller-provided work space.
///
/// A step whose loss, gradient, new parameters or new optimiser state would not be
/// finite changes nothing and returns [`Error::NonFinite`]; the caller can lower the rate
/// with [`set_learning_rate`](Self::set_learning_rate) and go on. A one-sample step of
/// plain SGD is fused as [`crate::sgd_step`] and keeps the old parameters in the gradient
/// buffer while it writes, to put them back if a new value is not finite. Other steps
/// write the update in one pass when a bound on its magnitudes (one read of the
/// parameters, gradient and state) proves every new value finite; otherwise it is first
/// computed without being written, and written only if all of it is finite.
///
/// ```
/// use nn_core::{activation::{Identity}, train::work_len, Dense, Loss, Network, TrainConfig, Trainer};
/// type Line = (Dense<1, 1, Identity>,);
/// let mut net = Line::default();
/// let data = [([2.0], [1.0]), ([-1.0], [-5.0])]; // on y = 2x − 3
/// let config = TrainConfig::sgd(Loss::Sse, 0.1);
/// let mut work = [0.0; work_len(Line::PARAMS, nn_core::Optimizer::Sgd)];
/// let mut trainer = Trainer::new(config, &net, &mut work).unwrap();
/// let mut scratch = [0.0; Line::SCRATCH];
/// let mut order = [0, 1];
/// for _ in 0..200 {
///     trainer.epoch(&mut net, &data, &mut order, &mut scratch).unwrap();
/// }
/// assert!((net.0.weights[0][0] - 2.0).abs() < 1e-4 && (net.0.biases[0] + 3.0).abs() < 1e-4);
/// ```
#[derive(Debug)]
pub struct Trainer<'w> {
    config: TrainConfig,
    grads: &'w mut [f32],
    first: &'w mut [f32],
    second: &'w mut [f32],
    rng: Rng,
    epoch: u32,
    updates: u32,
}

impl<'w> Trainer<'w> {
    /// A trainer for models shaped like `model`, using the first
    /// [`work_len`]`(params, optimizer)` floats of `work` (zeroed here).
    pub fn new<M: Model + ?Sized>(config: TrainConfig, model: &M, work: &'w mut [f32]) -> Result<Self, Error> {
        config.validate()?;
        let params = model.param_count();
        let needed = work_len(params, config.optimizer);
        if work.len() < needed {
            return Err(Error::BufferTooSmall { needed, found: work.len() });
        }
        let work = &mut work[..needed];
        work.fill(0.0);
        let (grads, state) = work.split_at_mut(params);
        let (first, second) = match config.optimizer.state_per_param() {
            2 => state.split_at_mut(params),
            _ => state.split_at_mut(state.len()),
        };
        Ok(Trainer { config, grads, first, second, rng: Rng::new(config.seed), epoch: 0, updates: 0 })
    }

    /// Changes the base learning rate (for example after [`Error::NonFinite`]).
    pub fn set_learning_rate(&mut self, learning_rate: f32) -> Result<(), Error> {
        let config = TrainConfig { learning_rate, ..self.config };
        config.validate()?;
        self.config = config;
        Ok(())
    }

    /// Updates made.
    pub fn updates(&self) -> u32 {
        self.updates
    }

    /// The learning rate of the current epoch.
    pub fn learning_rate(&self) -> f32 {
        self.config.schedule.rate(self.config.learning_rate, self.epoch)
    }

    /// The last batch's mean gradient (after clipping), in the flat parameter order. A
    /// one-sample step of plain SGD without decay or clipping is fused (as
    /// [`crate::sgd_step`]) and leaves the parameters before it here instead.
    pub fn gradient(&self) -> &[f32] {
        self.grads
    }

    /// One update from the samples `batch` (indices into `data`); returns the batch's
    /// mean loss before the update.
    pub fn step(
        &mut self,
        model: &mut (impl ModelMut + ?Sized),
        data: &(impl Dataset + ?Sized),
        batch: &[u32],
        scratch: &mut [f32],
    ) -> Result<f32, Error> {
        if batch.is_empty() {
            return Err(Error::EmptyDataset);
        }
        if model.param_count() != self.grads.len() {
            return Err(Error::ParamCount { expected: self.grads.len(), found: model.param_count() });
        }
        let lr = self.learning_rate();
        if let [index] = *batch {
            if let Some(result) = self.fused_sgd(model, data, index as usize, lr, scratch) {
                let loss = result?;
                self.updates = self.updates.saturating_add(1);
                return Ok(loss);
            }
        }
        let batch = batch.iter().map(|&i| i as usize);
        let mean = mean_gradient(model, data, self.config.loss, batch, (scratch, self.grads))?;
        if !mean.is_finite() || !math::all_finite(self.grads) {
            return Err(Error::NonFinite);
        }
        self.clip(model);
        // One pass when a bound proves every new value finite; else a dry run first, so
        // nothing is written unless every new value is finite.
        let proven = self.bound(model, lr).is_finite();
        if !proven && !self.apply(model, lr, Apply::DryRun) {
            return Err(Error::NonFinite);
        }
        self.apply(model, lr, Apply::Commit);
        self.updates = self.updates.saturating_add(1);
        Ok(mean)
    }

    /// A one-sample step of plain SGD without decay or clipping, fused as
    /// [`crate::sgd_step`] (the same `f32` operations as the general path:
    /// `(−0 + δx)/1 = δx`), with the gradient buffer holding the old parameters while the
    /// new ones are written, so that a refused step puts them back bit for bit; `None`
    /// when the step must take the general path.
    fn fused_sgd(
        &mut self,
        model: &mut (impl ModelMut + ?Sized),
        data: &(impl Dataset + ?Sized),
        index: usize,
        learning_rate: f32,
        scratch: &mut [f32],
    ) -> Option<Result<f32, Error>> {
        let c = self.config;
        if c.optimizer != Optimizer::Sgd || c.weight_decay != 0.0 || c.clip_norm != 0.0 {
            return None;
        }
        let config = SgdConfig { loss: c.loss, learning_rate, biases: c.biases };
        Some(sample(data, index).and_then(|s| sgd_step_restorable(model, s, config, scratch, self.grads)))
    }

    /// One pass over `data` in batches of `batch_size`, in the order `order` (which must
    /// hold `data.len()` indices; it is reset to `0..len` and shuffled first when the
    /// config asks for it). Stops at the first failing batch.
    pub fn epoch(
        &mut self,
        model: &mut (impl ModelMut + ?Sized),
        data: &(impl Dataset + ?Sized),
        order: &mut [u32],
        scratch: &mut [f32],
    ) -> Result<EpochReport, Error> {
        match self.epoch_until(model, data, order, scratch, || false)? {
            Progress::Done(report) => Ok(report),
            // `stop` never asks to stop.
            Progress::Stopped { .. } => Err(Error::EmptyDataset),
        }
    }

    /// [`epoch`](Self::epoch), asking `stop` before every batch whether to stop there
    /// (for example on Ctrl-C): then the batches so far are applied, the rest are not,
    /// and the epoch does not count as done ([`Progress::Stopped`]).
    pub fn epoch_until(
        &mut self,
        model: &mut (impl ModelMut + ?Sized),
        data: &(impl Dataset + ?Sized),
        order: &mut [u32],
        scratch: &mut [f32],
        mut stop: impl FnMut() -> bool,
    ) -> Result<Progress, Error> {
        let len = data.len();
        if len == 0 {
            return Err(Error::EmptyDataset);
        }
        let found = order.len();
        let order = order.get_mut(..len).ok_or(Error::BufferTooSmall { needed: len, found })?;
        order.iter_mut().enumerate().for_each(|(i, o)| *o = i as u32);
        if self.config.shuffle {
            shuffle(order, &mut self.rng);
        }
        let size = if self.config.batch_size == 0 { len } else { self.config.batch_size.min(len) };
        let learning_rate = self.learning_rate();
        let mut total = 0.0f32;
        let mut updates = 0;
        for batch in order.chunks(size) {
            if stop() {
                return Ok(Progress::Stopped { updates });
            }
            total += self.step(model, data, batch, scratch)? * batch.len() as f32;
            updates += 1;
        }
        self.epoch = self.epoch.saturating_add(1);
        Ok(Progress::Done(EpochReport { loss: total / len as f32, updates, learning_rate }))
    }

    /// Scales the gradient down to the configured global norm. The norm is computed as
    /// `largest · √Σ(g/largest)²`, so a finite gradient whose squared norm would overflow
    /// f32 is still clipped in its own direction instead of collapsing to zero.
    fn clip<M: Model + ?Sized>(&mut self, model: &M) {
        let limit = self.config.clip_norm;
        if limit == 0.0 {
            return;
        }
        let mut largest = 0.0f32;
        self.for_each_trainable(model, |g| largest = g.iter().fold(largest, |m, v| m.max(v.abs())));
        if largest == 0.0 || !largest.is_finite() {
            return;
        }
        let mut squares = 0.0f32;
        self.for_each_trainable(model, |g| {
            squares += math::sum_map(g.len(), |i| {
                let r = g[i] / largest;
                r * r
            })
        });
        // norm > limit  ⇔  √squares > limit / largest, with no intermediate overflow.
        let root = math::sqrt(squares);
        let bound = limit / largest;
        if root > bound {
            let scale = bound / root;
            self.grads.iter_mut().for_each(|g| *g *= scale);
        }
    }

    fn for_each_trainable<M: Model + ?Sized>(&self, model: &M, mut f: impl FnMut(&[f32])) {
        let mut rest: &[f32] = self.grads;
        for s in 0..2 * model.depth() {
            // `step` checked that the segments add up to the gradient's length.
            let Some((seg, tail)) = rest.split_at_checked(model.segment(s).len()) else { return };
            if s % 2 == 0 || self.config.biases == Biases::Train {
                f(seg);
            }
            rest = tail;
        }
    }

    /// The sum over the trainable segments of [`Optimizer::bound`]: finite when every
    /// new value of the update is proven finite.
    fn bound<M: Model + ?Sized>(&self, model: &M, lr: f32) -> f32 {
        let c = self.config;
        let per = c.optimizer.state_per_param();
        let step = self.updates.saturating_add(1);
        let mut offset = 0;
        let mut total = 0.0f32;
        for s in 0..2 * model.depth() {
            let params = model.segment(s);
            let range = offset..offset + params.len();
            offset = range.end;
            let is_bias = s % 2 == 1;
            if is_bias && c.biases == Biases::Frozen {
                continue;
            }
            let part = |buf: &[f32], used: bool| if used { buf.get(range.clone()).map(magnitude) } else { Some(0.0) };
            let (Some(grad), Some(first), Some(second)) =
                (part(self.grads, true), part(self.first, per >= 1), part(self.second, per >= 2))
            else {
                return f32::INFINITY;
            };
            let m = Magnitudes { param: magnitude(params), grad, first, second };
            total += c.optimizer.bound(m, lr, if is_bias { 0.0 } else { c.weight_decay }, step);
        }
        total
    }

    /// Runs the optimiser over every trainable segment; returns whether all is finite.
    fn apply<M: ModelMut + ?Sized>(&mut self, model: &mut M, lr: f32, apply: Apply) -> bool {
        let c = self.config;
        let step = self.updates.saturating_add(1);
        let per = c.optimizer.state_per_param();
        let mut offset = 0;
        let mut finite = true;
        for s in 0..2 * model.depth() {
            let params = model.segment_mut(s);
            let len = params.len();
            let range = offset..offset + len;
            offset += len;
            let is_bias = s % 2 == 1;
            if is_bias && c.biases == Biases::Frozen {
                continue;
            }
            let decay = if is_bias { 0.0 } else { c.weight_decay };
            let (Some(m), Some(v), Some(g)) = (
                state_slice(self.first, per >= 1, &range),
                state_slice(self.second, per >= 2, &range),
                self.grads.get(range.clone()),
            ) else {
                // A model whose segments disagree with its parameter count.
                return false;
            };
            finite &= c.optimizer.update(params, g, m, v, lr, decay, step, apply);
        }
        finite
    }
}

/// The optimiser state for `range`, or an empty slice where the optimiser keeps none.
fn state_slice<'a>(buf: &'a mut [f32], used: bool, range: &core::ops::Range<usize>) -> Option<&'a mut [f32]> {
    if used {
        buf.get_mut(range.clone())
    } else {
        Some(&mut [])
    }
}

/// Sample `index` of `data`, or [`Error::SampleIndex`].
fn sample<D: Dataset + ?Sized>(data: &D, index: usize) -> Result<(&[f32], &[f32]), Error> {
    data.sample(index).ok_or(Error::SampleIndex { index, len: data.len() })
}

/// The mean loss of `model` over `data`.
pub fn evaluate(
    model: &(impl Model + ?Sized),
    data: &(impl Dataset + ?Sized),
    loss: Loss,
    scratch: &mut [f32],
) -> Result<f32, Error> {
    if data.is_empty() {
        return Err(Error::EmptyDataset);
    }
    let mut total = 0.0f32;
    for i in 0..data.len() {
        total += sample_loss(model, sample(data, i)?, loss, scratch)?;
    }
    Ok(total / data.len() as f32)
}

/// The mean gradient of the loss over `data`, written to `grads`; returns the mean loss.
pub fn dataset_gradient(
    model: &(impl Model + ?Sized),
    data: &(impl Dataset + ?Sized),
    loss: Loss,
    scratch: &mut [f32],
    grads: &mut [f32],
) -> Result<f32, Error> {
    if data.is_empty() {
        return Err(Error::EmptyDataset);
    }
    mean_gradient(model, data, loss, 0..data.len(), (scratch, grads))
}

/// The mean gradient over the samples `batch` (not empty), written to `grads`; returns
/// the mean loss. The one loop behind [`Trainer::step`] and [`dataset_gradient`].
fn mean_gradient(
    model: &(impl Model + ?Sized),
    data: &(impl Dataset + ?Sized),
    loss: Loss,
    batch: impl ExactSizeIterator<Item = usize>,
    (scratch, grads): (&mut [f32], &mut [f32]),
) -> Result<f32, Error> {
    let n = batch.len() as f32;
    grads.fill(-0.0);
    let mut total = 0.0f32;
    for i in batch {
        total += gradient(model, sample(data, i)?, loss, scratch, grads)?;
    }
    grads.iter_mut().for_each(|g| *g /= n);
    Ok(total / n)
}

/// Index of the largest value (the predicted class), or `None` for an empty slice or
/// one with NaN.
pub fn argmax(values: &[f32]) -> Option<usize> {
    let mut best: Option<(usize, f32)> = None;
    for (i, &v) in values.iter().enumerate() {
        if v.is_nan() {
            return None;
        }
        if best.is_none_or(|(_, b)| v > b) {
            best = Some((i, v));
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::activation::{Identity, Sigmoid};
    use crate::init::Init;
    use crate::model::{Dense, Network};

    type Small = (Dense<2, 3, Sigmoid>, Dense<3, 2, Sigmoid>);
    const DATA: [([f32; 2], [f32; 2]); 3] =
        [([0.5, -1.0], [0.1, 0.9]), ([2.0, 0.25], [0.8, 0.2]), ([-1.5, 1.0], [0.3, 0.3])];

    #[test]
    fn the_fused_one_sample_step_is_the_general_step_bit_for_bit() {
        // A batch of one sample twice is the general path with the same mean gradient:
        // (−0 + g + g) / 2 = g exactly.
        let config = TrainConfig { shuffle: true, seed: 7, ..TrainConfig::sgd(Loss::HalfSse, 0.7) };
        let mut fused: Small = Small::default();
        Init::Xavier.apply(&mut fused, &mut Rng::new(3));
        let mut general = fused;
        let (mut w1, mut w2) = ([0.0; Small::PARAMS], [0.0; Small::PARAMS]);
        let mut a = Trainer::new(config, &fused, &mut w1).unwrap();
        let mut b = Trainer::new(config, &general, &mut w2).unwrap();
        let mut scratch = [0.0; Small::SCRATCH];
        for k in 0..30u32 {
            let i = k % 3;
            let la = a.step(&mut fused, &DATA, &[i], &mut scratch).unwrap();
            let lb = b.step(&mut general, &DATA, &[i, i], &mut scratch).unwrap();
            assert_eq!(la.to_bits(), lb.to_bits(), "loss at step {k}");
        }
        let bits = |n: &Small| {
            let mut p = [0.0f32; Small::PARAMS];
            n.copy_params_to(&mut p).unwrap();
            p.map(f32::to_bits)
        };
        assert_eq!(bits(&fused), bits(&general));
        assert_eq!((a.updates(), b.updates()), (30, 30));
    }

    #[test]
    fn a_stopped_epoch_keeps_the_batches_before_the_stop_and_no_more() {
        let config = TrainConfig { shuffle: true, seed: 9, ..TrainConfig::sgd(Loss::HalfSse, 0.5) };
        let mut start: Small = Small::default();
        Init::Xavier.apply(&mut start, &mut Rng::new(4));
        let (mut stopped, mut stepped) = (start, start);
        let (mut w1, mut w2) = ([0.0; Small::PARAMS], [0.0; Small::PARAMS]);
        let mut a = Trainer::new(config, &stopped, &mut w1).unwrap();
        let mut b = Trainer::new(config, &stepped, &mut w2).unwrap();
        let (mut scratch, mut order) = ([0.0; Small::SCRATCH], [0u32; 3]);
        let mut asked = 0;
        let progress = a.epoch_until(&mut stopped, &DATA, &mut order, &mut scratch, || {
            asked += 1;
            asked == 3
        });
        assert_eq!(progress, Ok(Progress::Stopped { updates: 2 }));
        // The same two batches, in the same shuffled order, by hand.
        let mut same = [0u32, 1, 2];
        shuffle(&mut same, &mut Rng::new(9));
        assert_eq!(order, same);
        for &i in &same[..2] {
            b.step(&mut stepped, &DATA, &[i], &mut scratch).unwrap();
        }
        assert_eq!(stopped, stepped);
        assert_eq!(a.updates(), 2);
    }

    type Unit = (Dense<1, 1, Identity>,);

    /// One SGD step of `w, b = f32::MAX` on `x = −1`, `t = 1`: `o = −MAX + MAX = 0`, so
    /// `∂E/∂w = 2(o − t)·x = 2`, `∂E/∂b = −2`: at the edge of f32, where the step is
    /// taken only when every new value is finite (the fused path writes and puts back).
    fn step_at_the_top(learning_rate: f32) -> (Result<f32, Error>, Unit) {
        let mut net: Unit = (Dense::new([[f32::MAX]], [f32::MAX]),);
        let mut work = [0.0; Unit::PARAMS];
        let mut trainer = Trainer::new(TrainConfig::sgd(Loss::Sse, learning_rate), &net, &mut work).unwrap();
        let mut scratch = [0.0; Unit::SCRATCH];
        let result = trainer.step(&mut net, &[([-1.0], [1.0])], &[0], &mut scratch);
        (result, net)
    }

    #[test]
    fn a_step_at_the_edge_is_taken_when_finite_and_refused_bit_for_bit_when_not() {
        // lr 1: w = MAX − 2 and b = MAX + 2 both round to MAX.
        let (result, net) = step_at_the_top(1.0);
        assert_eq!(result, Ok(1.0));
        assert_eq!((net.0.weights[0][0], net.0.biases[0]), (f32::MAX, f32::MAX));
        // lr 1e38: w = MAX − 2e38 is finite but b = MAX + 2e38 is not: nothing is written.
        let (result, net) = step_at_the_top(1e38);
        assert_eq!(result, Err(Error::NonFinite));
        assert_eq!(
            (net.0.weights[0][0].to_bits(), net.0.biases[0].to_bits()),
            (f32::MAX.to_bits(), f32::MAX.to_bits())
        );
    }

    #[test]
    fn a_refused_fused_step_with_frozen_biases_puts_back_exactly_what_was_there() {
        // w = MAX, b = −MAX, x = 1: o = 0, ∂E/∂w = 2(0 − 1)·1 = −2, so w + 2e38 overflows.
        let mut net: Unit = (Dense::new([[f32::MAX]], [-f32::MAX]),);
        let mut work = [0.5; Unit::PARAMS];
        let config = TrainConfig { biases: Biases::Frozen, ..TrainConfig::sgd(Loss::Sse, 1e38) };
        let mut trainer = Trainer::new(config, &net, &mut work).unwrap();
        let mut scratch = [0.0; Unit::SCRATCH];
        assert_eq!(trainer.step(&mut net, &[([1.0], [1.0])], &[0], &mut scratch), Err(Error::NonFinite));
        assert_eq!(
            (net.0.weights[0][0].to_bits(), net.0.biases[0].to_bits()),
            (f32::MAX.to_bits(), (-f32::MAX).to_bits())
        );
        assert_eq!(trainer.updates(), 0);
    }

    #[test]
    fn adamw_refuses_a_decay_that_would_flip_the_weights() {
        let adamw = |learning_rate, weight_decay| TrainConfig {
            optimizer: Optimizer::ADAMW,
            weight_decay,
            ..TrainConfig::sgd(Loss::Mse, learning_rate)
        };
        assert_eq!(adamw(0.5, 2.0).validate(), Err(Error::Hyperparameter(Hyperparameter::DecoupledDecay)));
        assert_eq!(adamw(0.5, 1.9).validate(), Ok(()));
        // For the others the same numbers are a (strong) L2 term, not a scaling.
        assert_eq!(TrainConfig { weight_decay: 2.0, ..TrainConfig::sgd(Loss::Mse, 0.5) }.validate(), Ok(()));
    }
}
