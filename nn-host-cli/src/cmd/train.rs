//! `nn train`: trains a model on a CSV data set with nn-core's [`Trainer`], the same code
//! the device runs, and writes the trained model (and optionally a loss log and plot).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use std::sync::atomic::{AtomicBool, Ordering};

use nn_core::data::{Dataset, Samples};
use nn_core::suffix::{cache_outputs, Cached};
use nn_core::train::{evaluate, work_len, Progress, TrainConfig};
use nn_core::{Activation, Biases, Error, Loss, Model, Optimizer, Schedule, Trainer};

use nn_core::data::shuffle;
use nn_core::init::Rng;

use crate::cmd::init::Architecture;
use crate::data_file::{Classes, DataFile, Targets};
use crate::error::CliError;
use crate::model_file::{self, shorten, ModelFile, Network};
use crate::options::{self, DataSet};
use crate::output::{self, sig32};
use crate::{metrics, outln, plot};

/// The update rules, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OptimizerName {
    /// θ −= η g.
    Sgd,
    /// v = μ v + g, θ −= η v.
    Momentum,
    /// v = μ v + g, θ −= η (g + μ v).
    Nesterov,
    /// Adam with bias correction.
    Adam,
    /// AdamW (PyTorch's): w ← w·(1 − η·λ) with λ = --weight-decay, then the Adam step.
    Adamw,
    /// RMSProp (PyTorch's default form): v = α v + (1 − α) g², θ −= η g / (√v + ε).
    Rmsprop,
}

/// Arguments of `nn train`.
#[derive(Debug, clap::Args)]
#[command(mut_args(either_model_or_network))]
#[command(group(clap::ArgGroup::new("start").required(true).args(["model", "layers"])))]
pub struct Args {
    /// The model to start from (JSON, or a binary from `nn export --format bin`); or, instead,
    /// a new network drawn from --seed by --layers and --activations, as `nn init` does.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["layers", "activations", "init", "limit"])]
    pub model: Option<PathBuf>,
    /// A new network to train instead of --model.
    #[command(flatten)]
    pub network: Option<Architecture>,
    /// The data set and how its columns are read.
    #[command(flatten)]
    pub set: DataSet,
    /// The per-sample loss: mse, sse, half_sse, bce (sigmoid output) or softmax_ce (softmax
    /// output); a batch's loss is the mean over its samples.
    #[arg(long, value_parser = options::loss, allow_hyphen_values = true)]
    pub loss: Loss,
    /// The update rule.
    #[arg(long, value_enum, default_value_t = OptimizerName::Sgd)]
    pub optimizer: OptimizerName,
    /// Learning rate: positive and finite.
    #[arg(long, value_name = "RATE", value_parser = options::positive_f32, allow_hyphen_values = true)]
    pub lr: f32,
    /// Passes over the data set: at least 1.
    #[arg(long, value_name = "N", value_parser = options::epochs, allow_hyphen_values = true)]
    pub epochs: u32,
    /// Samples per update: 1 is per-sample SGD, 0 the whole data set in one batch.
    #[arg(long, value_name = "B", default_value = "1", value_parser = options::batch_size, allow_hyphen_values = true)]
    pub batch_size: usize,
    /// Momentum μ in [0, 1) for --optimizer momentum or nesterov [default: 0.9].
    #[arg(long, value_name = "M", value_parser = options::unit_f32, allow_hyphen_values = true)]
    pub momentum: Option<f32>,
    /// Adam's and AdamW's β₁ in [0, 1) [default: 0.9].
    #[arg(long, value_parser = options::unit_f32, allow_hyphen_values = true)]
    pub beta1: Option<f32>,
    /// Adam's and AdamW's β₂ in [0, 1) [default: 0.999].
    #[arg(long, value_parser = options::unit_f32, allow_hyphen_values = true)]
    pub beta2: Option<f32>,
    /// RMSProp's smoothing constant α in [0, 1) [default: 0.99].
    #[arg(long, value_parser = options::unit_f32, allow_hyphen_values = true)]
    pub alpha: Option<f32>,
    /// The ε of Adam, AdamW and RMSProp, positive [default: 1e-8].
    #[arg(long, value_parser = options::positive_f32, allow_hyphen_values = true)]
    pub epsilon: Option<f32>,
    /// Learning-rate schedule: constant, step:EVERY:GAMMA, exponential:GAMMA or
    /// inverse_time:DECAY.
    #[arg(long, default_value = "constant", value_parser = options::schedule, allow_hyphen_values = true)]
    pub schedule: Schedule,
    /// Weight decay λ of the weights (biases are not decayed): L2, added as λ·w to each
    /// weight's gradient; with --optimizer adamw decoupled, w ← w·(1 − lr·λ) each step,
    /// with lr·λ below 1 [default: 0, with adamw 0.01 as in PyTorch].
    #[arg(long, value_name = "W", value_parser = options::non_negative_f32, allow_hyphen_values = true)]
    pub weight_decay: Option<f32>,
    /// Clip each batch gradient to this global L2 norm; 0 turns clipping off.
    #[arg(long, value_name = "C", default_value = "0", value_parser = options::non_negative_f32, allow_hyphen_values = true)]
    pub clip_norm: f32,
    /// Seed of the shuffling (and, with --layers, of the new network's weights, as
    /// `nn init --seed`).
    #[arg(long, default_value = "0", value_parser = options::seed, allow_hyphen_values = true)]
    pub seed: u32,
    /// Take the samples in file order (otherwise they are shuffled every epoch from --seed).
    #[arg(long)]
    pub no_shuffle: bool,
    /// Leave the biases as they are.
    #[arg(long)]
    pub freeze_biases: bool,
    /// Train only the last K layers (fine-tuning), from 1 to the model's number of
    /// layers: the layers below keep their parameters, run forward once per sample, and
    /// their outputs are kept, so an epoch costs only the trained layers.
    #[arg(long, value_name = "K", value_parser = options::train_last, allow_hyphen_values = true)]
    pub train_last: Option<usize>,
    /// Standardise the inputs: store in the model an input-scaling stage of each input
    /// column's mean and standard deviation over the training data (scale 1 for a column
    /// that does not vary), replacing any stage the model had; every later `nn` command,
    /// export and the device apply it.
    #[arg(long)]
    pub standardize: bool,
    /// A validation set (CSV laid out like --data), scored after every epoch.
    #[arg(long, value_name = "FILE", conflicts_with = "validation_split")]
    pub validation: Option<PathBuf>,
    /// Hold out this fraction of --data, in (0, 1), for validation: chosen from --seed,
    /// stratified by class for a classifier.
    #[arg(long, value_name = "F", value_parser = options::fraction, allow_hyphen_values = true)]
    pub validation_split: Option<f32>,
    /// Stop when the validation loss has not improved for this many epochs (at least 1),
    /// and write the parameters of the best epoch.
    #[arg(long, value_name = "PATIENCE", value_parser = options::patience, allow_hyphen_values = true)]
    pub early_stopping: Option<u32>,
    /// Write the training (and validation) loss and accuracy of every epoch to this CSV
    /// file.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Plot the training (and validation) loss to this file: PNG for a name ending in
    /// .png, SVG for .svg.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Where to write the trained model (JSON).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// A model's loss (and accuracy, for a classifier) over a whole data set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// Mean loss over the samples.
    pub loss: f32,
    /// Correct predictions, for a classifier.
    pub accuracy: Option<metrics::Accuracy>,
}

