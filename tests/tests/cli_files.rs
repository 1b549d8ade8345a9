//! Bad input, end to end: every bad file, value or option ends with exit code 2 and one
//! line on stderr that names the file, the line and column, and what was expected —
//! never a panic, a hang, or a partial or empty output file. Also `nn init`, divergence
//! (exit 3, last good parameters kept) and the atomic outputs.

mod cli_support;

use cli_support::{dir, nn, stderr_of, write};

const MODEL: &str = r#"{"format": "nn-model", "version": 1, "layers": [
  {"activation": "sigmoid", "weights": [[0.1, 0.2], [0.3, 0.4]], "biases": [0.0, 0.1]},
  {"activation": "sigmoid", "weights": [[0.5, 0.6]], "biases": [0.2]}
]}
"#;
const DATA: &str = "x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n";
const SOFTMAX: &str = r#"{"format": "nn-model", "version": 1, "layers": [
  {"activation": "softmax", "weights": [[1, 2], [3, 4], [5, 6]], "biases": [0, 0, 0]}]}"#;

const TRAIN: &[&str] = &[
    "train", "--model", "m.json", "--data", "d.csv", "--loss", "mse", "--lr", "0.5", "--epochs", "2", "--out",
    "out.json",
];

/// Runs `args` in a directory holding the good model and data plus `files`, and checks
/// exit code 2, a single `error:` line containing every `expect`, and no output left.
fn bad(files: &[(&str, &[u8])], args: &[&str], expect: &[&str]) -> String {
    let d = dir();
    write(d.path(), "m.json", MODEL);
    write(d.path(), "d.csv", DATA);
    for (name, bytes) in files {
        write(d.path(), name, bytes);
    }
    let before: Vec<_> = std::fs::read_dir(d.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    let output = nn().current_dir(d.path()).args(args).timeout(std::time::Duration::from_secs(60)).output().unwrap();
    let err = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?}: exit {:?}, stderr {err}", output.status.code());
    assert_eq!(err.lines().count(), 1, "{args:?}: one line expected:\n{err}");
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    for e in expect {
        assert!(err.contains(e), "{args:?}: stderr should contain {e:?}:\n{err}");
    }
    assert!(output.stdout.is_empty() || !String::from_utf8_lossy(&output.stdout).contains("wrote"), "{args:?}");
    let after: Vec<_> = std::fs::read_dir(d.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(before.len(), after.len(), "{args:?}: files left behind: {after:?}");
    err
}

fn with(args: &[&str], replace: &str, by: &str) -> Vec<String> {
    let mut out: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let k = out.iter().position(|a| a == replace).expect("flag present");
    out[k + 1] = by.to_string();
    out
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn bad_model_files() {
    fn model(text: &str) -> Vec<(&'static str, &[u8])> {
        vec![("bad.json", text.as_bytes())]
    }
    let args = with(TRAIN, "--model", "bad.json");
    let args = strs(&args);
    bad(
        &[],
        &strs(&with(TRAIN, "--model", "nope.json")),
        &["nope.json: cannot read the file: no such file or directory"],
    );
    bad(&model(""), &args, &["bad.json: the file is empty"]);
    bad(
        &model("{\"format\": \"nn-model\", \"version\": 1, \"layers\": [\n  {\"activation\": \"sig"),
        &args,
        &["bad.json:2:", "ends early"],
    );
    bad(&[("bad.json", b"\x89PNG\r\n\x1a\n\0\0\0")], &args, &["bad.json:1:1: byte 0x89 at offset 0", "binary file"]);
    bad(
        &model(&MODEL.replace("nn-model", "keras")),
        &args,
        &["bad.json:1:12: format: is \"keras\", expected \"nn-model\""],
    );
    bad(
        &model(&MODEL.replace("\"version\": 1", "\"version\": 3")),
        &args,
        &["bad.json:1:35: version: is 3; this nn reads version 1, 2"],
    );
    bad(
        &model(&MODEL.replacen("sigmoid", "gelu", 1)),
        &args,
        &["bad.json:2:18: layers[0].activation: unknown activation \"gelu\"", "expected one of identity"],
    );
    bad(
        &model(&MODEL.replace("[[0.5, 0.6]]", "[[0.5, 0.6, 0.7]]")),
        &args,
        &["bad.json:3:41: layers[1].weights[0]: has 3 weights, expected 2", "layer 0 has 2 neurons"],
    );
    bad(
        &model(&MODEL.replace("[0.0, 0.1]", "[0.0]")),
        &args,
        &["bad.json:2:76: layers[0].biases: has 1 value, expected 2"],
    );
    bad(
        &model(&MODEL.replace("0.3, 0.4", "0.3")),
        &args,
        &["bad.json:2:53: layers[0].weights[1]: has 1 weight, expected 2"],
    );
    bad(
        &model(&MODEL.replace("0.3,", "\"x\",")),
        &args,
        &["bad.json:2:54: layers[0].weights[1][0]: is a string, expected a number"],
    );
    bad(
        &model(&MODEL.replace("0.3,", "1e39,")),
        &args,
        &["bad.json:2:54: layers[0].weights[1][0]: 1e39 does not fit in f32"],
    );
    bad(
        &model(&MODEL.replace("0.3,", "1e999,")),
        &args,
        &["bad.json:2:54: layers[0].weights[1][0]: 1e999 does not fit in f32"],
    );
    bad(&model("[1, 2]"), &args, &["bad.json:1:1: is an array, expected an object"]);
    bad(
        &model(&MODEL.replace("\"biases\": [0.2]", "\"bias\": [0.2]")),
        &args,
        &["bad.json:3:54: layers[1]: unknown key \"bias\""],
    );
    bad(&model(&MODEL.replace("\"layers\": [", "\"layers\": [], \"x\": [")), &args, &["unknown key \"x\""]);
    bad(
        &model("{\"format\": \"nn-model\", \"version\": 1, \"layers\": []}"),
        &args,
        &["bad.json:1:48: layers: is empty; expected at least one layer"],
    );
    bad(&model("{\"format\": \"nn-model\", \"version\": 1}"), &args, &["bad.json:1:1: missing the key \"layers\""]);
    bad(&model(&format!("{MODEL} trailing")), &args, &["bad.json:5:2: trailing characters"]);
    bad(&[("sub/.keep", b"")], &strs(&with(TRAIN, "--model", "sub")), &["sub: is a directory"]);
}

#[test]
fn bad_binary_models() {
    let d = dir();
    write(d.path(), "m.json", MODEL);
    nn().current_dir(d.path())
        .args(["export", "--model", "m.json", "--format", "bin", "--out", "m.bin"])
        .assert()
        .success();
    let mut bytes = std::fs::read(d.path().join("m.bin")).unwrap();
    let n = bytes.len();
    bytes[n - 7] ^= 0x40;
    let e = bad(
        &[("bad.bin", &bytes)],
        &strs(&with(TRAIN, "--model", "bad.bin")),
        &["bad.bin: not a valid nn-core binary model: checksum mismatch"],
    );
    assert!(!e.contains(':') || e.contains("bad.bin"));
    bad(
        &[("bad.bin", &bytes[..12])],
        &strs(&with(TRAIN, "--model", "bad.bin")),
        &["bad.bin: not a valid nn-core binary model: needs"],
    );
}

#[test]
fn bad_data_files() {
    let data = |text: &str| vec![("bad.csv", text.as_bytes().to_vec())];
    let args = with(TRAIN, "--data", "bad.csv");
    let args = strs(&args);
    let run = |files: Vec<(&str, Vec<u8>)>, args: &[&str], expect: &[&str]| {
        let files: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        bad(&files, args, expect);
    };
    run(
        vec![],
        &strs(&with(TRAIN, "--data", "nope.csv")),
        &["nope.csv: cannot read the file: no such file or directory"],
    );
    run(data(""), &args, &["bad.csv: the file is empty; expected a header row and at least one data row"]);
    run(data("x1,x2,y\n"), &args, &["bad.csv:2:1: the file has a header row but no data rows"]);
    run(data("# only a comment\n"), &args, &["bad.csv: the file has no rows"]);
    run(
        data("x1,x2,y\n0,0,0\n0,1\n"),
        &args,
        &["bad.csv:3:4: the row has 2 values, expected 3 like the header (x1,x2,y)"],
    );
    run(data("x1,x2,y\n0,0,0,9\n"), &args, &["bad.csv:2:7: the row has 4 values"]);
    run(
        data("x1,x2,y\n0,0,0\n0, abc,1\n"),
        &args,
        &["bad.csv:3:3: \"abc\" is not a number; expected a decimal number such as 0.5 or -1e-3 (column \"x2\", data row 2)"],
    );
    run(data("x1,x2,y\n0,inf,0\n"), &args, &["bad.csv:2:3: inf is not finite"]);
    run(
        data("x1,x2,y\n0,NaN,0\n"),
        &args,
        &["bad.csv:2:3: NaN is not a number; expected a finite number (column \"x2\", data row 1)"],
    );
    run(data("x1,x2,y\n0,-4e38,0\n"), &args, &["bad.csv:2:3: -4e38 does not fit in f32"]);
    run(data("x1,x2,y\n0,,0\n"), &args, &["bad.csv:2:3: the cell is empty"]);
    run(data("x1,x2,y\n1,2,3\nx,1,1\n"), &args, &["bad.csv:3:1: \"x\" is not a number"]);
    run(vec![("bad.csv", b"x1,x2,y\n0,\xff\xfe,1\n".to_vec())], &args, &["bad.csv:2:3: byte 0xff", "binary file"]);
    run(vec![("bad.csv", b"x1,x2,y\n0,\0,1\n".to_vec())], &args, &["bad.csv:2:3: byte 0x00"]);
    run(
        data("x1,y\n0,1\n"),
        &args,
        &[
            "bad.csv:1:1: the header has 2 columns (x1,y), expected 3 (2 inputs, then 1 target)",
            "2-2-1 network in m.json",
        ],
    );
    run(data("0,0,0\n1,1,0\n"), &args, &["bad.csv:1:1: the first row holds numbers (0,0,0); expected a header row"]);
    run(
        data("x1,x2,y\n0,0,2\n"),
        &strs(&with(&args, "--loss", "bce")),
        &["bad.csv:2:5: target 2 is outside [0, 1]; bce needs probabilities"],
    );
    run(data("é,x2,y\n0,0,0\n0,\"é\",1\n"), &args, &["bad.csv:3:3: \"é\" is not a number"]);
    run(vec![("sub/.keep", vec![])], &strs(&with(TRAIN, "--data", "sub")), &["sub: is a directory"]);
}

#[test]
fn class_labels_and_softmax_targets() {
    let m = vec![("s.json", SOFTMAX.as_bytes())];
    let args = ["eval", "--model", "s.json", "--data", "bad.csv", "--loss", "softmax_ce"];
    let mut files = m.clone();
    files.push(("bad.csv", b"a,b,class\n1,2,3\n"));
    bad(&files, &args, &["bad.csv:2:5: class label 3 is not one of 0..2"]);
    let mut files = m.clone();
    files.push(("bad.csv", b"a,b,class\n1,2,1.5\n"));
    bad(&files, &args, &["bad.csv:2:5: class label 1.5 is not one of 0..2"]);
    let mut files = m.clone();
    files.push(("bad.csv", b"a,b,p,q,r\n1,2,0.5,0.2,0.2\n"));
    bad(&files, &args, &["bad.csv:2:5: the targets of data row 1 sum to 0.9"]);
    let mut files = m.clone();
    files.push(("bad.csv", b"a,b,p,q\n1,2,0.5,0.5\n"));
    bad(
        &files,
        &args,
        &[
            "bad.csv:1:1: the header has 4 columns",
            "expected 5 (2 inputs, then 3 one-hot targets) or 3 (inputs, then a class label)",
        ],
    );
    // Labels and one-hot columns give the same loss.
    let d = dir();
    write(d.path(), "s.json", SOFTMAX);
    write(d.path(), "labels.csv", "a,b,class\n0.1,0.2,2\n-0.3,0.1,0\n");
    write(d.path(), "onehot.csv", "a,b,p,q,r\n0.1,0.2,0,0,1\n-0.3,0.1,1,0,0\n");
    let eval = |data: &str| {
        let out = nn()
            .current_dir(d.path())
            .args(["eval", "--json", "--model", "s.json", "--data", data, "--loss", "softmax_ce"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        cli_support::json_of(&out)
    };
    let (a, b) = (eval("labels.csv"), eval("onehot.csv"));
    assert_eq!(a, b);
    assert_eq!(a["samples"], 2);
    assert!(a["accuracy"].is_number());
}

#[test]
fn bad_options() {
    let t = |flag: &str, value: &str, expect: &[&str]| {
        bad(&[], &strs(&with(TRAIN, flag, value)), expect);
    };
    t("--epochs", "0", &["invalid value '0' for '--epochs <N>': expected at least 1 epoch"]);
    t("--epochs", "-3", &["--epochs", "expected at least 1 epoch"]);
    t("--epochs", "many", &["--epochs", "expected a whole number of epochs"]);
    t("--lr", "0", &["invalid value '0' for '--lr <RATE>': expected a positive number"]);
    t("--lr", "-1", &["--lr", "expected a positive number"]);
    t("--lr", "nan", &["--lr", "nan is not a number; expected a finite number"]);
    t("--lr", "inf", &["--lr", "not finite"]);
    t("--lr", "1e39", &["--lr", "does not fit in f32"]);
    t("--loss", "hinge", &["--loss", "unknown loss; expected one of mse, sse, half_sse, bce, softmax_ce"]);
    t(
        "--loss",
        "softmax_ce",
        &["m.json:3:18: layers[1].activation is sigmoid, but --loss softmax_ce needs a softmax output layer"],
    );
    let mut args: Vec<&str> = TRAIN.to_vec();
    args.extend(["--batch-size", "-1"]);
    bad(&[], &args, &["--batch-size", "a batch size cannot be negative"]);
    let extra = |more: &[&str], expect: &[&str]| {
        let mut args: Vec<&str> = TRAIN.to_vec();
        args.extend(more);
        bad(&[], &args, expect);
    };
    extra(&["--momentum", "0.5"], &["--momentum applies only to --optimizer momentum or nesterov"]);
    extra(
        &["--optimizer", "momentum", "--momentum", "1.5"],
        &["--momentum", "expected a number from 0 up to (not including) 1"],
    );
    extra(&["--beta1", "0.5"], &["--beta1 and --beta2 apply only to --optimizer adam or adamw"]);
    extra(
        &["--optimizer", "rprop"],
        &[
            "invalid value 'rprop' for '--optimizer <OPTIMIZER>'",
            "possible values: sgd, momentum, nesterov, adam, adamw, rmsprop",
        ],
    );
    extra(&["--schedule", "step:0:0.5"], &["--schedule", "EVERY must be at least 1"]);
    extra(&["--schedule", "exponential:1.5"], &["--schedule", "GAMMA must be in (0, 1]"]);
    extra(&["--schedule", "cosine"], &["--schedule", "unknown schedule"]);
    extra(&["--weight-decay", "-0.1"], &["--weight-decay", "not negative"]);
    extra(&["--clip-norm", "inf"], &["--clip-norm", "not finite"]);
    extra(&["--seed", "-1"], &["--seed", "expected a whole number from 0 to 4294967295"]);
    extra(&["--learning-rate", "0.1"], &["unexpected argument '--learning-rate'"]);
    bad(
        &[],
        &TRAIN[..TRAIN.len() - 2],
        &["the following required arguments were not provided: --out <FILE>", "usage: nn train"],
    );
    bad(&[], &["frobnicate"], &["unrecognized subcommand 'frobnicate'"]);
    bad(
        &[],
        &["eval", "--model", "m.json", "--data", "d.csv", "--loss", "mse", "--eps", "1"],
        &["unexpected argument '--eps'"],
    );
    bad(
        &[],
        &["gradcheck", "--model", "m.json", "--data", "d.csv", "--loss", "mse", "--eps", "0"],
        &["--eps", "expected a positive number"],
    );
    bad(
        &[],
        &["hessian", "--model", "m.json", "--data", "d.csv", "--loss", "mse", "--step", "-1"],
        &["--step", "expected a positive number"],
    );
}

#[test]
fn bad_output_paths_leave_nothing_behind() {
    bad(
        &[],
        &strs(&with(TRAIN, "--out", "missing/out.json")),
        &["missing/out.json: cannot write the file: no such file or directory"],
    );
    bad(
        &[("sub/.keep", b"")],
        &strs(&with(TRAIN, "--out", "sub")),
        &["sub: is a directory; expected a file name to write"],
    );
    let mut args: Vec<&str> = TRAIN.to_vec();
    args.extend(["--log", "missing/loss.csv"]);
    bad(&[], &args, &["missing/loss.csv: cannot write the file"]);
    let mut args: Vec<&str> = TRAIN.to_vec();
    args.extend(["--plot", "missing/loss.svg"]);
    bad(&[], &args, &["missing/loss.svg: cannot write the file"]);
    bad(
        &[],
        &["init", "--layers", "2,1", "--activations", "sigmoid", "--out", "missing/m.json"],
        &["missing/m.json: cannot write"],
    );
    bad(&[], &["export", "--model", "m.json", "--format", "c", "--out", "missing/m.h"], &["missing/m.h: cannot write"]);
    // A FIFO is not replaced by the rename (and is not opened, so nothing hangs).
    let d = dir();
    write(d.path(), "m.json", MODEL);
    if std::process::Command::new("mkfifo").arg(d.path().join("fifo")).status().is_ok_and(|s| s.success()) {
        let out = nn()
            .current_dir(d.path())
            .args(["init", "--layers", "2,1", "--activations", "sigmoid", "--out", "fifo"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr_of(&out).contains("fifo: is not a regular file"));
        let out = nn()
            .current_dir(d.path())
            .args(["eval", "--model", "m.json", "--data", "fifo", "--loss", "mse"])
            .timeout(std::time::Duration::from_secs(30))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr_of(&out).contains("fifo: is not a regular file"));
    }
}

#[test]
fn an_existing_output_survives_a_failed_run() {
    let d = dir();
    write(d.path(), "m.json", MODEL);
    write(d.path(), "d.csv", DATA);
    write(d.path(), "out.json", "previous");
    let out = nn().current_dir(d.path()).args(with(TRAIN, "--lr", "-1")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(d.path().join("out.json")).unwrap(), "previous");
}

#[test]
fn init_writes_a_model_that_trains() {
    let d = dir();
    nn().current_dir(d.path())
        .args([
            "init",
            "--layers",
            "2,4,1",
            "--activations",
            "tanh,sigmoid",
            "--init",
            "xavier",
            "--seed",
            "3",
            "--out",
            "m.json",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains("2-4-1 (tanh, sigmoid), 17 parameters"));
    let text = std::fs::read_to_string(d.path().join("m.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["format"], "nn-model");
    assert_eq!(v["layers"][0]["weights"].as_array().unwrap().len(), 4);
    assert_eq!(v["layers"][1]["biases"], serde_json::json!([0.0]));
    // The same seed gives the same model; another seed another.
    nn().current_dir(d.path())
        .args(["init", "--layers", "2,4,1", "--activations", "tanh,sigmoid", "--seed", "3", "--out", "again.json"])
        .assert()
        .success();
    assert_eq!(text, std::fs::read_to_string(d.path().join("again.json")).unwrap());
    nn().current_dir(d.path())
        .args([
            "init",
            "--layers",
            "2,4,1",
            "--activations",
            "relu,identity",
            "--init",
            "uniform",
            "--limit",
            "0.1",
            "--out",
            "u.json",
        ])
        .assert()
        .success();
    let u = cli_support::read_model(&d.path().join("u.json"));
    assert!(u.flat().iter().all(|p| p.abs() <= 0.1) && u.flat().iter().any(|&p| p != 0.0));
    write(d.path(), "d.csv", DATA);
    nn().current_dir(d.path())
        .args([
            "train", "--model", "m.json", "--data", "d.csv", "--loss", "bce", "--lr", "0.1", "--epochs", "3", "--out",
            "t.json",
        ])
        .assert()
        .success();
    for (args, expect) in [
        (vec!["--layers", "2,0,1", "--activations", "tanh,sigmoid"], "a layer width is 0"),
        (vec!["--layers", "2", "--activations", "tanh"], "expected at least two widths"),
        (vec!["--layers", "2,4,1", "--activations", "tanh"], "--activations has 1 names, expected 2"),
        (vec!["--layers", "2,4,1", "--activations", "tanh,gelu"], "unknown activation \"gelu\""),
        (vec!["--layers", "2,x,1", "--activations", "tanh,tanh"], "\"x\" is not a layer width"),
        (vec!["--layers", "2,1", "--activations", "tanh", "--limit", "0.2"], "--limit applies only to --init uniform"),
        (vec!["--layers", "100000,100000,1", "--activations", "tanh,tanh"], "at most 50000000 are supported"),
    ] {
        let mut all = vec!["init"];
        all.extend(args);
        all.extend(["--out", "x.json"]);
        bad(&[], &all, &[expect]);
    }
}

#[test]
fn divergence_stops_with_exit_3_and_keeps_the_last_good_parameters() {
    let d = dir();
    write(
        d.path(),
        "m.json",
        r#"{"format": "nn-model", "version": 1, "layers": [{"activation": "identity", "weights": [[1]], "biases": [0]}]}"#,
    );
    write(d.path(), "d.csv", "x,y\n1000,1\n-2000,3\n");
    let out = nn()
        .current_dir(d.path())
        .args([
            "train",
            "--model",
            "m.json",
            "--data",
            "d.csv",
            "--loss",
            "sse",
            "--lr",
            "10",
            "--epochs",
            "50",
            "--no-shuffle",
        ])
        .args(["--out", "out.json", "--log", "loss.csv"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("training diverged in epoch") && err.contains("out.json"), "{err}");
    let kept = cli_support::read_model(&d.path().join("out.json"));
    assert!(kept.flat().iter().all(|p| p.is_finite()));
    assert!(d.path().join("loss.csv").exists());
}

#[test]
fn comments_quotes_and_a_byte_order_mark_are_read() {
    let d = dir();
    write(d.path(), "m.json", MODEL);
    write(d.path(), "d.csv", "\u{feff}# XOR\nx1,\"x2\",y\n0,\"0\",0\n# a comment\n 1 , 1 ,0\n");
    let out = nn()
        .current_dir(d.path())
        .args(["eval", "--json", "--model", "m.json", "--data", "d.csv", "--loss", "mse"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(cli_support::json_of(&out)["samples"], 2);
}

#[test]
fn a_loss_that_overflows_before_training_is_bad_input() {
    let model = r#"{"format": "nn-model", "version": 1, "layers": [{"activation": "identity", "weights": [[1e30]], "biases": [0]}]}"#;
    let files: [(&str, &[u8]); 2] = [("big.json", model.as_bytes()), ("one.csv", b"x,y\n1e10,0\n")];
    let args = with(&strs(&with(TRAIN, "--model", "big.json")), "--data", "one.csv");
    bad(&files, &strs(&args), &["big.json on one.csv: the model's loss on the data is inf before any training"]);
}
