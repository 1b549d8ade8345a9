//! A classifier for the user's classes: `C` classes named by the user ([`Classes`]),
//! `F` features, any nn-core tuple network of their shape, an example buffer of capacity
//! `N` ([`Examples`]), the input scaling learned from it ([`fit_scaling`]), training with
//! an optional held-out part for early stopping ([`Recipe`], [`train`]), and prediction
//! with a confidence and an [`Answer::Unknown`] below a threshold ([`predict`]).
//!
//! Sizes are const generics; the network is a type, e.g.
//! `(Dense<F, 16, Tanh>, Dense<16, C, Softmax>)`, and the model the device keeps is
//! nn-core's [`Scaled`] network: the scaling stage in front of it, applied on every
//! prediction and stored with it. Work space (`nn_core::train::work_len(PARAMS,
//! optimizer)` floats for the trainer, the model's `SCRATCH` floats) is the caller's, so
//! it can live in a `static` on the device:
//!
//! ```
//! use nn_core::activation::{Softmax, Tanh};
//! use nn_core::{train::work_len, Dense, Network, Scaled};
//! use nn_learn::classifier::{self, Answer, Examples, Labelled, Recipe};
//!
//! const F: usize = 2;
//! const C: usize = 2;
//! type Net = (Dense<F, 4, Tanh>, Dense<4, C, Softmax>);
//! type Model = Scaled<Net, [f32; F]>;
//!
//! let mut examples: Examples<F, C, 16> = Examples::new();
//! for i in 0..8 {
//!     let v = i as f32;
//!     examples.push(Labelled { features: [100.0 + v, 5.0], class: 0 })?;
//!     examples.push(Labelled { features: [200.0 + v, 5.0], class: 1 })?;
//! }
//! let recipe = Recipe::ADAM;
//! let mut work = [0.0f32; work_len(Net::PARAMS, nn_core::Optimizer::ADAM)];
//! let mut scratch = [0.0f32; Model::SCRATCH];
//! let (model, report): (Model, _) = classifier::learn(&examples, &recipe, &mut work, &mut scratch)?;
//! assert!(report.final_loss < 0.1);
//! let p = classifier::predict::<_, C>(&model, &[210.0, 5.0], 0.6, &mut scratch)?;
//! assert_eq!(p.answer, Answer::Class(1));
//! # Ok::<(), nn_learn::classifier::LearnError>(())
//! ```

use core::fmt;

use nn_core::data::Dataset;
use nn_core::init::{Init, Rng};
use nn_core::scaling::{guarded_scale, InputScaling};
use nn_core::train::{argmax, evaluate, EpochReport};
use nn_core::{forward, Biases, Loss, Model, Network, Optimizer, Scaled, Schedule, TrainConfig, Trainer};

/// The user's names of the `C` classes, in class-index order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Classes<const C: usize> {
    /// Name of class `i` (for logs and reports).
    pub names: [&'static str; C],
}

impl<const C: usize> Classes<C> {
    /// The name of class `class`, or `"?"`.
    pub fn name(&self, class: usize) -> &'static str {
        self.names.get(class).copied().unwrap_or("?")
    }

    /// The index of the class called `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| *n == name)
    }
}

/// One labelled feature vector.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Labelled<const F: usize> {
    /// The window's features.
    pub features: [f32; F],
    /// The class index, below `C`.
    pub class: u8,
}

/// Why learning or predicting failed.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum LearnError {
    /// An example's class index is not below the number of classes.
    UnknownClass {
        /// The index given.
        class: u8,
        /// The number of classes.
        classes: usize,
    },
    /// The buffer is full (see [`Examples::push_capped`] for a policy that never is).
    BufferFull,
    /// Class `class` has no example to train on (after the held-out part is taken out):
    /// a classifier cannot learn a class it never saw.
    EmptyClass {
        /// The class index.
        class: usize,
    },
    /// Fewer than two classes: there is nothing to tell apart.
    OneClass,
    /// A feature of the examples is not finite, or its mean over them is not.
    NonFiniteFeature {
        /// The feature index.
        feature: usize,
    },
    /// The network's output width is not the number of classes, or its input width not
    /// the number of features.
    Shape {
        /// What the classifier needs.
        expected: usize,
        /// What the network has.
        found: usize,
    },
    /// nn-core refused (work space, hyperparameters, a non-finite step).
    Net(nn_core::Error),
}