/// What one epoch did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochRecord {
    /// Epoch number, from 1.
    pub epoch: u32,
    /// Mean over the samples of the loss each had just before its update (what the
    /// documents print as "the error in iteration N").
    pub loss: f32,
    /// The training set after the epoch, when something asked for it ([`Plan::track_training`]).
    pub train: Option<Score>,
    /// The validation set after the epoch, when there is one.
    pub validation: Option<Score>,
    /// The learning rate used.
    pub learning_rate: f32,
    /// Updates made so far.
    pub updates: u32,
}

/// Why training stopped early.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Divergence {
    /// The epoch in which it happened (from 1).
    pub epoch: u32,
    /// Updates made before it.
    pub updates: u32,
    /// nn-core's report.
    pub error: Error,
}

/// What [`fit`] watches besides the training itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Plan<'a> {
    /// Score the whole training set after every epoch (for a log, a plot or a table);
    /// otherwise no pass over the data is made beyond the updates.
    pub track_training: bool,
    /// Score this validation set after every epoch.
    pub validation: Option<&'a Samples<'a>>,
    /// Stop when the validation loss has not improved for this many epochs, and keep
    /// the parameters of the best epoch.
    pub patience: Option<u32>,
    /// Set (by Ctrl-C) to stop at the next batch boundary.
    pub stop: Option<&'a AtomicBool>,
    /// The model's classes, for accuracy.
    pub classes: Option<usize>,
    /// Train only this many of the last layers (fewer than the model has; `None` or the
    /// model's depth trains them all).
    pub train_last: Option<usize>,
}

/// Where a run stopped before its last epoch, other than by divergence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The validation loss did not improve for the patience.
    Early,
    /// Interrupted (Ctrl-C) in this epoch, at a batch boundary.
    Interrupted {
        /// The epoch under way.
        epoch: u32,
        /// Updates made.
        updates: u32,
    },
}

