//! `nn train`: trains a model on a CSV data set with nn-core's [`Trainer`], the same code
//! the device runs, and writes the trained model (and optionally a loss log and plot).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nn_core::data::{Dataset, Samples};
use nn_core::train::{evaluate, work_len, TrainConfig};
use nn_core::{Activation, Biases, Error, Model, Optimizer, Schedule, Trainer};

use crate::error::CliError;
use crate::model_file::{self, Network};
use crate::options::{self, Supervised};
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
}

/// The shared arguments' help, as `nn train` words it.
const HELP: &[(&str, &str)] = &[
    ("model", "The model to start from (JSON, or a binary from `nn export --format bin`)"),
    (
        "loss",
        "The per-sample loss: mse, sse, half_sse, bce (sigmoid output) or softmax_ce (softmax output); a batch's \
     loss is the mean over its samples",
    ),
];

/// Arguments of `nn train`.
#[derive(Debug, clap::Args)]
#[command(mut_args(options::reword(HELP)))]
pub struct Args {
    /// The model, the data set and the loss.
    #[command(flatten)]
    pub input: Supervised,
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
    /// Adam's β₁ in [0, 1) [default: 0.9].
    #[arg(long, value_parser = options::unit_f32, allow_hyphen_values = true)]
    pub beta1: Option<f32>,
    /// Adam's β₂ in [0, 1) [default: 0.999].
    #[arg(long, value_parser = options::unit_f32, allow_hyphen_values = true)]
    pub beta2: Option<f32>,
    /// Adam's ε, positive [default: 1e-8].
    #[arg(long, value_parser = options::positive_f32, allow_hyphen_values = true)]
    pub epsilon: Option<f32>,
    /// Learning-rate schedule: constant, step:EVERY:GAMMA, exponential:GAMMA or
    /// inverse_time:DECAY.
    #[arg(long, default_value = "constant", value_parser = options::schedule, allow_hyphen_values = true)]
    pub schedule: Schedule,
    /// L2 weight decay λ (added as λ·w to each weight's gradient; biases are not decayed).
    #[arg(long, value_name = "W", default_value = "0", value_parser = options::non_negative_f32, allow_hyphen_values = true)]
    pub weight_decay: f32,
    /// Clip each batch gradient to this global L2 norm; 0 turns clipping off.
    #[arg(long, value_name = "C", default_value = "0", value_parser = options::non_negative_f32, allow_hyphen_values = true)]
    pub clip_norm: f32,
    /// Seed of the shuffling.
    #[arg(long, default_value = "0", value_parser = options::seed, allow_hyphen_values = true)]
    pub seed: u32,
    /// Take the samples in file order (otherwise they are shuffled every epoch from --seed).
    #[arg(long)]
    pub no_shuffle: bool,
    /// Leave the biases as they are.
    #[arg(long)]
    pub freeze_biases: bool,
    /// Write the loss of every epoch to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Write a plot of the loss to this SVG file.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Where to write the trained model (JSON).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// What one epoch did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochRecord {
    /// Epoch number, from 1.
    pub epoch: u32,
    /// Mean over the samples of the loss each had just before its update (what the
    /// documents print as "the error in iteration N").
    pub loss: f32,
    /// Mean loss over the whole data set after the epoch.
    pub eval_loss: f32,
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

/// A training run's history.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The loss before any update, over the whole data set.
    pub initial_loss: f32,
    /// One record per completed epoch.
    pub epochs: Vec<EpochRecord>,
    /// Set when training stopped on a non-finite value.
    pub diverged: Option<Divergence>,
    /// Wall-clock time of the training loop.
    pub elapsed: Duration,
}

impl History {
    /// The losses per epoch (before each update), for plots.
    pub fn losses(&self) -> Vec<f32> {
        self.epochs.iter().map(|r| r.loss).collect()
    }
}