impl fmt::Display for LearnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LearnError::UnknownClass { class, classes } => {
                write!(f, "class index {class} is not below the number of classes, {classes}")
            }
            LearnError::BufferFull => f.write_str("the example buffer is full"),
            LearnError::EmptyClass { class } => write!(f, "class {class} has no example to train on"),
            LearnError::OneClass => f.write_str("a classifier needs at least two classes"),
            LearnError::NonFiniteFeature { feature } => write!(f, "feature {feature} is not finite"),
            LearnError::Shape { expected, found } => {
                write!(f, "the network has {found} inputs or outputs where {expected} are needed")
            }
            LearnError::Net(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for LearnError {}

impl From<nn_core::Error> for LearnError {
    fn from(e: nn_core::Error) -> Self {
        LearnError::Net(e)
    }
}

/// Labelled examples of `F` features and `C` classes in a buffer of capacity `N`, oldest
/// first, with no heap; also nn-core's [`Dataset`] (one-hot targets).
///
/// When full, the policy is the caller's choice, each deterministic:
/// [`push`](Self::push) refuses, [`push_overwriting`](Self::push_overwriting) drops the
/// oldest example, [`push_capped`](Self::push_capped) keeps the classes balanced (the
/// gesture demo's policy): the oldest example *of the same class* goes once that class has
/// its share, else the oldest of all.
#[derive(Debug, Clone)]
pub struct Examples<const F: usize, const C: usize, const N: usize> {
    items: heapless::Vec<Labelled<F>, N>,
    one_hot: [[f32; C]; C],
}

impl<const F: usize, const C: usize, const N: usize> Default for Examples<F, C, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const F: usize, const C: usize, const N: usize> Examples<F, C, N> {
    /// An empty buffer (`const`, so it can live in a `static`).
    pub const fn new() -> Self {
        let mut one_hot = [[0.0f32; C]; C];
        let mut i = 0;
        while i < C {
            one_hot[i][i] = 1.0;
            i += 1;
        }
        Examples { items: heapless::Vec::new(), one_hot }
    }

    fn known(example: &Labelled<F>) -> Result<(), LearnError> {
        if usize::from(example.class) < C {
            Ok(())
        } else {
            Err(LearnError::UnknownClass { class: example.class, classes: C })
        }
    }

    /// Appends `example`; refuses an unknown class or a full buffer, changing nothing.
    pub fn push(&mut self, example: Labelled<F>) -> Result<(), LearnError> {
        Self::known(&example)?;
        self.items.push(example).map_err(|_| LearnError::BufferFull)
    }

    /// Appends `example`; when full, first drops the oldest example and returns it.
    pub fn push_overwriting(&mut self, example: Labelled<F>) -> Result<Option<Labelled<F>>, LearnError> {
        Self::known(&example)?;
        let dropped = if self.items.is_full() { self.remove(0) } else { None };
        self.items.push(example).ok();
        Ok(dropped)
    }

    /// Appends `example`; when its class already has `cap` examples, or the buffer is
    /// full, first drops the oldest example of that class (or, failing that, the oldest
    /// of all) and returns it.
    pub fn push_capped(&mut self, example: Labelled<F>, cap: usize) -> Result<Option<Labelled<F>>, LearnError> {
        Self::known(&example)?;
        let dropped = if self.count(usize::from(example.class)) >= cap || self.items.is_full() {
            match self.items.iter().position(|e| e.class == example.class) {
                Some(i) => self.remove(i),
                None => self.remove(0),
            }
        } else {
            None
        };
        self.items.push(example).ok();
        Ok(dropped)
    }

    fn remove(&mut self, index: usize) -> Option<Labelled<F>> {
        (index < self.items.len()).then(|| self.items.remove(index))
    }

    /// The examples, oldest first.
    pub fn as_slice(&self) -> &[Labelled<F>] {
        &self.items
    }

    /// Number of examples held.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when no example is held.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Examples of class `class`.
    pub fn count(&self, class: usize) -> usize {
        self.items.iter().filter(|e| usize::from(e.class) == class).count()
    }

    /// Examples per class.
    pub fn counts(&self) -> [usize; C] {
        core::array::from_fn(|c| self.count(c))
    }

    /// Drops every example.
    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// The one-hot target of class `class`.
    pub fn target(&self, class: usize) -> Option<&[f32; C]> {
        self.one_hot.get(class)
    }
}

impl<const F: usize, const C: usize, const N: usize> Dataset for Examples<F, C, N> {
    fn len(&self) -> usize {
        self.items.len()
    }

    fn sample(&self, index: usize) -> Option<(&[f32], &[f32])> {
        let e = self.items.get(index)?;
        Some((&e.features, self.target(usize::from(e.class))?))
    }
}

/// A data set whose samples are labelled with a class index (below 256): [`Examples`],
/// and the gesture demo's [`crate::buffer::ExampleBuffer`].
pub trait LabelledData: Dataset {
    /// The class index of sample `index` (`None` past the end).
    fn class(&self, index: usize) -> Option<usize>;
}

impl<const F: usize, const C: usize, const N: usize> LabelledData for Examples<F, C, N> {
    fn class(&self, index: usize) -> Option<usize> {
        self.items.get(index).map(|e| usize::from(e.class))
    }
}

/// Which part of the buffer is held out from training for early stopping: within each
/// class, in buffer order, examples are counted from 0, and those whose count is
/// `k − 1 mod k` are held out (every `k`-th example of each class). Deterministic and
/// balanced; a class with fewer than `k` examples keeps all of them for training.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Holdout {
    /// Train on every example (no early stopping).
    None,
    /// Hold out every `k`-th example of each class (`k ≥ 2`).
    EveryKth(u16),
}