/// A training run's history.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The loss before any update, over the whole data set.
    pub initial_loss: f32,
    /// One record per completed epoch.
    pub epochs: Vec<EpochRecord>,
    /// Set when training stopped on a non-finite value.
    pub diverged: Option<Divergence>,
    /// The epoch with the lowest validation loss, and that loss.
    pub best: Option<(u32, f32)>,
    /// Whether the parameters are those of [`best`](Self::best) (early stopping).
    pub restored_best: bool,
    /// Set when training stopped early or was interrupted.
    pub stopped: Option<Stop>,
    /// Wall-clock time of the training loop.
    pub elapsed: Duration,
}

impl EpochRecord {
    /// The training set's loss after the epoch (NaN when it was not scored).
    pub fn train_loss(&self) -> f32 {
        self.train.map_or(f32::NAN, |s| s.loss)
    }
}

impl History {
    /// The losses per epoch (before each update), for plots.
    pub fn losses(&self) -> Vec<f32> {
        self.epochs.iter().map(|r| r.loss).collect()
    }
}

/// The loss and accuracy of `net` over `data`.
fn score(
    net: &Network,
    data: &Samples,
    loss: Loss,
    classes: Option<usize>,
    scratch: &mut [f32],
) -> Result<Score, Error> {
    let mean = evaluate(net, data, loss, scratch)?;
    let accuracy = match classes {
        Some(k) => Some(metrics::Confusion::of(net, data, k, scratch)?.accuracy()),
        None => None,
    };
    Ok(Score { loss: mean, accuracy })
}

/// Trains `net` on `data` for `epochs` epochs. On divergence the parameters are the last
/// finite ones, and [`History::diverged`] says where it happened; with a patience they
/// are the best epoch's. `on_epoch` sees every completed epoch.
pub fn fit(
    net: &mut Network,
    data: &Samples,
    config: TrainConfig,
    epochs: u32,
    plan: Plan,
    mut on_epoch: impl FnMut(&EpochRecord),
) -> Result<History, CliError> {
    let hyper = |e: Error| CliError::bad(format!("invalid training options: {e}"));
    let internal = |e: Error| CliError::bad(format!("the model and the data do not fit together: {e}"));
    let depth = net.depth();
    let trained = plan.train_last.filter(|&k| k < depth);
    // With a frozen part: its outputs for every sample, computed once.
    let mut rows = Vec::new();
    let trained_params = match trained {
        Some(k) => {
            let (frozen, trained) = net.split_last(k).map_err(hyper)?;
            rows = vec![0.0f32; data.len() * frozen.outputs()];
            let mut scratch = vec![0.0f32; frozen.scratch_len()];
            cache_outputs(&frozen, data, &mut rows, &mut scratch).map_err(internal)?;
            trained.param_count()
        }
        None => net.param_count(),
    };
    let cached = match trained {
        Some(_) => Some(Cached::new(&rows, data).map_err(internal)?),
        None => None,
    };
    let mut work = vec![0.0f32; work_len(trained_params, config.optimizer)];
    let mut trainer = match trained {
        Some(k) => Trainer::new(config, &net.split_last(k).map_err(hyper)?.1, &mut work),
        None => Trainer::new(config, &*net, &mut work),
    }
    .map_err(hyper)?;
    let mut order = vec![0u32; data.len()];
    let mut scratch = vec![0.0f32; net.scratch_len()];
    let initial_loss = evaluate(&*net, data, config.loss, &mut scratch).map_err(internal)?;
    if !initial_loss.is_finite() {
        return Err(CliError::bad(format!(
            "the model's loss on the data is {initial_loss} before any training: the inputs, targets or weights \
             are too large for f32"
        )));
    }
    let mut last_good = net.params().to_vec();
    let mut best_params: Option<Vec<f32>> = None;
    let mut since_best = 0u32;
    let mut history = History {
        initial_loss,
        epochs: Vec::new(),
        diverged: None,
        best: None,
        restored_best: false,
        stopped: None,
        elapsed: Duration::ZERO,
    };
    let stopping = || plan.stop.is_some_and(|s| s.load(Ordering::Relaxed));
    let started = Instant::now();
    for epoch in 1..=epochs {
        let result = match (trained, &cached) {
            (Some(k), Some(cached)) => {
                let (_, mut last) = net.split_last(k).map_err(hyper)?;
                trainer.epoch_until(&mut last, cached, &mut order, &mut scratch, stopping)
            }
            _ => trainer.epoch_until(&mut *net, data, &mut order, &mut scratch, stopping),
        };
        match result {
            // Ctrl-C, seen at a batch boundary: no update of that batch was applied.
            Ok(Progress::Stopped { .. }) => {
                history.stopped = Some(Stop::Interrupted { epoch, updates: trainer.updates() });
                break;
            }
            Ok(Progress::Done(report)) => {
                // nn-core's step writes only finite parameters after a finite loss; a
                // score that is not finite still means the model left f32's range.
                let mut watch = |set: Option<&Samples>| match set {
                    Some(set) => score(net, set, config.loss, plan.classes, &mut scratch).map(Some),
                    None => Ok(None),
                };
                let train = watch(plan.track_training.then_some(data)).map_err(internal)?;
                let validation = watch(plan.validation).map_err(internal)?;
                if train.iter().chain(&validation).any(|s| !s.loss.is_finite()) {
                    net.params_mut().copy_from_slice(&last_good);
                    history.diverged = Some(Divergence { epoch, updates: trainer.updates(), error: Error::NonFinite });
                    break;
                }
                last_good.copy_from_slice(net.params());
                let record = EpochRecord {
                    epoch,
                    loss: report.loss,
                    train,
                    validation,
                    learning_rate: report.learning_rate,
                    updates: trainer.updates(),
                };
                on_epoch(&record);
                history.epochs.push(record);
                if let Some(v) = validation {
                    if history.best.is_none_or(|(_, best)| v.loss < best) {
                        history.best = Some((epoch, v.loss));
                        since_best = 0;
                        if plan.patience.is_some() {
                            best_params = Some(net.params().to_vec());
                        }
                    } else {
                        since_best += 1;
                    }
                }
                if plan.patience.is_some_and(|p| since_best >= p) {
                    history.stopped = Some(Stop::Early);
                    break;
                }
                if stopping() {
                    history.stopped = Some(Stop::Interrupted { epoch: epoch + 1, updates: trainer.updates() });
                    break;
                }
            }
            Err(error @ Error::NonFinite) => {
                // nn-core wrote nothing for the failing step; keep the updates before it
                // if they still give a finite loss.
                let now = evaluate(&*net, data, config.loss, &mut scratch).map_err(internal)?;
                if !now.is_finite() {
                    net.params_mut().copy_from_slice(&last_good);
                }
                history.diverged = Some(Divergence { epoch, updates: trainer.updates(), error });
                break;
            }
            Err(e) => return Err(internal(e)),
        }
    }
    if let Some(best) = best_params {
        net.params_mut().copy_from_slice(&best);
        history.restored_best = true;
    }
    history.elapsed = started.elapsed();
    Ok(history)
}

