//! Arbitrary bytes as a CSV data file, through the CLI's loader (`DataFile::from_bytes`)
//! against one of three models and each way a command reads targets. It never panics; a
//! refusal is one line that names the file; whatever it accepts has at least one row,
//! rows of the model's widths, only finite values, targets that suit the loss, and a
//! line number per row.
#![no_main]

mod common;

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nn_core::Loss;
use nn_host_cli::data_file::{DataFile, Targets};
use nn_host_cli::model_file::ModelFile;

const MODELS: [&str; 3] = [
    // 2-2-1 sigmoid (mse, bce)
    r#"{"format": "nn-model", "version": 1, "layers": [
      {"activation": "sigmoid", "weights": [[0.1, 0.2], [0.3, 0.4]], "biases": [0.0, 0.1]},
      {"activation": "sigmoid", "weights": [[0.5, 0.6]], "biases": [0.2]}]}"#,
    // 2-3 softmax (softmax_ce: one-hot columns or a class label)
    r#"{"format": "nn-model", "version": 1, "layers": [
      {"activation": "softmax", "weights": [[1, 2], [3, 4], [5, 6]], "biases": [0, 0, 0]}]}"#,
    // 1-1 identity (sse)
    r#"{"format": "nn-model", "version": 1, "layers": [
      {"activation": "identity", "weights": [[2]], "biases": [-3]}]}"#,
];

fn models() -> &'static [ModelFile] {
    static M: OnceLock<Vec<ModelFile>> = OnceLock::new();
    M.get_or_init(|| MODELS.iter().map(|t| ModelFile::from_json(Path::new("m.json"), t).unwrap()).collect())
}

fuzz_target!(|input: &[u8]| {
    let Some((&selector, bytes)) = input.split_first() else { return };
    let model = &models()[usize::from(selector % 3)];
    let want = match (selector % 3, (selector / 3) % 3) {
        (_, 0) => Targets::Optional,
        (0, 1) => Targets::For(Loss::Bce),
        (0, _) => Targets::For(Loss::Mse),
        (1, _) => Targets::For(Loss::SoftmaxCe),
        (_, _) => Targets::For(Loss::Sse),
    };
    let path = Path::new("fuzz.csv");
    let data = match DataFile::from_bytes(path, bytes, model, want) {
        Ok(data) => data,
        Err(e) => return common::assert_refusal(&e, "fuzz.csv"),
    };
    let n = data.len();
    assert!(n > 0, "an accepted file has a row");
    assert_eq!(data.input_width, model.inputs());
    assert_eq!(data.inputs.len(), n * data.input_width);
    assert_eq!(data.targets.len(), n * data.target_width);
    assert!(data.inputs.iter().chain(&data.targets).all(|v| v.is_finite()), "a non-finite value was accepted");
    assert_eq!(data.lines.len(), n, "one line number per row");
    assert!(data.lines.windows(2).all(|w| w[0] < w[1]), "line numbers go up: {:?}", data.lines);
    if let Targets::For(loss @ (Loss::Bce | Loss::SoftmaxCe)) = want {
        assert!(data.targets.iter().all(|t| (0.0..=1.0).contains(t)), "{} targets outside [0, 1]", loss.name());
    }
    if let Targets::For(_) = want {
        assert_eq!(data.target_width, model.outputs());
    }
    if data.has_targets() {
        data.samples().expect("accepted data with targets make samples");
    }
});
