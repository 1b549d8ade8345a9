//! `nn predict`: the model's outputs for every row of a data set, as CSV on stdout.

use std::io::Write;

use nn_core::{forward, Model};

use crate::data_file::{DataFile, Targets};
use crate::error::CliError;
use crate::metrics::NonFiniteRow;
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
}

/// Prints one CSV row of outputs per data row (each value the shortest decimal that
/// reads back as the same `f32`).
pub fn run(args: &Args, out: &mut dyn Write) -> Result<(), CliError> {
    let model = ModelFile::load(&args.files.model)?;
    let data = DataFile::load(&args.files.data, &model, Targets::Optional)?;
    let net = model.network()?;
    let names: Vec<String> = (1..=model.outputs()).map(|k| format!("output{k}")).collect();
    // Every row is computed before the first is printed: a bad row leaves no partial CSV.
    let mut text = names.join(",");
    text.push('\n');
    let mut scratch = vec![0.0f32; net.scratch_len()];
    for (k, x) in data.inputs.chunks(data.input_width.max(1)).enumerate() {
        let y = forward(&net, x, &mut scratch).map_err(|e| CliError::bad(format!("{}: {e}", data.place(k))))?;
        if let Some(&value) = y.iter().find(|v| !v.is_finite()) {
            return Err(NonFiniteRow { row: k, what: "output", value }.error(&args.files.model, &data));
        }
        let row: Vec<String> = y.iter().map(|v| v.to_string()).collect();
        text.push_str(&row.join(","));
        text.push('\n');
    }
    write!(out, "{text}").map_err(CliError::stdout)?;
    Ok(())
}
