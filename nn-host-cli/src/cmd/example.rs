//! `nn example`: replays the worked examples of the seed documents (`shared/seeds/`)
//! step by step through nn-core, with the correct numbers, and marks each place where a
//! document's printed value or formula is wrong — the findings of `docs/errata.md`.
//!
//! Marks: `✓` the document is right here, `✗` it prints a wrong value or formula, `~` a
//! rounding, a notation slip or an ambiguity that changes no result.

use std::fmt::Display;
use std::io::Write;
use std::path::PathBuf;

use nn_core::{forward, gradient, Activation, LayerSpec, Loss, Mlp, Model};

use crate::error::CliError;
use crate::model_file::{self, Network};
use crate::{outln, output};

mod doc000;
mod doc001;
mod doc002;
mod doc003;
mod doc004;

/// Arguments of `nn example`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The example to replay (all of them when omitted); see --list.
    pub name: Option<String>,
    /// List the examples.
    #[arg(long, conflicts_with = "name")]
    pub list: bool,
    /// Also write the example's model (JSON) and data (CSV) into this directory, with
    /// the `nn train` command that reproduces it.
    #[arg(long, value_name = "DIR")]
    pub write: Option<PathBuf>,
}

/// The files that reproduce an example with `nn train` (or another subcommand).
pub struct Files {
    /// Base name of the files (`mazur` gives mazur.json and mazur.csv).
    pub stem: &'static str,
    /// The model.
    pub model: Network,
    /// The CSV text.
    pub csv: &'static str,
    /// The command, with `{model}`, `{data}` and `{out}` for the paths.
    pub command: &'static str,
}

impl Files {
    /// The files of a network with `layers` and `params` (see [`network`]) trained or
    /// checked on `csv` by `command`.
    pub fn new(
        stem: &'static str,
        layers: &[(usize, usize, Activation)],
        params: &[f32],
        csv: &'static str,
        command: &'static str,
    ) -> Result<Self, CliError> {
        Ok(Files { stem, model: network(layers, params)?, csv, command })
    }
}

/// One worked example.
pub struct Example {
    /// Its name on the command line.
    pub name: &'static str,
    /// The seed document.
    pub document: &'static str,
    /// What it shows.
    pub title: &'static str,
    run: fn(&mut Page) -> Result<(), CliError>,
    files: Option<fn() -> Result<Files, CliError>>,
}

/// Every example, in document order.
pub const EXAMPLES: [Example; 8] = [
    Example {
        name: "000-linear",
        document: "000_111e86fcf945d229.txt",
        title: "house-price linear unit, three gradient steps",
        run: doc000::linear,
        files: Some(doc000::linear_files),
    },
    Example {
        name: "000-sigmoid",
        document: "000_111e86fcf945d229.txt",
        title: "2-2-1 sigmoid house-price network on raw inputs (saturation)",
        run: doc000::sigmoid,
        files: None,
    },
    Example {
        name: "000-quadratic",
        document: "000_111e86fcf945d229.txt",
        title: "gradient, Hessian, Taylor expansion and a Newton step of a quadratic",
        run: doc000::quadratic,
        files: None,
    },
    Example {
        name: "001",
        document: "001_6f65e6c7fd2612b0.txt",
        title: "y = wx + b, two samples, per-sample gradient descent",
        run: doc001::line,
        files: Some(doc001::line_files),
    },
    Example {
        name: "002",
        document: "002_7ff3c9615e5d84ba.txt",
        title: "MSE of a table; 2-2-1 sigmoid network at x = (-2, 5): forward pass and chain rule",
        run: doc002::chain_rule,
        files: Some(doc002::network_files),
    },
    Example {
        name: "003",
        document: "003_783ff7436b544122.txt",
        title: "forward-difference gradients (update_weights) against backprop",
        run: doc003::differences,
        files: None,
    },
    Example {
        name: "004-scalar",
        document: "004_9af596b53e16acbe.txt",
        title: "f(x) = wx at several learning rates",
        run: doc004::scalar,
        files: Some(doc004::scalar_files),
    },
    Example {
        name: "004-mazur",
        document: "004_9af596b53e16acbe.txt",
        title: "Mazur's 2-2-2 network: one step, then 10,000 steps with frozen biases",
        run: doc004::mazur,
        files: Some(doc004::mazur_files),
    },
];

/// Output with the marks used by every example.
pub struct Page<'o> {
    out: &'o mut dyn Write,
}

impl Page<'_> {
    /// A line of text.
    pub fn line(&mut self, text: impl Display) -> Result<(), CliError> {
        outln!(self.out, "{text}");
        Ok(())
    }

    /// An empty line.
    pub fn blank(&mut self) -> Result<(), CliError> {
        outln!(self.out);
        Ok(())
    }

    /// `✓`: the document is right here.
    pub fn right(&mut self, at: &str, what: impl Display) -> Result<(), CliError> {
        self.line(format!("    ✓ {what} — as the document says ({at})"))
    }

    /// `✗`: the document prints a wrong value or formula.
    pub fn wrong(&mut self, at: &str, printed: impl Display, why: impl Display) -> Result<(), CliError> {
        self.line(format!("    ✗ document prints {printed} ({at}): {why}"))
    }

    /// `~`: a rounding, notation slip or ambiguity that changes no result.
    pub fn minor(&mut self, at: &str, what: impl Display) -> Result<(), CliError> {
        self.line(format!("    ~ {what} ({at})"))
    }
}

