//! `nn init`: a new model with seeded random weights, written as a JSON model file;
//! with `--standardize DATA`, behind the input scaling that standardises DATA's inputs
//! (computed by the code `nn train --standardize` runs, [`DataFile::standardize`]).

use std::io::Write;
use std::path::PathBuf;

use nn_core::init::{Init, Rng};
use nn_core::model::check_specs;
use nn_core::{Activation, LayerSpec, Mlp, MAX_LAYERS};

use crate::data_file::{Classes, Columns, DataFile, Targets};
use crate::error::CliError;
use crate::model_file::{self, MAX_PARAMS};
use crate::{options, outln, output};

/// How the weights are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InitName {
    /// Glorot/Xavier uniform, biases zero (sigmoid, tanh).
    Xavier,
    /// He/Kaiming uniform, biases zero (relu).
    He,
    /// Every weight and bias uniform in ±limit.
    Uniform,
}

/// `--layers`, `--activations`, `--init` and `--limit`: a new network, as `nn init` draws
/// it; `nn train` takes the same group instead of `--model` (one command from data to a
/// trained model).
#[derive(Debug, Clone, clap::Args)]
pub struct Architecture {
    /// Layer widths, input first: 2,4,1 is 2 inputs, 4 hidden neurons, 1 output.
    #[arg(long, value_name = "W,W,...", value_parser = options::widths, allow_hyphen_values = true)]
    pub layers: ::std::vec::Vec<usize>,
    /// One activation per layer after the input, such as sigmoid,sigmoid (identity,
    /// sigmoid, tanh, relu, leaky_relu, softmax, step).
    #[arg(long, value_name = "A,A,...", value_parser = options::activations, allow_hyphen_values = true)]
    pub activations: ::std::vec::Vec<Activation>,
    /// How the weights are drawn [default: xavier].
    #[arg(long, value_enum)]
    pub init: Option<InitName>,
    /// Half-width of the interval for --init uniform [default: 0.5].
    #[arg(long, value_parser = options::positive_f32, allow_hyphen_values = true)]
    pub limit: Option<f32>,
}

impl Architecture {
    /// The network these options describe, its weights drawn from `seed`; every option is
    /// checked first, with a message naming it.
    pub fn network(&self, seed: u32) -> Result<(model_file::Layers, Init), CliError> {
        let layers = self.layers.len() - 1;
        if self.activations.len() != layers {
            return Err(CliError::bad(format!(
                "--activations has {} names, expected {layers} (one per layer after the input: --layers {})",
                self.activations.len(),
                self.layers.iter().map(usize::to_string).collect::<Vec<_>>().join(",")
            )));
        }
        if layers > MAX_LAYERS {
            return Err(CliError::bad(format!(
                "--layers gives {layers} layers; nn-core networks have at most {MAX_LAYERS}"
            )));
        }
        let init = self.init.unwrap_or(InitName::Xavier);
        if init != InitName::Uniform && self.limit.is_some() {
            return Err(CliError::bad("--limit applies only to --init uniform"));
        }
        if let Some(l) =
            self.layers.iter().skip(1).zip(&self.activations).position(|(&w, &a)| a == Activation::Softmax && w == 1)
        {
            return Err(CliError::bad(format!("--activations: layer {}: {}", l + 1, model_file::SOFTMAX_OF_ONE)));
        }
        let specs: Vec<LayerSpec> =
            self.layers.windows(2).zip(&self.activations).map(|(w, &a)| LayerSpec::new(w[0], w[1], a)).collect();
        // Counted with checked arithmetic first: widths near usize::MAX would overflow.
        let count = specs
            .iter()
            .try_fold(0usize, |sum, s| s.inputs.checked_mul(s.outputs)?.checked_add(s.outputs)?.checked_add(sum));
        match count {
            Some(count) if count <= MAX_PARAMS => {}
            Some(count) => {
                return Err(CliError::bad(format!(
                    "--layers gives {count} parameters; at most {MAX_PARAMS} are supported"
                )))
            }
            None => {
                return Err(CliError::bad(format!(
                    "--layers gives more parameters than this computer can count; at most {MAX_PARAMS} are supported"
                )))
            }
        }
        let count = check_specs(&specs).map_err(|e| CliError::bad(format!("--layers: {e}")))?;
        let mut net = Mlp::new(specs, vec![0.0f32; count]).map_err(|e| CliError::bad(format!("--layers: {e}")))?;
        let init = match init {
            InitName::Xavier => Init::Xavier,
            InitName::He => Init::He,
            InitName::Uniform => Init::Uniform { limit: self.limit.unwrap_or(0.5) },
        };
        init.apply(&mut net, &mut Rng::new(seed));
        Ok((net, init))
    }
}

/// Arguments of `nn init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The network.
    #[command(flatten)]
    pub network: Architecture,
    /// Seed of the random generator.
    #[arg(long, default_value = "0", value_parser = options::seed, allow_hyphen_values = true)]
    pub seed: u32,
    /// Store an input scaling computed from this data set (CSV, as for `nn train`): each
    /// input's mean and standard deviation, as `nn train --standardize` computes them, so
    /// that `nn train` without the flag trains behind it.
    #[arg(long, value_name = "DATA")]
    pub standardize: Option<PathBuf>,
    /// How the columns of the --standardize data are read.
    #[command(flatten)]
    pub columns: Columns,
    /// Where to write the model (JSON).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// Writes the new model.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<(), CliError> {
    if args.standardize.is_none() && args.columns != Columns::default() {
        return Err(CliError::bad("--no-header and --target describe the --standardize data; give --standardize DATA"));
    }
    let (net, init) = args.network.network(args.seed)?;
    let mut standardized = None;
    let mut file = model_file::ModelFile::new(&args.out, net.specs().to_vec(), net.params().to_vec());
    if let Some(path) = &args.standardize {
        // Text class labels are read (not refused) but not stored: `nn train` infers them.
        let data = DataFile::load_with(path, &file, Targets::Optional, &args.columns, Classes::Infer)?;
        let stage = data.standardize()?;
        let pairs: Vec<String> = data
            .input_names
            .iter()
            .zip(stage.mean().iter().zip(stage.scale()))
            .map(|(name, (&m, &s))| format!("{name} ({} ± {})", output::sig32(m), output::sig32(s)))
            .collect();
        standardized =
            Some(format!("standardized inputs (mean ± scale over {}): {}", path.display(), pairs.join(", ")));
        file.meta.scaling = Some(stage);
    }
    model_file::save_with(&args.out, &net, &file.meta)?;
    outln!(out, "wrote {}: {}, {} init, seed {}", args.out.display(), file.describe(), init.name(), args.seed);
    if let Some(line) = standardized {
        outln!(out, "{line}");
    }
    Ok(())
}