impl Holdout {
    /// Whether the example at position `rank` within its class is held out.
    pub const fn holds_out(self, rank: usize) -> bool {
        match self {
            Holdout::None => false,
            Holdout::EveryKth(k) => k >= 2 && rank % k as usize == k as usize - 1,
        }
    }
}

/// Whether the input scaling is learned from the training examples or left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Scaling {
    /// The identity stage (`(x − 0) / 1 = x`, exactly): features used as computed.
    Identity,
    /// Per-feature mean and standard deviation of the training examples ([`fit_scaling`]).
    Learned,
}

/// Everything besides the data that fixes a trained classifier bit for bit.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Recipe {
    /// Seed of the Xavier initialisation.
    pub init_seed: u32,
    /// Passes over the training examples (at most, with early stopping).
    pub epochs: u32,
    /// Loss, optimiser, rate, batch size, shuffling seed.
    pub config: TrainConfig,
    /// The held-out part of the buffer.
    pub holdout: Holdout,
    /// Stop after this many epochs without a lower held-out loss and keep the best
    /// parameters; 0 turns early stopping off. Needs a [`Holdout`].
    pub patience: u32,
    /// The input scaling.
    pub scaling: Scaling,
}

impl Recipe {
    /// Softmax cross-entropy, Adam at 0.01 in batches of 8, shuffled, 100 epochs at most,
    /// every 5th example of each class held out, early stopping after 15 epochs without
    /// progress, scaling learned: the default for a recording nobody tuned for.
    pub const ADAM: Recipe = Recipe {
        init_seed: 1,
        epochs: 100,
        config: TrainConfig {
            loss: Loss::SoftmaxCe,
            optimizer: Optimizer::ADAM,
            learning_rate: 0.01,
            schedule: Schedule::Constant,
            weight_decay: 0.0,
            clip_norm: 0.0,
            batch_size: 8,
            shuffle: true,
            biases: Biases::Train,
            seed: 2,
        },
        holdout: Holdout::EveryKth(5),
        patience: 15,
        scaling: Scaling::Learned,
    };

    /// A freshly initialised network.
    pub fn initial_net<Net: Network>(&self) -> Net {
        let mut net = Net::default();
        Init::Xavier.apply(&mut net, &mut Rng::new(self.init_seed));
        net
    }
}

/// The examples of a buffer with a holdout rule applied: the training part or the
/// held-out part, as an nn-core [`Dataset`].
#[derive(Debug, Clone, Copy)]
pub struct Part<'a, D: ?Sized> {
    data: &'a D,
    indices: &'a [u32],
}

impl<D: Dataset + ?Sized> Dataset for Part<'_, D> {
    fn len(&self) -> usize {
        self.indices.len()
    }

    fn sample(&self, index: usize) -> Option<(&[f32], &[f32])> {
        let i = *self.indices.get(index)?;
        self.data.sample(i as usize)
    }
}

