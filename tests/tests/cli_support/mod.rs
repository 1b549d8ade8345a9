//! Shared helpers of the `nn` end-to-end tests (tests/cli_*.rs): the binary, temporary
//! files, and the conversion of model files to the float64 reference of `nn_tests`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use nn_tests::{Act, Net};
use serde_json::Value;

/// The `nn` binary, built once per test process with the same profile and target
/// directory as the tests (`cargo test` does not build another package's binaries).
pub fn bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test executable's path");
        // <target>/<profile>/deps/<test>
        let profile_dir = exe.parent().and_then(Path::parent).expect("<target>/<profile>").to_path_buf();
        let target_dir = profile_dir.parent().expect("<target>").to_path_buf();
        let profile = profile_dir.file_name().and_then(|n| n.to_str()).unwrap_or("debug").to_string();
        let mut build = Command::new(env!("CARGO"));
        build.current_dir(env!("CARGO_MANIFEST_DIR")).args(["build", "--quiet", "-p", "nn-host-cli", "--bin", "nn"]);
        build.arg("--target-dir").arg(&target_dir);
        match profile.as_str() {
            "debug" => {}
            "release" => {
                build.arg("--release");
            }
            other => {
                build.args(["--profile", other]);
            }
        }
        let status = build.status().expect("cargo runs");
        assert!(status.success(), "cargo build -p nn-host-cli failed");
        profile_dir.join(format!("nn{}", std::env::consts::EXE_SUFFIX))
    })
}

/// A fresh `nn` command.
pub fn nn() -> assert_cmd::Command {
    assert_cmd::Command::new(bin())
}

/// A temporary directory, removed when dropped.
pub fn dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create a test directory");
    }
    std::fs::write(&path, text).expect("write a test file");
    path
}

/// The path as a string argument.
pub fn arg(path: &Path) -> String {
    path.display().to_string()
}

/// Standard output of a finished command as one JSON value.
pub fn json_of(output: &std::process::Output) -> Value {
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Standard error as text.
pub fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The activation name of the reference.
pub fn act_name(a: Act) -> &'static str {
    match a {
        Act::Identity => "identity",
        Act::Sigmoid => "sigmoid",
        Act::Tanh => "tanh",
        Act::Relu => "relu",
        Act::LeakyRelu => "leaky_relu",
        Act::Softmax => "softmax",
        Act::Step => "step",
    }
}

fn act_of(name: &str) -> Act {
    match name {
        "identity" => Act::Identity,
        "sigmoid" => Act::Sigmoid,
        "tanh" => Act::Tanh,
        "relu" => Act::Relu,
        "leaky_relu" => Act::LeakyRelu,
        "softmax" => Act::Softmax,
        "step" => Act::Step,
        other => panic!("unknown activation {other}"),
    }
}

/// The JSON model file of a reference network (values printed with Rust's shortest
/// round-trip formatting of the `f32` each parameter rounds to).
pub fn model_json(net: &Net) -> String {
    let layers: Vec<String> = net
        .layers
        .iter()
        .map(|l| {
            let rows: Vec<String> = l
                .weights
                .chunks(l.inputs)
                .map(|r| format!("[{}]", r.iter().map(|&v| format!("{:?}", v as f32)).collect::<Vec<_>>().join(", ")))
                .collect();
            let biases: Vec<String> = l.biases.iter().map(|&v| format!("{:?}", v as f32)).collect();
            format!(
                "{{\"activation\": \"{}\", \"weights\": [{}], \"biases\": [{}]}}",
                act_name(l.act),
                rows.join(", "),
                biases.join(", ")
            )
        })
        .collect();
    format!("{{\"format\": \"nn-model\", \"version\": 1, \"layers\": [\n  {}\n]}}\n", layers.join(",\n  "))
}

/// Reads a model file written by `nn` into the reference network (f32 values widened
/// exactly).
pub fn read_model(path: &Path) -> Net {
    let text = std::fs::read_to_string(path).expect("a model file");
    let v: Value = serde_json::from_str(&text).expect("JSON");
    let mut shape = Vec::new();
    let mut flat = Vec::new();
    for layer in v["layers"].as_array().expect("layers") {
        let rows = layer["weights"].as_array().expect("weights");
        let inputs = rows[0].as_array().expect("row").len();
        for r in rows {
            flat.extend(r.as_array().expect("row").iter().map(|x| x.as_f64().expect("number") as f32 as f64));
        }
        let biases = layer["biases"].as_array().expect("biases");
        flat.extend(biases.iter().map(|x| x.as_f64().expect("number") as f32 as f64));
        shape.push((inputs, rows.len(), act_of(layer["activation"].as_str().expect("activation"))));
    }
    Net::from_flat(&shape, &flat)
}

/// A list of layers from `nn gradcheck --json` ("analytic" or "numeric"), flattened in
/// nn-core's parameter order.
pub fn flat_layers(v: &Value) -> Vec<f64> {
    let mut flat = Vec::new();
    for layer in v.as_array().expect("layers") {
        for row in layer["weights"].as_array().expect("weights") {
            flat.extend(row.as_array().expect("row").iter().map(|x| x.as_f64().expect("number")));
        }
        flat.extend(layer["biases"].as_array().expect("biases").iter().map(|x| x.as_f64().expect("number")));
    }
    flat
}

/// A CSV data file: a header, then one line per sample (inputs, then targets).
pub fn data_csv(inputs: usize, outputs: usize, samples: &[(Vec<f64>, Vec<f64>)]) -> String {
    let mut header: Vec<String> = (1..=inputs).map(|i| format!("x{i}")).collect();
    header.extend((1..=outputs).map(|k| format!("t{k}")));
    let mut s = header.join(",") + "\n";
    for (x, t) in samples {
        let cells: Vec<String> = x.iter().chain(t).map(|v| format!("{:?}", *v as f32)).collect();
        s += &(cells.join(",") + "\n");
    }
    s
}