fn optimizer(args: &Args) -> Result<Optimizer, CliError> {
    use OptimizerName::{Adam, Adamw, Momentum, Nesterov, Rmsprop, Sgd};
    let name = args.optimizer;
    let only = |given: bool, flags: &str, names: &[OptimizerName], which: &str| {
        if given && !names.contains(&name) {
            Err(CliError::bad(format!("{flags} only to --optimizer {which}")))
        } else {
            Ok(())
        }
    };
    only(args.momentum.is_some(), "--momentum applies", &[Momentum, Nesterov], "momentum or nesterov")?;
    only(args.beta1.is_some() || args.beta2.is_some(), "--beta1 and --beta2 apply", &[Adam, Adamw], "adam or adamw")?;
    only(args.alpha.is_some(), "--alpha applies", &[Rmsprop], "rmsprop")?;
    only(args.epsilon.is_some(), "--epsilon applies", &[Adam, Adamw, Rmsprop], "adam, adamw or rmsprop")?;
    let momentum = args.momentum.unwrap_or(0.9);
    let (beta1, beta2) = (args.beta1.unwrap_or(0.9), args.beta2.unwrap_or(0.999));
    let epsilon = args.epsilon.unwrap_or(1e-8);
    Ok(match name {
        Sgd => Optimizer::Sgd,
        Momentum => Optimizer::Momentum { momentum },
        Nesterov => Optimizer::Nesterov { momentum },
        Adam => Optimizer::Adam { beta1, beta2, epsilon },
        Adamw => Optimizer::AdamW { beta1, beta2, epsilon },
        Rmsprop => Optimizer::RmsProp { alpha: args.alpha.unwrap_or(0.99), epsilon },
    })
}

/// `--weight-decay`, or its default: PyTorch's 0.01 for AdamW, else none.
fn weight_decay(args: &Args) -> f32 {
    args.weight_decay.unwrap_or(if args.optimizer == OptimizerName::Adamw { 0.01 } else { 0.0 })
}

/// The loss log as CSV text: the epoch; the mean loss during it (each sample's before its
/// update); the training set's loss and accuracy after it; the validation set's, when
/// there is one; the learning rate; the updates so far. Accuracy columns are there for
/// classifiers.
pub fn log_csv(history: &History) -> String {
    let first = history.epochs.first();
    let accuracy = first.and_then(|r| r.train).is_some_and(|s| s.accuracy.is_some());
    let validation = first.is_some_and(|r| r.validation.is_some());
    let mut s = String::from("epoch,train_loss_during_epoch,train_loss");
    let columns = |s: &mut String, set: &str| {
        if accuracy {
            s.push_str(&format!(",{set}_accuracy"));
        }
    };
    columns(&mut s, "train");
    if validation {
        s.push_str(",validation_loss");
        columns(&mut s, "validation");
    }
    s.push_str(",learning_rate,updates\n");
    let cells = |row: &mut String, score: Option<Score>| {
        row.push_str(&format!(",{}", score.map_or(f32::NAN, |v| v.loss)));
        if accuracy {
            let a = score.and_then(|v| v.accuracy).map_or(f64::NAN, |a| a.fraction());
            row.push_str(&format!(",{a}"));
        }
    };
    for r in &history.epochs {
        s.push_str(&format!("{},{}", r.epoch, r.loss));
        cells(&mut s, r.train);
        if validation {
            cells(&mut s, r.validation);
        }
        s.push_str(&format!(",{},{}\n", r.learning_rate, r.updates));
    }
    s
}