/// The indices of a data set split by a [`Holdout`]: the training part first, then the
/// held-out part, each in data order, in one array of capacity `N` (no second buffer on
/// the stack).
#[derive(Debug, Clone)]
pub struct Partition<const N: usize> {
    indices: heapless::Vec<u32, N>,
    train: usize,
}

impl<const N: usize> Partition<N> {
    /// The training part.
    pub fn train(&self) -> &[u32] {
        self.indices.get(..self.train).unwrap_or(&[])
    }

    /// The held-out part.
    pub fn held_out(&self) -> &[u32] {
        self.indices.get(self.train..).unwrap_or(&[])
    }
}

/// `data` split by `holdout` ([`LearnError::BufferFull`] when it has more than `N`
/// samples). A sample's rank within its class is counted afresh for each sample: no
/// per-class table on the stack, `O(n²)` class lookups with a holdout (a few thousand for
/// a device's buffer), `O(n)` without.
pub fn split<D: LabelledData + ?Sized, const N: usize>(data: &D, holdout: Holdout) -> Result<Partition<N>, LearnError> {
    let held = |i: usize| match holdout {
        Holdout::None => false,
        Holdout::EveryKth(_) => {
            let class = data.class(i);
            holdout.holds_out((0..i).filter(|&j| data.class(j) == class).count())
        }
    };
    let mut indices = heapless::Vec::new();
    let mut train = 0;
    for held_pass in [false, true] {
        for i in 0..data.len() {
            if data.class(i).is_some() && held(i) == held_pass {
                indices.push(i as u32).map_err(|_| LearnError::BufferFull)?;
            }
        }
        if !held_pass {
            train = indices.len();
        }
    }
    Ok(Partition { indices, train })
}

/// Per-feature mean and standard deviation (population) of `examples` (the training
/// part), in their order, as nn-core's [`InputScaling`]: `f32` sums in order, two passes,
/// one `sqrtf`; a feature that does not vary gets scale 1 ([`guarded_scale`]), never a
/// division by zero.
pub fn fit_scaling<const F: usize>(
    examples: impl Iterator<Item = [f32; F]> + Clone,
) -> Result<InputScaling<[f32; F]>, LearnError> {
    let mut mean = [0.0f32; F];
    let mut n = 0u32;
    for x in examples.clone() {
        mean.iter_mut().zip(x).for_each(|(m, v)| *m += v);
        n += 1;
    }
    if n == 0 {
        return Ok(InputScaling::IDENTITY);
    }
    let nf = n as f32;
    mean.iter_mut().for_each(|m| *m /= nf);
    let mut var = [0.0f32; F];
    for x in examples {
        var.iter_mut().zip(x.iter().zip(&mean)).for_each(|(s, (&v, &m))| {
            let d = v - m;
            *s += d * d;
        });
    }
    let scale = var.map(|s| guarded_scale(libm::sqrtf(s / nf)));
    if let Some(feature) = mean.iter().position(|m| !m.is_finite()) {
        return Err(LearnError::NonFiniteFeature { feature });
    }
    InputScaling::new(mean, scale).map_err(|e| match e {
        nn_core::Error::Scaling { input } => LearnError::NonFiniteFeature { feature: input },
        e => LearnError::Net(e),
    })
}

/// What [`train`] did.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TrainReport {
    /// Epochs run.
    pub epochs: u32,
    /// The epoch (counted from 0) whose parameters were kept: the last, or with early
    /// stopping the one with the lowest held-out loss.
    pub best_epoch: u32,
    /// Training loss of the last epoch run.
    pub final_loss: f32,
    /// nn-core's report of the last epoch run.
    pub last: EpochReport,
    /// Held-out loss of the kept parameters (`None` without a held-out part).
    pub held_out_loss: Option<f32>,
    /// Examples trained on and held out.
    pub train_examples: usize,
    /// Examples held out.
    pub held_out_examples: usize,
}

