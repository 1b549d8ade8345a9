//! `nn` on classifiers as people write their data, end to end: UCI's `iris.data` (no
//! header, text labels last), class names stored in the model (JSON version 2), target
//! columns by name or position, every classifier shape's accuracy, `nn eval`'s confusion
//! matrix and per-class figures, `nn predict`'s class column, validation sets, early
//! stopping, plots, and Ctrl-C.

mod cli_support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

use cli_support::{dir, json_of, nn, stderr_of, write};
use predicates::str::contains;
use serde_json::Value;

/// UCI's iris.data layout (tests/tests/cli_fixtures/make_iris.py writes it).
const IRIS: &str = include_str!("cli_fixtures/iris.data");
const CLASSES: [&str; 3] = ["Iris-setosa", "Iris-versicolor", "Iris-virginica"];

/// A 4-8-3 tanh/softmax model in `d`, as `nn init` writes it.
fn iris_model(d: &Path) {
    nn().current_dir(d)
        .args(["init", "--layers", "4,8,3", "--activations", "tanh,softmax", "--seed", "1", "--out", "m.json"])
        .assert()
        .success();
}

/// A 1-1 sigmoid model (a single-output classifier) at `d/name`.
fn one_sigmoid(d: &Path, name: &str) {
    nn().current_dir(d).args(["init", "--layers", "1,1", "--activations", "sigmoid", "--out", name]).assert().success();
}

/// `nn train` on iris.data with Adam; `extra` adds options.
fn train_iris(d: &Path, extra: &[&str]) -> std::process::Output {
    let mut cmd = nn();
    cmd.current_dir(d)
        .args(["train", "--model", "m.json", "--data", "iris.data", "--no-header", "--loss", "softmax_ce"])
        .args(["--optimizer", "adam", "--lr", "0.01", "--epochs", "60", "--batch-size", "16", "--out", "iris.json"])
        .args(extra);
    cmd.output().unwrap()
}

