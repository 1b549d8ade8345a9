//! The command line's shared pieces: the argument groups several subcommands flatten in,
//! and the value parsers, each of which checks its range and says what was expected, so a
//! bad value ends in one clear line and exit code 2 (clap's usage error).

use std::path::PathBuf;

use nn_core::{Activation, Loss, Schedule};

use crate::data_file::{Classes, Columns, DataFile, Targets};
use crate::error::CliError;
use crate::model_file::{parse_f32, ModelFile};

/// `--data` and how its columns are read.
#[derive(Debug, Clone, clap::Args)]
pub struct DataSet {
    /// The data set (CSV with a header row: inputs, then targets).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// How the data set's columns are read.
    #[command(flatten)]
    pub columns: Columns,
}

/// `--model` and `--data`: what `nn predict` reads, and the base of [`Supervised`].
#[derive(Debug, Clone, clap::Args)]
pub struct ModelData {
    /// The model (JSON, or a binary from `nn export --format bin`).
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// The data set.
    #[command(flatten)]
    pub set: DataSet,
}

/// `--model`, `--data` and `--loss`: what `nn train`, `eval`, `gradcheck` and `hessian`
/// read. A subcommand that says more about one of them rewords its help with
/// `#[command(mut_args(options::reword(..)))]`; the names and value parsers stay the same
/// everywhere.
#[derive(Debug, Clone, clap::Args)]
pub struct Supervised {
    /// The model and the data set.
    #[command(flatten)]
    pub files: ModelData,
    /// The per-sample loss.
    #[arg(long, value_parser = loss, allow_hyphen_values = true)]
    pub loss: Loss,
}

/// Sets the help of the arguments named in `helps`, in place (clap's `mut_arg` would move
/// them to the end of the usage line).
pub fn reword(helps: &'static [(&'static str, &'static str)]) -> impl FnMut(clap::Arg) -> clap::Arg {
    move |arg| match helps.iter().find(|(id, _)| arg.get_id() == *id) {
        Some((_, help)) => arg.help(*help),
        None => arg,
    }
}

impl Supervised {
    /// Reads the model, checks that the loss suits its output layer, and reads the data
    /// set with the targets the loss needs.
    pub fn load(&self) -> Result<(ModelFile, DataFile), CliError> {
        let model = ModelFile::load(&self.files.model)?;
        model.check_loss(self.loss)?;
        let data = DataFile::load_with(
            &self.files.set.data,
            &model,
            Targets::For(self.loss),
            &self.files.set.columns,
            Classes::FromModel,
        )?;
        Ok((model, data))
    }
}

fn list<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> String {
    all.iter().map(|&x| name(x)).collect::<Vec<_>>().join(", ")
}

/// A loss by nn-core's name.
pub fn loss(s: &str) -> Result<Loss, String> {
    Loss::from_name(s).ok_or_else(|| format!("unknown loss; expected one of {}", list(&Loss::ALL, Loss::name)))
}

/// An activation by nn-core's name.
pub fn activation(s: &str) -> Result<Activation, String> {
    Activation::from_name(s).ok_or_else(|| {
        format!("unknown activation \"{s}\"; expected one of {}", list(&Activation::ALL, Activation::name))
    })
}

/// A comma-separated list of activations: `sigmoid,relu`.
pub fn activations(s: &str) -> Result<Vec<Activation>, String> {
    s.split(',').map(|a| activation(a.trim())).collect()
}

/// A comma-separated list of layer widths, input first: `2,4,1`.
pub fn widths(s: &str) -> Result<Vec<usize>, String> {
    let widths: Vec<usize> = s
        .split(',')
        .map(|w| match w.trim().parse::<usize>() {
            Ok(0) => Err("a layer width is 0; expected widths of at least 1, such as 2,4,1".to_string()),
            Ok(n) => Ok(n),
            Err(_) => Err(format!("\"{}\" is not a layer width; expected whole numbers such as 2,4,1", w.trim())),
        })
        .collect::<Result<_, _>>()?;
    if widths.len() < 2 {
        return Err("expected at least two widths (inputs and outputs), such as 2,1".into());
    }
    Ok(widths)
}

/// A finite `f32`.
pub fn finite_f32(s: &str) -> Result<f32, String> {
    parse_f32(s)
}

/// A positive, finite `f32` (learning rates, difference steps).
pub fn positive_f32(s: &str) -> Result<f32, String> {
    let v = parse_f32(s)?;
    if v > 0.0 {
        Ok(v)
    } else if v == 0.0 && s.trim().parse::<f64>().is_ok_and(|x| x > 0.0) {
        Err(format!("{} rounds to 0 in f32; expected a positive number of at least {:e}", s.trim(), f32::from_bits(1)))
    } else {
        Err("expected a positive number".into())
    }
}

/// A finite `f32` that is not negative (weight decay, clip norm, tolerances).
pub fn non_negative_f32(s: &str) -> Result<f32, String> {
    let v = parse_f32(s)?;
    if v >= 0.0 {
        Ok(v)
    } else {
        Err("expected a number that is not negative".into())
    }
}

/// A number in `[0, 1)` (momentum, Adam's betas).
pub fn unit_f32(s: &str) -> Result<f32, String> {
    let v = parse_f32(s)?;
    if (0.0..1.0).contains(&v) {
        Ok(v)
    } else {
        Err("expected a number from 0 up to (not including) 1".into())
    }
}

/// An epoch count: a whole number of at least 1.
pub fn epochs(s: &str) -> Result<u32, String> {
    match s.trim().parse::<i128>() {
        Ok(n) if n < 1 => Err("expected at least 1 epoch".into()),
        Ok(n) => u32::try_from(n).map_err(|_| format!("expected at most {} epochs", u32::MAX)),
        Err(_) => Err("expected a whole number of epochs, such as 100".into()),
    }
}