/// Checks that the shapes fit and every class has a training example.
fn check_classes<M: Model, D: LabelledData + ?Sized>(
    model: &M,
    data: &D,
    features: usize,
    train: &[u32],
) -> Result<(), LearnError> {
    let classes = model.outputs();
    if classes < 2 {
        return Err(LearnError::OneClass);
    }
    if model.inputs() != features {
        return Err(LearnError::Shape { expected: features, found: model.inputs() });
    }
    // One bit per class index (class indices are below 256).
    let mut seen = [0u64; 4];
    for &i in train {
        if let Some(c) = data.class(i as usize) {
            if let Some(word) = seen.get_mut(c / 64) {
                *word |= 1 << (c % 64);
            }
        }
    }
    if classes > 256 {
        return Err(LearnError::Shape { expected: 256, found: classes });
    }
    match (0..classes).find(|&c| seen.get(c / 64).is_none_or(|w| w & (1 << (c % 64)) == 0)) {
        Some(class) => Err(LearnError::EmptyClass { class }),
        None => Ok(()),
    }
}

/// Trains `model` (any nn-core network, [`Scaled`] or not) on `examples` with `recipe`:
/// the held-out part ([`Recipe::holdout`]) is left out of training and, with
/// [`Recipe::patience`] above 0, decides when to stop (the parameters with the lowest
/// held-out loss are kept, ties keep the earlier). `work` holds the trainer's gradient and
/// optimiser state, `scratch` the model's forward and backward pass. `on_epoch(epoch,
/// report)` runs after each epoch. The scaling stage of a `Scaled` model is not changed
/// here: [`learn`] fits it first.
pub fn train<M: Network, D: LabelledData + ?Sized, const N: usize>(
    model: &mut M,
    examples: &D,
    recipe: &Recipe,
    work: &mut [f32],
    scratch: &mut [f32],
    mut on_epoch: impl FnMut(u32, &EpochReport),
) -> Result<TrainReport, LearnError> {
    let partition = split::<D, N>(examples, recipe.holdout)?;
    let (train_idx, held_idx) = (partition.train(), partition.held_out());
    let features = examples.sample(0).map_or(model.inputs(), |(x, _)| x.len());
    check_classes(model, examples, features, train_idx)?;
    let held = Part { data: examples, indices: held_idx };
    let mut order = [0u32; N];
    let order = order.get_mut(..train_idx.len()).unwrap_or(&mut []);
    let train_part = Part { data: examples, indices: train_idx };
    let mut trainer = Trainer::new(recipe.config, model, work)?;
    let stopping = recipe.patience > 0 && !held_idx.is_empty();
    let mut best: Option<(M, f32, u32)> = None;
    let mut report = TrainReport {
        epochs: 0,
        best_epoch: 0,
        final_loss: f32::NAN,
        last: EpochReport { loss: f32::NAN, updates: 0, learning_rate: 0.0 },
        held_out_loss: None,
        train_examples: train_idx.len(),
        held_out_examples: held_idx.len(),
    };
    for epoch in 0..recipe.epochs {
        let r = trainer.epoch(model, &train_part, order, scratch)?;
        on_epoch(epoch, &r);
        report.epochs = epoch + 1;
        report.best_epoch = epoch;
        report.final_loss = r.loss;
        report.last = r;
        if !stopping {
            continue;
        }
        let loss = evaluate(model, &held, recipe.config.loss, scratch)?;
        match &best {
            Some((_, best_loss, best_epoch)) if loss >= *best_loss => {
                if epoch - best_epoch >= recipe.patience {
                    break;
                }
            }
            _ => best = Some((model.clone(), loss, epoch)),
        }
    }
    if let Some((kept, loss, epoch)) = best {
        *model = kept;
        report.best_epoch = epoch;
        report.held_out_loss = Some(loss);
    } else if !held_idx.is_empty() {
        report.held_out_loss = Some(evaluate(model, &held, recipe.config.loss, scratch)?);
    }
    Ok(report)
}

/// A fresh classifier learned from `examples`: the recipe's initial network, the scaling
/// fitted on the training part ([`Recipe::scaling`]), then [`train`]. `scratch` must hold
/// the `Scaled` model's `SCRATCH` floats.
pub fn learn<Net: Network, const F: usize, const C: usize, const N: usize>(
    examples: &Examples<F, C, N>,
    recipe: &Recipe,
    work: &mut [f32],
    scratch: &mut [f32],
) -> Result<(Scaled<Net, [f32; F]>, TrainReport), LearnError> {
    let scaling = match recipe.scaling {
        Scaling::Identity => InputScaling::IDENTITY,
        Scaling::Learned => {
            let partition = split::<_, N>(examples, recipe.holdout)?;
            let rows =
                partition.train().iter().filter_map(|&i| examples.as_slice().get(i as usize)).map(|e| e.features);
            fit_scaling(rows)?
        }
    };
    let mut model = Scaled::new(recipe.initial_net::<Net>(), scaling)?;
    let report = train::<_, _, N>(&mut model, examples, recipe, work, scratch, |_, _| {})?;
    Ok((model, report))
}