/// `1 sample` / `4 samples`.
pub fn samples_text(n: usize) -> String {
    if n == 1 {
        "1 sample".into()
    } else {
        format!("{n} samples")
    }
}

fn progress_bar(epochs: u32) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar =
        indicatif::ProgressBar::with_draw_target(Some(u64::from(epochs)), indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:32.cyan/blue} epoch {pos}/{len}  loss {msg}  [{elapsed_precise} < {eta_precise}]",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

/// Set by Ctrl-C during `nn train`: training stops at the next batch boundary.
static STOP: AtomicBool = AtomicBool::new(false);

/// Splits `data` into training and validation rows: `fraction` of the rows (rounded) go
/// to validation, chosen by shuffling from `seed`; for a classifier each class gives its
/// share (largest remainders), as scikit-learn's stratified split does. Both keep file
/// order.
pub fn split(
    data: &DataFile,
    fraction: f32,
    seed: u32,
    classes: Option<usize>,
) -> Result<(DataFile, DataFile), CliError> {
    let n = data.len();
    let wanted = (f64::from(fraction) * n as f64).round() as usize;
    if wanted == 0 || wanted >= n {
        return Err(CliError::bad(format!(
            "--validation-split {fraction} of the {} in {} leaves {} for training and {wanted} for validation; \
             expected a fraction that leaves at least one sample on each side",
            samples_text(n),
            data.path.display(),
            n.saturating_sub(wanted)
        )));
    }
    let class_of = |r: usize| match (classes, data.target_width) {
        (Some(_), w) if w > 0 => data.targets.get(r * w..(r + 1) * w).and_then(metrics::true_class).unwrap_or(0),
        _ => 0,
    };
    let strata_count = classes.unwrap_or(1).max(1);
    let mut strata: Vec<Vec<u32>> = vec![Vec::new(); strata_count];
    for r in 0..n {
        if let Some(s) = strata.get_mut(class_of(r).min(strata_count - 1)) {
            s.push(r as u32);
        }
    }
    let exact: Vec<f64> = strata.iter().map(|s| f64::from(fraction) * s.len() as f64).collect();
    let mut quota: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut by_remainder: Vec<usize> = (0..strata_count).collect();
    by_remainder.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    let mut left = wanted.saturating_sub(quota.iter().sum());
    for k in by_remainder {
        if left == 0 {
            break;
        }
        if quota[k] < strata[k].len() {
            quota[k] += 1;
            left -= 1;
        }
    }
    let mut rng = Rng::new(seed);
    let mut validation: Vec<usize> = Vec::with_capacity(wanted);
    for (stratum, q) in strata.iter_mut().zip(quota) {
        shuffle(stratum, &mut rng);
        validation.extend(stratum.iter().take(q).map(|&r| r as usize));
    }
    validation.sort_unstable();
    let training: Vec<usize> = (0..n).filter(|r| validation.binary_search(r).is_err()).collect();
    Ok((data.subset(&training), data.subset(&validation)))
}

/// The data to train on and the validation data, if any, as the options ask.
fn datasets(args: &Args, model: &mut ModelFile) -> Result<(DataFile, Option<DataFile>), CliError> {
    let columns = &args.set.columns;
    let loss = args.loss;
    let data = DataFile::load_with(&args.set.data, model, Targets::For(loss), columns, Classes::Infer)?;
    if let Some(names) = &data.classes {
        model.meta.labels = Some(names.clone());
    }
    if args.early_stopping.is_some() && args.validation.is_none() && args.validation_split.is_none() {
        return Err(CliError::bad(
            "--early-stopping watches the validation loss; give a validation set with --validation FILE or \
             --validation-split F",
        ));
    }
    match (&args.validation, args.validation_split) {
        (Some(path), _) => {
            let v = DataFile::load_with(path, model, Targets::For(loss), columns, Classes::FromModel)?;
            if !columns.no_header && v.header != data.header {
                return Err(CliError::at(
                    path,
                    1,
                    1,
                    format!(
                        "the header ({}) differs from the training data's ({}) in {}; expected the same columns",
                        shorten(&v.header.join(","), 60),
                        shorten(&data.header.join(","), 60),
                        data.path.display()
                    ),
                ));
            }
            Ok((data, Some(v)))
        }
        (None, Some(fraction)) => {
            let (t, v) = split(&data, fraction, args.seed, model.classes())?;
            Ok((t, Some(v)))
        }
        (None, None) => Ok((data, None)),
    }
}