/// How many of the last layers to train (`--train-last`): a whole number of at least 1
/// (the model's depth is checked once it is loaded).
pub fn train_last(s: &str) -> Result<usize, String> {
    match s.trim().parse::<i128>() {
        Ok(n) if n < 1 => Err("expected at least 1 layer to train (0 would train nothing)".into()),
        Ok(n) => usize::try_from(n).map_err(|_| "expected at most the model's number of layers".into()),
        Err(_) => Err("expected a whole number of layers, such as 1".into()),
    }
}

/// A fraction strictly between 0 and 1 (`--validation-split`).
pub fn fraction(s: &str) -> Result<f32, String> {
    let v = parse_f32(s)?;
    if v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        Err("expected a fraction between 0 and 1 (not including either), such as 0.2".into())
    }
}

/// A patience: a whole number of epochs, at least 1.
pub fn patience(s: &str) -> Result<u32, String> {
    match s.trim().parse::<u32>() {
        Ok(0) => Err("a patience of 0 would stop after the first epoch; expected at least 1 epoch".into()),
        Ok(n) => Ok(n),
        Err(_) => Err("expected a whole number of epochs, at least 1, such as 10".into()),
    }
}

/// A batch size: a whole number, 0 meaning the whole data set.
pub fn batch_size(s: &str) -> Result<usize, String> {
    match s.trim().parse::<i128>() {
        Ok(n) if n < 0 => Err("a batch size cannot be negative; expected 0 (the whole data set), 1, 2, ...".into()),
        Ok(n) => usize::try_from(n).map_err(|_| "the batch size is too large".into()),
        Err(_) => Err("expected a whole number (0 = the whole data set, 1 = per-sample SGD)".into()),
    }
}

/// A time limit: a whole number of seconds from 1 to 86 400 (a day).
pub fn timeout_seconds(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n @ 1..=86_400) => Ok(n),
        _ => Err("expected a whole number of seconds from 1 to 86400".into()),
    }
}

/// A seed: a whole number from 0 to 2³² − 1.
pub fn seed(s: &str) -> Result<u32, String> {
    s.trim().parse::<u32>().map_err(|_| format!("expected a whole number from 0 to {}", u32::MAX))
}

/// A learning-rate schedule: `constant`, `step:EVERY:GAMMA`, `exponential:GAMMA` or
/// `inverse_time:DECAY`.
pub fn schedule(s: &str) -> Result<Schedule, String> {
    const FORMS: &str = "constant, step:EVERY:GAMMA, exponential:GAMMA or inverse_time:DECAY";
    let parts: Vec<&str> = s.split(':').map(str::trim).collect();
    let number = |t: &str| parse_f32(t);
    let schedule = match parts.as_slice() {
        ["constant"] => Schedule::Constant,
        ["step", every, gamma] => {
            let every = every.parse::<u32>().map_err(|_| {
                format!("EVERY in step:EVERY:GAMMA must be a whole number of epochs, found \"{every}\"")
            })?;
            Schedule::Step { every, gamma: number(gamma)? }
        }
        ["exponential" | "exp", gamma] => Schedule::Exponential { gamma: number(gamma)? },
        ["inverse_time", decay] => Schedule::InverseTime { decay: number(decay)? },
        _ => return Err(format!("unknown schedule; expected {FORMS}")),
    };
    schedule.validate().map_err(|_| match schedule {
        Schedule::Step { every: 0, .. } => "EVERY must be at least 1".to_string(),
        Schedule::InverseTime { .. } => "DECAY must not be negative".to_string(),
        _ => "GAMMA must be in (0, 1]".to_string(),
    })?;
    Ok(schedule)
}

/// The name of a schedule as the command line writes it.
pub fn schedule_text(s: Schedule) -> String {
    match s {
        Schedule::Constant => "constant".into(),
        Schedule::Step { every, gamma } => format!("step:{every}:{gamma}"),
        Schedule::Exponential { gamma } => format!("exponential:{gamma}"),
        Schedule::InverseTime { decay } => format!("inverse_time:{decay}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_checked() {
        assert_eq!(epochs("3"), Ok(3));
        assert!(epochs("0").is_err());
        assert!(epochs("-2").is_err());
        assert_eq!(batch_size("0"), Ok(0));
        assert!(batch_size("-1").unwrap_err().contains("negative"));
        assert!(positive_f32("0").is_err());
        assert!(positive_f32("nan").is_err());
        assert!(positive_f32("1e39").unwrap_err().contains("does not fit"));
        assert_eq!(widths("2, 4,1"), Ok(vec![2, 4, 1]));
        assert!(widths("2,0,1").is_err());
        assert!(widths("2").is_err());
        assert!(activations("sigmoid,gelu").unwrap_err().contains("gelu"));
        assert_eq!(fraction("0.25"), Ok(0.25));
        assert!(fraction("0").is_err() && fraction("1").is_err() && fraction("-0.5").is_err());
        assert_eq!(patience("5"), Ok(5));
        assert!(patience("0").unwrap_err().contains("at least 1"));
    }

    #[test]
    fn schedules() {
        assert_eq!(schedule("step:10:0.5"), Ok(Schedule::Step { every: 10, gamma: 0.5 }));
        assert_eq!(schedule("exponential:0.99"), Ok(Schedule::Exponential { gamma: 0.99 }));
        assert!(schedule("step:0:0.5").is_err());
        assert!(schedule("exponential:1.5").is_err());
        assert!(schedule("cosine").is_err());
        assert_eq!(schedule_text(Schedule::Step { every: 10, gamma: 0.5 }), "step:10:0.5");
    }
}