/// A prediction's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Answer {
    /// The most probable class, at or above the threshold.
    Class(usize),
    /// No class reached the threshold.
    Unknown,
}

/// A prediction: the answer, its confidence and every class's probability.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Prediction<const C: usize> {
    /// The class, or [`Answer::Unknown`].
    pub answer: Answer,
    /// The most probable class (also when the answer is unknown).
    pub best: usize,
    /// Its probability.
    pub confidence: f32,
    /// The network's output, one probability per class (softmax output layer).
    pub probabilities: [f32; C],
}

/// The class of `features` if its probability is at least `threshold`, else
/// [`Answer::Unknown`] (a threshold of 0 always answers a class). `scratch` must hold the
/// model's `SCRATCH` floats.
pub fn predict<M: Model, const C: usize>(
    model: &M,
    features: &[f32],
    threshold: f32,
    scratch: &mut [f32],
) -> Result<Prediction<C>, LearnError> {
    if model.outputs() != C {
        return Err(LearnError::Shape { expected: C, found: model.outputs() });
    }
    let out = forward(model, features, scratch)?;
    let mut probabilities = [0.0f32; C];
    probabilities.iter_mut().zip(out).for_each(|(p, &o)| *p = o);
    let best = argmax(&probabilities).ok_or(LearnError::Net(nn_core::Error::NonFinite))?;
    let confidence = probabilities.get(best).copied().unwrap_or(0.0);
    let answer = if confidence >= threshold { Answer::Class(best) } else { Answer::Unknown };
    Ok(Prediction { answer, best, confidence, probabilities })
}

/// Held-out results of `C` classes: `confusion[truth][predicted]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Confusion<const C: usize> {
    /// Windows of class `truth` predicted as class `predicted`.
    pub counts: [[u32; C]; C],
}

impl<const C: usize> Default for Confusion<C> {
    fn default() -> Self {
        Confusion { counts: [[0; C]; C] }
    }
}

impl<const C: usize> Confusion<C> {
    /// Counts one prediction (indices past `C` are ignored).
    pub fn record(&mut self, truth: usize, predicted: usize) {
        if let Some(cell) = self.counts.get_mut(truth).and_then(|r| r.get_mut(predicted)) {
            *cell = cell.saturating_add(1);
        }
    }

    /// Predictions counted.
    pub fn total(&self) -> u32 {
        self.counts.iter().flatten().sum()
    }

    /// Correct predictions.
    pub fn correct(&self) -> u32 {
        self.counts.iter().enumerate().filter_map(|(i, r)| r.get(i)).sum()
    }

    /// Fraction correct (0 when nothing was counted).
    pub fn accuracy(&self) -> f32 {
        match self.total() {
            0 => 0.0,
            t => self.correct() as f32 / t as f32,
        }
    }

    /// Per class, the fraction of its windows predicted as it (`None` for a class with no
    /// window).
    pub fn recall(&self) -> [Option<f32>; C] {
        core::array::from_fn(|i| {
            let row = self.counts.get(i)?;
            let total: u32 = row.iter().sum();
            (total > 0).then(|| row.get(i).copied().unwrap_or(0) as f32 / total as f32)
        })
    }
}

