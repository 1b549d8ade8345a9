//! `nn predict`: the model's outputs for every row of a data set, as CSV on stdout.

use std::io::Write;

use nn_core::{forward, Model};

use crate::data_file::{Classes, DataFile, Targets};
use crate::error::CliError;
use crate::metrics::{predicted_class, NonFiniteRow};
use crate::model_file::ModelFile;
use crate::options::{self, ModelData};

/// The shared arguments' help, as `nn predict` words it.
const HELP: &[(&str, &str)] = &[(
    "data",
    "The data set (CSV with a header row): the input columns, optionally followed by target columns, which \
     are ignored",
)];

/// Arguments of `nn predict`.
#[derive(Debug, clap::Args)]
#[command(mut_args(options::reword(HELP)))]
pub struct Args {
    /// The model and the data set.
    #[command(flatten)]
    pub files: ModelData,
    /// Print each row's input columns before its outputs.
    #[arg(long)]
    pub with_inputs: bool,
}

/// A CSV cell: quoted when it holds a comma, a quote or a line break.
fn cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Prints one CSV row of outputs per data row (each value the shortest decimal that
/// reads back as the same `f32`); for a classifier, then the predicted class (its name
/// when the model stores names) and its probability; with `--with-inputs`, the inputs
/// first.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<(), CliError> {
    let model = ModelFile::load(&args.files.model)?;
    let data = DataFile::load_with(
        &args.files.set.data,
        &model,
        Targets::Optional,
        &args.files.set.columns,
        Classes::FromModel,
    )?;
    let net = model.network()?;
    let mut names: Vec<String> = Vec::new();
    if args.with_inputs {
        names.extend(data.input_names.iter().map(|n| cell(n)));
    }
    names.extend((1..=model.outputs()).map(|k| format!("output{k}")));
    let classifier = model.classes().is_some();
    if classifier {
        names.extend(["class".to_string(), "probability".to_string()]);
    }
    // Every row is computed before the first is printed: a bad row leaves no partial CSV.
    let mut text = names.join(",");
    text.push('\n');
    let mut scratch = vec![0.0f32; net.scratch_len()];
    for (k, x) in data.inputs.chunks(data.input_width.max(1)).enumerate() {
        let y = forward(&net, x, &mut scratch).map_err(|e| CliError::bad(format!("{}: {e}", data.place(k))))?;
        if let Some(&value) = y.iter().find(|v| !v.is_finite()) {
            return Err(NonFiniteRow { row: k, what: "output", value }.error(&args.files.model, &data));
        }
        let mut row: Vec<String> = Vec::new();
        if args.with_inputs {
            row.extend(x.iter().map(f32::to_string));
        }
        row.extend(y.iter().map(f32::to_string));
        if let (true, Some((class, p))) = (classifier, predicted_class(y)) {
            row.extend([cell(&model.class_name(class)), p.to_string()]);
        }
        text.push_str(&row.join(","));
        text.push('\n');
    }
    write!(out, "{text}").map_err(CliError::stdout)?;
    Ok(())
}