/// Trains `net` on `data` for `epochs` epochs. On divergence the parameters are the last
/// ones whose loss over the data set is finite, and [`History::diverged`] says where it
/// happened. `on_epoch` sees every completed epoch.
pub fn fit(
    net: &mut Network,
    data: &Samples,
    config: TrainConfig,
    epochs: u32,
    mut on_epoch: impl FnMut(&EpochRecord),
) -> Result<History, CliError> {
    let hyper = |e: Error| CliError::bad(format!("invalid training options: {e}"));
    let mut work = vec![0.0f32; work_len(net.param_count(), config.optimizer)];
    let mut trainer = Trainer::new(config, &*net, &mut work).map_err(hyper)?;
    let mut order = vec![0u32; data.len()];
    let mut scratch = vec![0.0f32; net.scratch_len()];
    let internal = |e: Error| CliError::bad(format!("the model and the data do not fit together: {e}"));
    let initial_loss = evaluate(&*net, data, config.loss, &mut scratch).map_err(internal)?;
    if !initial_loss.is_finite() {
        return Err(CliError::bad(format!(
            "the model's loss on the data is {initial_loss} before any training: the inputs, targets or weights \
             are too large for f32"
        )));
    }
    let mut last_good = net.params().to_vec();
    let mut history = History { initial_loss, epochs: Vec::new(), diverged: None, elapsed: Duration::ZERO };
    let started = Instant::now();
    for epoch in 1..=epochs {
        match trainer.epoch(&mut *net, data, &mut order, &mut scratch) {
            Ok(report) => {
                let eval_loss = evaluate(&*net, data, config.loss, &mut scratch).map_err(internal)?;
                if !eval_loss.is_finite() {
                    net.params_mut().copy_from_slice(&last_good);
                    history.diverged = Some(Divergence { epoch, updates: trainer.updates(), error: Error::NonFinite });
                    break;
                }
                last_good.copy_from_slice(net.params());
                let record = EpochRecord {
                    epoch,
                    loss: report.loss,
                    eval_loss,
                    learning_rate: report.learning_rate,
                    updates: trainer.updates(),
                };
                on_epoch(&record);
                history.epochs.push(record);
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
    history.elapsed = started.elapsed();
    Ok(history)
}

fn optimizer(args: &Args) -> Result<Optimizer, CliError> {
    let adam_only = args.beta1.is_some() || args.beta2.is_some() || args.epsilon.is_some();
    if adam_only && args.optimizer != OptimizerName::Adam {
        return Err(CliError::bad("--beta1, --beta2 and --epsilon apply only to --optimizer adam"));
    }
    let momentum = args.momentum.unwrap_or(0.9);
    Ok(match args.optimizer {
        OptimizerName::Sgd | OptimizerName::Adam if args.momentum.is_some() => {
            return Err(CliError::bad("--momentum applies only to --optimizer momentum or nesterov"))
        }
        OptimizerName::Sgd => Optimizer::Sgd,
        OptimizerName::Momentum => Optimizer::Momentum { momentum },
        OptimizerName::Nesterov => Optimizer::Nesterov { momentum },
        OptimizerName::Adam => Optimizer::Adam {
            beta1: args.beta1.unwrap_or(0.9),
            beta2: args.beta2.unwrap_or(0.999),
            epsilon: args.epsilon.unwrap_or(1e-8),
        },
    })
}

/// The loss log as CSV text.
pub fn log_csv(history: &History) -> String {
    let mut s = String::from("epoch,loss,eval_loss,learning_rate,updates\n");
    for r in &history.epochs {
        s.push_str(&format!("{},{},{},{},{}\n", r.epoch, r.loss, r.eval_loss, r.learning_rate, r.updates));
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

/// Trains and writes the results.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<(), CliError> {
    let (model, data) = args.input.load()?;
    let (model_path, data_path) = (&args.input.files.model, &args.input.files.data);
    let config = TrainConfig {
        loss: args.input.loss,
        optimizer: optimizer(args)?,
        learning_rate: args.lr,
        schedule: args.schedule,
        weight_decay: args.weight_decay,
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
    let mut net = model.network()?;
    let samples = data.samples()?;
    let batch = match args.batch_size {
        0 => format!("full batch ({})", samples_text(data.len())),
        1 => "batch 1 (per-sample)".into(),
        b => format!("batch {b}"),
    };
    outln!(
        out,
        "training {}: {} on {}: {}; {}, {} lr {}{}, {batch}, {}{}{}",
        model_path.display(),
        model.describe(),
        data_path.display(),
        samples_text(data.len()),
        args.input.loss.name(),
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
    if model.specs.iter().any(|s| s.activation == Activation::Step) {
        outln!(out, "note: step layers pass no gradient (their derivative is 0): gradient training leaves the weights below and into them unchanged");
    }
    let bar = progress_bar(args.epochs);
    let history = fit(&mut net, &samples, config, args.epochs, |r| {
        if let Some(bar) = &bar {
            bar.set_position(u64::from(r.epoch));
            bar.set_message(sig32(r.loss));
        }
    })
    .map_err(|e| match e {
        CliError::BadInput(m) => {
            // Where the starting parameters first fail on the data, if they do.
            let first = model.network().ok().and_then(|n| metrics::first_non_finite(&n, &data, Some(args.input.loss)));
            let place = match first {
                Some(r) => format!(" (first at {}, data row {}: {} {})", data.place(r.row), r.row + 1, r.what, r.value),
                None => String::new(),
            };
            CliError::bad(format!("{} on {}: {m}{place}", model_path.display(), data_path.display()))
        }
        other => other,
    })?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }

    model_file::save(&args.out, &net)?;
    if let Some(path) = &args.log {
        output::write_atomic(path, log_csv(&history).as_bytes())?;
    }
    if let Some(path) = &args.plot {
        let title = format!("{} on {}", model_path.display(), data_path.display());
        plot::loss_svg(path, &title, &[plot::Series { name: "training loss", losses: &history.losses() }])?;
    }

    let mut scratch = vec![0.0f32; net.scratch_len()];
    let final_loss = evaluate(&net, &samples, args.input.loss, &mut scratch).unwrap_or(f32::NAN);
    let accuracy = metrics::accuracy(&net, &data)?;
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
        args.input.loss.name(),
        sig32(history.initial_loss),
        sig32(final_loss),
        accuracy.map_or(String::new(), |a| format!("; accuracy {a}")),
    );
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
            sig32(final_loss),
            args.out.display()
        )));
    }
    Ok(())
}