/// `model`'s confusion matrix on `examples` (each answered by its most probable class).
pub fn score<M: Model, const F: usize, const C: usize, const N: usize>(
    model: &M,
    examples: &Examples<F, C, N>,
    scratch: &mut [f32],
) -> Result<Confusion<C>, LearnError> {
    let mut confusion = Confusion::default();
    for e in examples.as_slice() {
        let p = predict::<M, C>(model, &e.features, 0.0, scratch)?;
        confusion.record(usize::from(e.class), p.best);
    }
    Ok(confusion)
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use nn_core::activation::{Softmax, Tanh};
    use nn_core::train::work_len;
    use nn_core::Dense;

    type Net = (Dense<2, 4, Tanh>, Dense<4, 3, Softmax>);
    type M = Scaled<Net, [f32; 2]>;
    const WORK: usize = work_len(Net::PARAMS, Optimizer::ADAM);

    fn ex(a: f32, b: f32, class: u8) -> Labelled<2> {
        Labelled { features: [a, b], class }
    }

    #[test]
    fn scaling_is_the_mean_and_population_std_and_zero_variance_is_one() {
        // Feature 0: 1, 2, 3, 6 -> mean 3, var (4 + 1 + 0 + 9) / 4 = 3.5; feature 1 constant.
        let rows = [[1.0f32, 7.0], [2.0, 7.0], [3.0, 7.0], [6.0, 7.0]];
        let s = fit_scaling(rows.iter().copied()).unwrap();
        assert_eq!(s.mean(), &[3.0, 7.0]);
        assert_eq!(s.scale(), &[(3.5f64.sqrt()) as f32, 1.0]);
        let mut out = [0.0; 2];
        s.apply(&[3.0, 7.0], &mut out);
        assert_eq!(out, [0.0, 0.0]);
        // A single example: every variance is 0, nothing is NaN or infinite.
        let one = fit_scaling([[5.0f32, -2.0]].into_iter()).unwrap();
        assert_eq!((one.mean(), one.scale()), (&[5.0, -2.0][..], &[1.0, 1.0][..]));
        assert_eq!(fit_scaling(core::iter::empty::<[f32; 2]>()).unwrap(), InputScaling::IDENTITY);
        assert_eq!(
            fit_scaling([[f32::MAX, 0.0], [f32::MAX, 0.0]].into_iter()),
            Err(LearnError::NonFiniteFeature { feature: 0 })
        );
    }

    #[test]
    fn holdout_takes_every_kth_of_each_class_in_order() {
        let mut e: Examples<2, 3, 16> = Examples::new();
        for i in 0..7 {
            e.push(ex(i as f32, 0.0, (i % 2) as u8)).unwrap();
        }
        // Class 0 at 0, 2, 4, 6 (ranks 0..3), class 1 at 1, 3, 5 (ranks 0..2); k = 2.
        let p = split::<_, 16>(&e, Holdout::EveryKth(2)).unwrap();
        assert_eq!((p.train(), p.held_out()), (&[0u32, 1, 4, 5][..], &[2u32, 3, 6][..]));
        let p = split::<_, 16>(&e, Holdout::EveryKth(3)).unwrap();
        // k = 3: rank 2 of each class, index 4 (class 0) and 5 (class 1).
        assert_eq!((p.train(), p.held_out()), (&[0u32, 1, 2, 3, 6][..], &[4u32, 5][..]));
        let all = split::<_, 16>(&e, Holdout::None).unwrap();
        assert_eq!((all.train().len(), all.held_out().len()), (7, 0));
        assert!(matches!(split::<_, 6>(&e, Holdout::None), Err(LearnError::BufferFull)));
    }

    #[test]
    fn missing_classes_and_unknown_labels_are_errors() {
        let mut e: Examples<2, 3, 8> = Examples::new();
        assert_eq!(e.push(ex(0.0, 0.0, 3)), Err(LearnError::UnknownClass { class: 3, classes: 3 }));
        e.push(ex(0.0, 0.0, 0)).unwrap();
        e.push(ex(1.0, 0.0, 0)).unwrap();
        e.push(ex(9.0, 1.0, 2)).unwrap();
        let mut work = [0.0; WORK];
        let mut scratch = [0.0; M::SCRATCH];
        let recipe = Recipe { holdout: Holdout::None, ..Recipe::ADAM };
        assert_eq!(
            learn::<Net, 2, 3, 8>(&e, &recipe, &mut work, &mut scratch).map(|_| ()),
            Err(LearnError::EmptyClass { class: 1 })
        );
        // One example of class 1 is enough, also with a holdout (a class's first example
        // is never held out).
        e.push(ex(5.0, 5.0, 1)).unwrap();
        assert!(learn::<Net, 2, 3, 8>(&e, &recipe, &mut work, &mut scratch).is_ok());
        assert!(learn::<Net, 2, 3, 8>(&e, &Recipe::ADAM, &mut work, &mut scratch).is_ok());
        let one: Examples<2, 1, 4> = Examples::new();
        let mut s1 = [0.0; 64];
        type Net1 = (Dense<2, 4, Tanh>, Dense<4, 1, Softmax>);
        let mut w1 = [0.0; work_len(Net1::PARAMS, Optimizer::ADAM)];
        assert_eq!(learn::<Net1, 2, 1, 4>(&one, &recipe, &mut w1, &mut s1).map(|_| ()), Err(LearnError::OneClass));
    }

    #[test]
    fn early_stopping_keeps_the_best_held_out_parameters() {
        // Three separable clusters with one mislabelled point per class: training drives
        // the training loss down while the held-out loss rises at some point.
        let mut e: Examples<2, 3, 64> = Examples::new();
        let mut rng = Rng::new(7);
        for i in 0..60 {
            let c = (i % 3) as u8;
            let centre = [(0.0, 0.0), (3.0, 0.0), (0.0, 3.0)][c as usize];
            let noisy = i % 10 == 9;
            let label = if noisy { (c + 1) % 3 } else { c };
            e.push(ex(centre.0 + rng.range(-1.2, 1.2), centre.1 + rng.range(-1.2, 1.2), label)).unwrap();
        }
        let recipe = Recipe { epochs: 300, patience: 10, ..Recipe::ADAM };
        let mut work = [0.0; WORK];
        let mut scratch = [0.0; M::SCRATCH];
        let (model, report) = learn::<Net, 2, 3, 64>(&e, &recipe, &mut work, &mut scratch).unwrap();
        assert_eq!((report.train_examples, report.held_out_examples), (48, 12));
        assert!(report.epochs < 300, "{report:?}");
        assert_eq!(report.epochs, report.best_epoch + 1 + 10);
        // The kept parameters give the reported held-out loss.
        let p = split::<_, 64>(&e, recipe.holdout).unwrap();
        let part = Part { data: &e, indices: p.held_out() };
        assert_eq!(Some(evaluate(&model, &part, Loss::SoftmaxCe, &mut scratch).unwrap()), report.held_out_loss);
        // Deterministic.
        let (again, _) = learn::<Net, 2, 3, 64>(&e, &recipe, &mut work, &mut scratch).unwrap();
        assert_eq!(again, model);
    }

    #[test]
    fn prediction_answers_unknown_below_the_threshold() {
        // A model of zeros: every class 1/3.
        let model = M::default();
        let mut scratch = [0.0; M::SCRATCH];
        let p = predict::<M, 3>(&model, &[1.0, 2.0], 0.5, &mut scratch).unwrap();
        assert_eq!((p.answer, p.best), (Answer::Unknown, 0));
        assert_eq!(p.probabilities, [1.0 / 3.0; 3]);
        let p = predict::<M, 3>(&model, &[1.0, 2.0], 0.3, &mut scratch).unwrap();
        assert_eq!(p.answer, Answer::Class(0));
        assert_eq!(
            predict::<M, 4>(&model, &[1.0, 2.0], 0.3, &mut scratch),
            Err(LearnError::Shape { expected: 4, found: 3 })
        );
    }

    #[test]
    fn confusion_counts_and_recall() {
        let mut c = Confusion::<3>::default();
        c.record(0, 0);
        c.record(0, 1);
        c.record(2, 2);
        c.record(7, 0);
        assert_eq!((c.total(), c.correct(), c.accuracy()), (3, 2, 2.0 / 3.0));
        assert_eq!(c.recall(), [Some(0.5), None, Some(1.0)]);
    }

    #[test]
    fn capped_push_keeps_classes_balanced() {
        let mut e: Examples<2, 2, 4> = Examples::new();
        for i in 0..5 {
            e.push_capped(ex(i as f32, 0.0, 0), 2).unwrap();
        }
        assert_eq!(e.counts(), [2, 0]);
        assert_eq!(e.as_slice()[0].features[0], 3.0);
        assert_eq!(e.push_overwriting(ex(9.0, 0.0, 1)).unwrap(), None);
        assert_eq!(e.push(ex(0.0, 0.0, 1)), Ok(()));
        assert_eq!(e.push(ex(0.0, 0.0, 1)), Err(LearnError::BufferFull));
        assert_eq!(e.push_overwriting(ex(1.0, 1.0, 1)).unwrap(), Some(ex(3.0, 0.0, 0)));
    }
}