fn stdout_of(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A CSV log as (header, rows).
fn log_of(path: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(str::to_string).collect();
    (header, lines.map(|l| l.split(',').map(|v| v.parse().unwrap()).collect()).collect())
}

#[test]
fn iris_data_trains_and_eval_and_predict_name_the_classes() {
    let d = dir();
    write(d.path(), "iris.data", IRIS);
    iris_model(d.path());
    let out = train_iris(d.path(), &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(text.contains("150 samples"), "{text}");
    assert!(text.contains("classes (from the label column): Iris-setosa, Iris-versicolor, Iris-virginica"), "{text}");
    // The names are stored in the model: version 2, one name per output.
    let model: Value = serde_json::from_str(&std::fs::read_to_string(d.path().join("iris.json")).unwrap()).unwrap();
    assert_eq!(model["version"], 2);
    assert_eq!(model["labels"], serde_json::json!(CLASSES));

    let eval = |json: bool| {
        let mut cmd = nn();
        cmd.current_dir(d.path()).args([
            "eval",
            "--model",
            "iris.json",
            "--data",
            "iris.data",
            "--no-header",
            "--loss",
            "softmax_ce",
        ]);
        if json {
            cmd.arg("--json");
        }
        cmd.output().unwrap()
    };
    let v = json_of(&eval(true));
    assert_eq!(v["classes"], serde_json::json!(CLASSES));
    let matrix: Vec<Vec<u64>> = serde_json::from_value(v["confusion_matrix"].clone()).unwrap();
    // Each row is a true class: iris has 50 of each.
    assert_eq!(matrix.iter().map(|r| r.iter().sum::<u64>()).collect::<Vec<_>>(), [50, 50, 50]);
    let diagonal: u64 = (0..3).map(|k| matrix[k][k]).sum();
    assert_eq!(v["correct"].as_u64(), Some(diagonal));
    assert!(diagonal >= 135, "a 4-8-3 network learns iris to 90 %: {matrix:?}");
    for (k, c) in v["per_class"].as_array().unwrap().iter().enumerate() {
        let predicted: u64 = (0..3).map(|t| matrix[t][k]).sum();
        let hit = matrix[k][k] as f64;
        assert_eq!(c["class"], CLASSES[k]);
        assert_eq!(c["support"], 50);
        assert_eq!(c["recall"].as_f64(), Some(hit / 50.0));
        assert_eq!(c["precision"].as_f64(), Some(hit / predicted as f64));
        let (p, r) = (hit / predicted as f64, hit / 50.0);
        assert!((c["f1"].as_f64().unwrap() - 2.0 * p * r / (p + r)).abs() < 1e-12);
    }
    let text = stdout_of(&eval(false));
    assert!(text.contains("confusion matrix (rows: true class, columns: predicted class):"), "{text}");
    assert!(text.contains("precision") && text.contains("recall") && text.contains("f1"), "{text}");
    let setosa_row = text.lines().find(|l| l.trim_start().starts_with("Iris-setosa ") && l.contains("50")).unwrap();
    assert_eq!(setosa_row.split_whitespace().skip(1).map(|n| n.parse::<u64>().unwrap()).collect::<Vec<_>>(), matrix[0]);

    // predict: the inputs (on request), the outputs, the class name and its probability.
    let out = nn()
        .current_dir(d.path())
        .args(["predict", "--model", "iris.json", "--data", "iris.data", "--no-header", "--with-inputs"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("column1,column2,column3,column4,output1,output2,output3,class,probability"));
    let mut right = 0;
    for (line, data) in lines.zip(IRIS.lines()) {
        let cells: Vec<&str> = line.split(',').collect();
        let inputs: Vec<f32> = data.split(',').take(4).map(|v| v.parse().unwrap()).collect();
        assert_eq!(cells[..4].iter().map(|v| v.parse::<f32>().unwrap()).collect::<Vec<_>>(), inputs);
        let outputs: Vec<f32> = cells[4..7].iter().map(|v| v.parse().unwrap()).collect();
        let k = (0..3).fold(0, |b, k| if outputs[k] > outputs[b] { k } else { b });
        assert_eq!((cells[7], cells[8].parse::<f32>().unwrap()), (CLASSES[k], outputs[k]));
        right += usize::from(data.ends_with(cells[7]));
    }
    assert_eq!(right as u64, diagonal, "predict's classes are eval's");
}

#[test]
fn target_columns_by_name_or_position_and_every_classifier_shape() {
    let d = dir();
    // The label first, as text; a one-hot sigmoid classifier (bce over three outputs).
    let mut csv = String::from("species,a,b,c,d\n");
    for line in IRIS.lines().filter(|l| !l.is_empty()) {
        let (x, label) = line.rsplit_once(',').unwrap();
        csv.push_str(&format!("{label},{x}\n"));
    }
    write(d.path(), "first.csv", &csv);
    nn().current_dir(d.path())
        .args(["init", "--layers", "4,6,3", "--activations", "tanh,sigmoid", "--seed", "2", "--out", "m.json"])
        .assert()
        .success();
    let train = |target: &str, out: &str| {
        nn().current_dir(d.path())
            .args(["train", "--model", "m.json", "--data", "first.csv", "--target", target, "--loss", "bce"])
            .args(["--optimizer", "adam", "--lr", "0.02", "--epochs", "20", "--out", out])
            .assert()
            .success()
            .stdout(contains("; accuracy "));
    };
    train("species", "by-name.json");
    train("1", "by-position.json");
    let by_name = std::fs::read(d.path().join("by-name.json")).unwrap();
    assert_eq!(by_name, std::fs::read(d.path().join("by-position.json")).unwrap());
    let out = nn()
        .current_dir(d.path())
        .args([
            "eval",
            "--json",
            "--model",
            "by-name.json",
            "--data",
            "first.csv",
            "--target",
            "species",
            "--loss",
            "bce",
        ])
        .output()
        .unwrap();
    let v = json_of(&out);
    assert!(v["accuracy"].as_f64().is_some_and(|a| a > 0.5), "one-hot sigmoid accuracy: {v}");

    // A single sigmoid output with text labels: two classes, stored sorted.
    write(d.path(), "yes.csv", "x,answer\n0,no\n1,yes\n0.1,no\n0.9,yes\n");
    one_sigmoid(d.path(), "one.json");
    nn().current_dir(d.path())
        .args(["train", "--model", "one.json", "--data", "yes.csv", "--loss", "bce", "--lr", "2", "--epochs", "200"])
        .args(["--out", "yes.json"])
        .assert()
        .success()
        .stdout(contains("classes (from the label column): no, yes"))
        .stdout(contains("accuracy 100% (4 of 4)"));
    let out =
        nn().current_dir(d.path()).args(["predict", "--model", "yes.json", "--data", "yes.csv"]).output().unwrap();
    let classes: Vec<String> =
        stdout_of(&out).lines().skip(1).map(|l| l.split(',').nth(1).unwrap().to_string()).collect();
    assert_eq!(classes, ["no", "yes", "no", "yes"]);

    // Numbers that are not 0..n-1 (UCI's wine labels 1, 2, 3) are names, sorted as numbers.
    write(d.path(), "wine.csv", "x1,x2,x3,x4,class\n1,2,3,4,10\n1,2,3,4,2\n1,2,3,4,3\n");
    nn().current_dir(d.path())
        .args(["train", "--model", "m.json", "--data", "wine.csv", "--loss", "bce", "--lr", "0.1", "--epochs", "1"])
        .args(["--out", "wine.json"])
        .assert()
        .success()
        .stdout(contains("classes (from the label column): 2, 3, 10"));
}

#[test]
fn validation_split_is_seeded_stratified_and_logged() {
    let d = dir();
    write(d.path(), "iris.data", IRIS);
    iris_model(d.path());
    let run = |seed: &str, log: &str| {
        let out = train_iris(d.path(), &["--validation-split", "0.2", "--seed", seed, "--log", log]);
        assert!(out.status.success(), "{}", stderr_of(&out));
        stdout_of(&out)
    };
    let text = run("7", "a.csv");
    assert!(text.contains("120 samples (and 30 samples held out for validation)"), "{text}");
    assert!(text.contains("validation: loss "), "{text}");
    assert!(text.contains("best validation loss"), "{text}");
    run("7", "b.csv");
    run("8", "c.csv");
    let (header, a) = log_of(&d.path().join("a.csv"));
    assert_eq!(
        header,
        [
            "epoch",
            "train_loss_during_epoch",
            "train_loss",
            "train_accuracy",
            "validation_loss",
            "validation_accuracy",
            "learning_rate",
            "updates"
        ]
    );
    assert_eq!(a.len(), 60);
    assert_eq!(a, log_of(&d.path().join("b.csv")).1, "the same seed gives the same split and run");
    assert_ne!(a, log_of(&d.path().join("c.csv")).1, "another seed, another split");
    // Accuracy over 30 held-out samples moves in steps of 1/30.
    assert!(a.iter().all(|r| ((r[5] * 30.0) - (r[5] * 30.0).round()).abs() < 1e-9), "{a:?}");
    assert!(a.iter().all(|r| ((r[3] * 120.0) - (r[3] * 120.0).round()).abs() < 1e-9), "{a:?}");
}

#[test]
fn early_stopping_writes_the_best_epoch_and_says_which() {
    let d = dir();
    // Validation targets that contradict the training targets: the better the fit, the
    // worse the validation loss, so the best epoch is the first and training stops
    // after the patience.
    write(d.path(), "t.csv", "x,y\n0,0\n1,1\n0,0\n1,1\n");
    write(d.path(), "v.csv", "x,y\n0,1\n1,0\n");
    one_sigmoid(d.path(), "m.json");
    nn().current_dir(d.path())
        .args(["train", "--model", "m.json", "--data", "t.csv", "--validation", "v.csv", "--loss", "bce"])
        .args(["--lr", "0.5", "--epochs", "1000", "--early-stopping", "4", "--log", "log.csv", "--out", "best.json"])
        .assert()
        .success()
        .stdout(contains("validating on v.csv (2 samples)"))
        .stdout(contains("early stopping: the validation loss did not improve for 4 epochs; stopped after epoch 5"))
        .stdout(contains("best.json holds the parameters of epoch 1, the best on the validation set"));
    let (header, rows) = log_of(&d.path().join("log.csv"));
    assert_eq!(rows.len(), 5);
    let column = header.iter().position(|h| h == "validation_loss").unwrap();
    // The written parameters are epoch 1's: their validation loss is the logged one, to the bit.
    let out = nn()
        .current_dir(d.path())
        .args(["eval", "--json", "--model", "best.json", "--data", "v.csv", "--loss", "bce"])
        .output()
        .unwrap();
    assert_eq!(json_of(&out)["loss"].as_f64().map(|l| l as f32), Some(rows[0][column] as f32));
    assert!(rows.windows(2).all(|w| w[1][column] > w[0][column]), "{rows:?}");
}

#[test]
fn plots_are_png_or_svg_by_name_with_both_curves() {
    let d = dir();
    write(d.path(), "iris.data", IRIS);
    iris_model(d.path());
    let out = train_iris(d.path(), &["--validation-split", "0.2", "--plot", "loss.png"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let png = std::fs::read(d.path().join("loss.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let out = train_iris(d.path(), &["--validation-split", "0.2", "--plot", "loss.svg"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let svg = std::fs::read_to_string(d.path().join("loss.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("training loss") && svg.contains("validation loss"));
    let out = train_iris(d.path(), &["--plot", "loss.pdf"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out).trim(),
        "error: loss.pdf: a plot is written as PNG or SVG; expected a name ending in .png or .svg"
    );
    assert!(!d.path().join("loss.pdf").exists() && stdout_of(&out).is_empty());
}

#[test]
fn a_batch_larger_than_the_data_set_is_warned_about() {
    let d = dir();
    write(d.path(), "iris.data", IRIS);
    iris_model(d.path());
    let train = |batch: &str| {
        let out = nn()
            .current_dir(d.path())
            .args(["train", "--model", "m.json", "--data", "iris.data", "--no-header", "--loss", "softmax_ce"])
            .args(["--lr", "0.01", "--epochs", "1", "--batch-size", batch, "--out", "o.json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        stdout_of(&out)
    };
    let text = train("500");
    assert!(text.contains("warning: --batch-size 500 is larger than the 150 samples"), "{text}");
    assert!(text.contains("done: 1 epoch, 1 update in"), "{text}");
    assert!(!train("150").contains("warning"));
}

#[test]
fn ctrl_c_stops_training_and_writes_the_parameters() {
    let d = dir();
    write(d.path(), "iris.data", IRIS);
    iris_model(d.path());
    let mut child = std::process::Command::new(cli_support::bin())
        .current_dir(d.path())
        .args(["train", "--model", "m.json", "--data", "iris.data", "--no-header", "--loss", "softmax_ce"])
        .args(["--lr", "0.01", "--epochs", "4000000000", "--log", "log.csv", "--out", "out.json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first line is printed once the Ctrl-C handler is in place.
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with("training m.json"), "{first}");
    let sent = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: interrupted in epoch "), "{err}");
    assert!(err.contains("the parameters at the last batch boundary are in out.json"), "{err}");
    assert!(rest.contains("wrote out.json") && rest.contains("wrote log.csv"), "{rest}");
    // What was written is a whole model that reads back, with its class names.
    nn().current_dir(d.path())
        .args(["eval", "--model", "out.json", "--data", "iris.data", "--no-header", "--loss", "softmax_ce"])
        .assert()
        .success()
        .stdout(contains("Iris-virginica"));
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// `nn train --layers … --activations …` trains from nothing in one command, and starts
/// from the very parameters `nn init` draws for the same seed: the two routes write the
/// same bytes (model, log), with and without --standardize and for every --init.
#[test]
fn one_command_trains_from_nothing_as_init_then_train_does() {
    let d = dir();
    write(d.path(), "iris.data", IRIS);
    let common = [
        "--data",
        "iris.data",
        "--no-header",
        "--loss",
        "softmax_ce",
        "--optimizer",
        "adam",
        "--lr",
        "0.01",
        "--epochs",
        "30",
        "--batch-size",
        "16",
        "--validation-split",
        "0.2",
    ];
    for (init, seed, scaled) in [("xavier", "1", true), ("he", "7", false), ("uniform", "3", true)] {
        let network = ["--layers", "4,8,3", "--activations", "tanh,softmax", "--init", init];
        let scale: &[&str] = if scaled { &["--standardize"] } else { &[] };
        let one = nn()
            .current_dir(d.path())
            .arg("train")
            .args(network)
            .args(common)
            .args(scale)
            .args(["--seed", seed, "--log", "one.csv", "--out", "one.json"])
            .output()
            .unwrap();
        assert!(one.status.success(), "{}", stderr_of(&one));
        let text = stdout_of(&one);
        assert!(text.starts_with(&format!("training a new network ({init} init, seed {seed}): 4-8-3")), "{text}");
        nn().current_dir(d.path())
            .arg("init")
            .args(network)
            .args(["--seed", seed, "--out", "m.json"])
            .assert()
            .success();
        let two = nn()
            .current_dir(d.path())
            .args(["train", "--model", "m.json"])
            .args(common)
            .args(scale)
            .args(["--seed", seed, "--log", "two.csv", "--out", "two.json"])
            .output()
            .unwrap();
        assert!(two.status.success(), "{}", stderr_of(&two));
        let read = |name: &str| std::fs::read(d.path().join(name)).unwrap();
        assert_eq!(read("one.json"), read("two.json"), "--init {init} --seed {seed}");
        assert_eq!(read("one.csv"), read("two.csv"), "--init {init} --seed {seed}");
        // The one-command model learned something: it is a trained classifier, not the draw.
        let model: Value = serde_json::from_slice(&read("one.json")).unwrap();
        assert_eq!(model["labels"], serde_json::json!(CLASSES));
        assert_eq!(model.get("input_scaling").is_some(), scaled, "{model}");
        let (_, rows) = log_of(&d.path().join("one.csv"));
        let (first, last) = (rows.first().unwrap()[2], rows.last().unwrap()[2]);
        assert!(last < first / 2.0, "the training loss falls: {first} → {last}");
    }
}