/// An nn-core failure inside an example (a bug, never the user's input).
pub fn core(e: nn_core::Error) -> CliError {
    CliError::bad(format!("nn-core failed in the example: {e}"))
}

/// A network from `(inputs, outputs, activation)` per layer and the flat parameters.
pub fn network(layers: &[(usize, usize, Activation)], params: &[f32]) -> Result<Network, CliError> {
    let specs = layers.iter().map(|&(i, o, a)| LayerSpec::new(i, o, a)).collect();
    Mlp::new(specs, params.to_vec()).and_then(crate::model_file::unscaled).map_err(core)
}

/// The outputs of every layer for input `x`, read from nn-core's forward scratch (the
/// outputs of every layer, in layer order; see `nn_core::kernel`).
pub fn layer_outputs(net: &Network, x: &[f32]) -> Result<Vec<Vec<f32>>, CliError> {
    let mut scratch = vec![0.0f32; net.scratch_len()];
    forward(net, x, &mut scratch).map_err(core)?;
    let mut start = 0;
    let mut layers = Vec::new();
    for l in 0..net.depth() {
        let n = net.spec(l).outputs;
        layers.push(scratch[start..start + n].to_vec());
        start += n;
    }
    Ok(layers)
}

/// The pre-activations `z` of layer `l` for the layer's input `a`: the same layer with
/// the identity activation, run forward by nn-core.
pub fn pre_activations(net: &Network, l: usize, a: &[f32]) -> Result<Vec<f32>, CliError> {
    let spec = net.spec(l);
    let mut params = net.weights(l).to_vec();
    params.extend_from_slice(net.biases(l));
    let linear = network(&[(spec.inputs, spec.outputs, Activation::Identity)], &params)?;
    let mut scratch = vec![0.0f32; linear.scratch_len()];
    Ok(forward(&linear, a, &mut scratch).map_err(core)?.to_vec())
}

/// One sample's loss and gradient (nn-core's backprop), in the flat parameter order.
pub fn loss_and_gradient(net: &Network, x: &[f32], t: &[f32], loss: Loss) -> Result<(f32, Vec<f32>), CliError> {
    let mut scratch = vec![0.0f32; net.scratch_len()];
    let mut grads = vec![0.0f32; net.param_count()];
    let value = gradient(net, (x, t), loss, &mut scratch, &mut grads).map_err(core)?;
    Ok((value, grads))
}

/// An `f32` for people: 6 significant digits.
pub fn f(x: f32) -> String {
    output::sig32(x)
}

fn find(name: &str) -> Result<&'static Example, CliError> {
    EXAMPLES.iter().find(|e| e.name == name).ok_or_else(|| {
        let names: Vec<_> = EXAMPLES.iter().map(|e| e.name).collect();
        CliError::bad(format!(
            "unknown example \"{name}\"; expected one of {} (see nn example --list)",
            names.join(", ")
        ))
    })
}

fn write_files(example: &Example, dir: &std::path::Path, page: &mut Page) -> Result<(), CliError> {
    let Some(make) = example.files else {
        return page.line(format!("(example {} has no files to write: it is not a training run)", example.name));
    };
    let files = make()?;
    if !dir.is_dir() {
        return Err(CliError::in_file(dir, "is not a directory; expected an existing directory for --write"));
    }
    let model = dir.join(format!("{}.json", files.stem));
    let data = dir.join(format!("{}.csv", files.stem));
    let trained = dir.join(format!("{}-trained.json", files.stem));
    model_file::save(&model, &files.model)?;
    output::write_atomic(&data, files.csv.as_bytes())?;
    let command = files
        .command
        .replace("{model}", &model.display().to_string())
        .replace("{data}", &data.display().to_string())
        .replace("{out}", &trained.display().to_string());
    page.line(format!("wrote {} and {}; reproduce with:", model.display(), data.display()))?;
    page.line(format!("  {command}"))
}

/// Lists or replays.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<(), CliError> {
    let mut page = Page { out };
    if args.list {
        for e in &EXAMPLES {
            page.line(format!("{:<14} {} (seed document {})", e.name, e.title, e.document))?;
        }
        return Ok(());
    }
    let chosen: Vec<&Example> = match &args.name {
        Some(name) => vec![find(name)?],
        None => EXAMPLES.iter().collect(),
    };
    // A --write directory that cannot take the files fails before anything is printed.
    if let Some(dir) = &args.write {
        if !dir.is_dir() {
            return Err(CliError::in_file(dir, "is not a directory; expected an existing directory for --write"));
        }
        output::check_writable(&dir.join("nn-example.json"))?;
    }
    for (k, e) in chosen.iter().enumerate() {
        if k > 0 {
            page.blank()?;
        }
        page.line(format!("══ {} — {} ══", e.name, e.title))?;
        page.line(format!("seed document {}; line numbers below are the document's (Lnn)", e.document))?;
        page.blank()?;
        (e.run)(&mut page)?;
        if let Some(dir) = &args.write {
            page.blank()?;
            write_files(e, dir, &mut page)?;
        }
    }
    Ok(())
}