/// `loss 0.05, accuracy 98% (49 of 50)`.
fn score_text(score: Score) -> String {
    let accuracy = score.accuracy.map_or(String::new(), |a| format!(", accuracy {a}"));
    format!("loss {}{accuracy}", sig32(score.loss))
}

/// `--layers` and `--activations`, which `nn init` requires, are here needed only instead
/// of `--model`, and then together; `--init` and `--limit` only with them.
fn either_model_or_network(arg: clap::Arg) -> clap::Arg {
    match arg.get_id().as_str() {
        "layers" => arg.required(false).requires("activations"),
        "activations" => arg.required(false).requires("layers"),
        "init" | "limit" => arg.requires("layers"),
        _ => arg,
    }
}

/// The model to train and how to name it in messages: the `--model` file, or a new
/// network drawn from `--seed` as `nn init` draws it (the same function, so `nn train
/// --layers …` starts from the very parameters `nn init` would write).
fn start(args: &Args) -> Result<(ModelFile, String), CliError> {
    match (&args.model, &args.network) {
        (Some(path), _) => Ok((ModelFile::load(path)?, path.display().to_string())),
        (None, Some(arch)) => {
            let output = arch.activations.last().copied().unwrap_or(Activation::Identity);
            if !args.loss.accepts(output) {
                let needed = args.loss.required_activation().map_or("another", Activation::name);
                return Err(CliError::bad(format!(
                    "--activations: the output layer is {}, but --loss {} needs a {needed} output layer",
                    output.name(),
                    args.loss.name()
                )));
            }
            let (net, init) = arch.network(args.seed)?;
            let model = ModelFile::new(Path::new("--layers"), net.specs().to_vec(), net.params().to_vec());
            let source = format!("a new network ({} init, seed {})", init.name(), args.seed);
            Ok((model, source))
        }
        // clap requires one of the two.
        (None, None) => Err(CliError::bad("give --model FILE, or a new network with --layers and --activations")),
    }
}

/// Trains and writes the results.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<(), CliError> {
    let data_path = &args.set.data;
    let (mut model, source) = start(args)?;
    model.check_loss(args.loss)?;
    let (data, validation) = datasets(args, &mut model)?;
    let config = TrainConfig {
        loss: args.loss,
        optimizer: optimizer(args)?,
        learning_rate: args.lr,
        schedule: args.schedule,
        weight_decay: weight_decay(args),
        clip_norm: args.clip_norm,
        batch_size: args.batch_size,
        shuffle: !args.no_shuffle,
        biases: if args.freeze_biases { Biases::Frozen } else { Biases::Train },
        seed: args.seed,
    };
    config.validate().map_err(|e| CliError::bad(format!("invalid training options: {e}")))?;
    let outputs: Vec<&Path> =
        [Some(args.out.as_path()), args.log.as_deref(), args.plot.as_deref()].into_iter().flatten().collect();
    output::check_distinct(&[
        ("--out", Some(args.out.as_path())),
        ("--log", args.log.as_deref()),
        ("--plot", args.plot.as_deref()),
    ])?;
    for path in &outputs {
        output::check_writable(path)?;
    }
    if let Some(path) = &args.plot {
        plot::Format::of(path)?;
    }
    if args.standardize {
        model.meta.scaling = Some(data.standardize()?);
    }
    let mut net = model.network()?;
    if let Some(k) = args.train_last {
        if k > net.depth() {
            return Err(CliError::bad(format!(
                "--train-last {k}: {} has {}; expected 1 to {}",
                source,
                model_file::count(net.depth(), "layer"),
                net.depth()
            )));
        }
    }
    let samples = data.samples()?;
    let validation_samples = validation.as_ref().map(DataFile::samples).transpose()?;
    let batch = match args.batch_size {
        0 => format!("full batch ({})", samples_text(data.len())),
        1 => "batch 1 (per-sample)".into(),
        b => format!("batch {b}"),
    };
    // Ctrl-C stops at the next batch boundary; a handler set by an earlier run in this
    // process already sets the same flag.
    STOP.store(false, Ordering::Relaxed);
    let _ = ctrlc::set_handler(|| STOP.store(true, Ordering::Relaxed));
    outln!(
        out,
        "training {source}: {} on {}: {}{}; {}, {} lr {}{}, {batch}, {}{}{}",
        model.describe(),
        data_path.display(),
        samples_text(data.len()),
        match &validation {
            Some(v) if args.validation.is_some() =>
                format!(", validating on {} ({})", v.path.display(), samples_text(v.len())),
            Some(v) => format!(" (and {} held out for validation)", samples_text(v.len())),
            None => String::new(),
        },
        args.loss.name(),
        config.optimizer.name(),
        args.lr,
        match args.schedule {
            Schedule::Constant => String::new(),
            s => format!(" ({})", options::schedule_text(s)),
        },
        model_file::count(args.epochs as usize, "epoch"),
        if args.no_shuffle { ", in file order" } else { ", shuffled" },
        if args.freeze_biases { ", biases frozen" } else { "" },
    );
    if let Some(k) = args.train_last.filter(|&k| k < net.depth()) {
        let frozen = match net.depth() - k {
            1 => "layer 1 is frozen".to_string(),
            f => format!("layers 1 to {f} are frozen"),
        };
        outln!(out, "training only the last {k} of the {} layers; {frozen}", net.depth());
    }
    if let Some(names) = &data.classes {
        outln!(out, "classes (from the label column): {}", names.join(", "));
    }
    if let (true, Some(stage)) = (args.standardize, &model.meta.scaling) {
        let pairs: Vec<String> = data
            .input_names
            .iter()
            .zip(stage.mean().iter().zip(stage.scale()))
            .map(|(name, (&m, &s))| format!("{name} ({} ± {})", sig32(m), sig32(s)))
            .collect();
        outln!(out, "standardized inputs (mean ± scale over the training data): {}", pairs.join(", "));
    }
    if args.batch_size > data.len() {
        outln!(
            out,
            "warning: --batch-size {} is larger than the {}; each update uses all of them (as --batch-size 0)",
            args.batch_size,
            samples_text(data.len())
        );
    }
    if model.specs.iter().any(|s| s.activation == Activation::Step) {
        outln!(out, "note: step layers pass no gradient (their derivative is 0): gradient training leaves the weights below and into them unchanged");
    }
    let bar = progress_bar(args.epochs);
    let plan = Plan {
        track_training: args.log.is_some() || args.plot.is_some(),
        validation: validation_samples.as_ref(),
        patience: args.early_stopping,
        stop: Some(&STOP),
        classes: model.classes(),
        train_last: args.train_last,
    };
    let history = fit(&mut net, &samples, config, args.epochs, plan, |r| {
        if let Some(bar) = &bar {
            bar.set_position(u64::from(r.epoch));
            bar.set_message(sig32(r.loss));
        }
    })
    .map_err(|e| match e {
        CliError::BadInput(m) => {
            // Where the starting parameters first fail on the data, if they do.
            let first = model.network().ok().and_then(|n| metrics::first_non_finite(&n, &data, Some(args.loss)));
            let place = match first {
                Some(r) => format!(" (first at {}, data row {}: {} {})", data.place(r.row), r.row + 1, r.what, r.value),
                None => String::new(),
            };
            CliError::bad(format!("{source} on {}: {m}{place}", data_path.display()))
        }
        other => other,
    })?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }

    model_file::save_with(&args.out, &net, &model.meta)?;
    if let Some(path) = &args.log {
        output::write_atomic(path, log_csv(&history).as_bytes())?;
    }
    if let Some(path) = &args.plot {
        let title = format!("{source} on {}", data_path.display());
        let train: Vec<f32> = history.epochs.iter().map(EpochRecord::train_loss).collect();
        let valid: Vec<f32> = history.epochs.iter().filter_map(|r| r.validation.map(|v| v.loss)).collect();
        let mut series = vec![plot::Series { name: "training loss", losses: &train }];
        if !valid.is_empty() {
            series.push(plot::Series { name: "validation loss", losses: &valid });
        }
        plot::loss_plot(path, &title, &series)?;
    }

    let mut scratch = vec![0.0f32; net.scratch_len()];
    let classes = model.classes();
    let final_score = |set: &Samples, scratch: &mut [f32]| {
        score(&net, set, args.loss, classes, scratch).unwrap_or(Score { loss: f32::NAN, accuracy: None })
    };
    let train_score = final_score(&samples, &mut scratch);
    let done = history.epochs.len();
    let updates = history.epochs.last().map_or(0, |r| r.updates);
    let last_epoch =
        history.epochs.last().map_or(String::new(), |r| format!(" ({} during the last epoch)", sig32(r.loss)));
    outln!(
        out,
        "done: {done} epoch{}, {updates} update{} in {}; {} loss {} → {}{last_epoch}{}",
        if done == 1 { "" } else { "s" },
        if updates == 1 { "" } else { "s" },
        output::seconds(history.elapsed),
        args.loss.name(),
        sig32(history.initial_loss),
        sig32(train_score.loss),
        train_score.accuracy.map_or(String::new(), |a| format!("; accuracy {a}")),
    );
    if let Some(v) = &validation_samples {
        let best =
            history.best.map_or(String::new(), |(e, l)| format!("; best validation loss {} at epoch {e}", sig32(l)));
        outln!(out, "validation: {}{best}", score_text(final_score(v, &mut scratch)));
    }
    if history.stopped == Some(Stop::Early) {
        outln!(
            out,
            "early stopping: the validation loss did not improve for {}; stopped after epoch {done}",
            model_file::count(args.early_stopping.unwrap_or(0) as usize, "epoch")
        );
    }
    if let (true, Some((epoch, _))) = (history.restored_best, history.best) {
        outln!(out, "{} holds the parameters of epoch {epoch}, the best on the validation set", args.out.display());
    }
    for path in &outputs {
        outln!(out, "wrote {}", path.display());
    }
    if let Some(d) = history.diverged {
        return Err(CliError::Diverged(format!(
            "training diverged in epoch {} after {} ({}); the last good parameters (loss {}) are in {}; \
             try a smaller --lr or a --clip-norm",
            d.epoch,
            model_file::count(d.updates as usize, "update"),
            d.error,
            sig32(train_score.loss),
            args.out.display()
        )));
    }
    if !train_score.loss.is_finite() {
        // Without a per-epoch score nothing looked at the whole data set between the
        // updates (each of which nn-core checked); the final score is that look.
        return Err(CliError::Diverged(format!(
            "after epoch {done} the {} loss over {} is {}: the parameters written to {} overflow f32 on the data; \
             try a smaller --lr or a --clip-norm",
            args.loss.name(),
            data_path.display(),
            train_score.loss,
            args.out.display()
        )));
    }
    if let Some(Stop::Interrupted { epoch, updates }) = history.stopped {
        let which = match (history.restored_best, history.best) {
            (true, Some((best, _))) => format!("the parameters of epoch {best}, the best on the validation set,"),
            _ => "the parameters at the last batch boundary".to_string(),
        };
        return Err(CliError::Interrupted(format!(
            "interrupted in epoch {epoch} after {}; {which} are in {}",
            model_file::count(updates as usize, "update"),
            args.out.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model_file::ModelFile;

    const SOFTMAX: &str = r#"{"format": "nn-model", "version": 1, "layers": [
        {"activation": "softmax", "weights": [[1], [2]], "biases": [0, 0]}]}"#;

    fn labelled(rows: &str) -> (ModelFile, DataFile) {
        let model = ModelFile::from_json(Path::new("m.json"), SOFTMAX).unwrap();
        let data = crate::data_file::parse(Path::new("d.csv"), rows, &model, Targets::For(Loss::SoftmaxCe)).unwrap();
        (model, data)
    }

    #[test]
    fn no_pass_over_the_data_is_made_that_nobody_asked_for() {
        let (model, data) = labelled("x,class\n0,0\n1,1\n2,1\n-1,0\n");
        let samples = data.samples().unwrap();
        let config = TrainConfig::sgd(Loss::SoftmaxCe, 0.1);
        let mut net = model.network().unwrap();
        let quiet = fit(&mut net, &samples, config, 3, Plan::default(), |_| {}).unwrap();
        assert_eq!(quiet.epochs.len(), 3);
        assert!(quiet.epochs.iter().all(|r| r.train.is_none() && r.validation.is_none()));
        let mut again = model.network().unwrap();
        let plan = Plan { track_training: true, classes: Some(2), ..Plan::default() };
        let watched = fit(&mut again, &samples, config, 3, plan, |_| {}).unwrap();
        assert!(watched.epochs.iter().all(|r| r.train.is_some_and(|s| s.accuracy.is_some())));
        // Watching changes nothing about the training itself.
        assert_eq!(net.params(), again.params());
        assert_eq!(quiet.losses(), watched.losses());
    }

    #[test]
    fn a_split_is_stratified_seeded_and_in_file_order() {
        // 8 of class 0, 4 of class 1: a quarter held out is 2 and 1.
        let rows: String = (0..12).map(|k| format!("{k},{}\n", u8::from(k % 3 == 2))).collect();
        let (_, data) = labelled(&format!("x,class\n{rows}"));
        let (train, validation) = split(&data, 0.25, 5, Some(2)).unwrap();
        assert_eq!((train.len(), validation.len()), (9, 3));
        let ones = |d: &DataFile| d.targets.chunks(2).filter(|t| t[1] == 1.0).count();
        assert_eq!((ones(&train), ones(&validation)), (3, 1));
        assert!(validation.lines.windows(2).all(|w| w[0] < w[1]) && train.lines.windows(2).all(|w| w[0] < w[1]));
        let mut all: Vec<usize> = train.lines.iter().chain(&validation.lines).copied().collect();
        all.sort_unstable();
        assert_eq!(all, data.lines);
        let (_, same) = split(&data, 0.25, 5, Some(2)).unwrap();
        assert_eq!(same.lines, validation.lines);
        let e = split(&data, 0.01, 5, Some(2)).unwrap_err().to_string();
        assert!(e.contains("leaves 12 for training and 0 for validation"), "{e}");
    }
}
