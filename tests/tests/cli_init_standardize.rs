//! `nn init --standardize DATA`: a new model behind the input scaling of a data set,
//! the same stage `nn train --standardize` computes (one implementation).

mod cli_support;

use cli_support::{dir, nn, stderr_of, write};

/// Column `a` varies, `b` is constant (the zero-variance guard), `c` is raw-scale.
const DATA: &str = "a,b,c,y\n1,10,1200,0\n2,10,1500,1\n3,10,900,0\n6,10,2400,1\n-0.5,10,1000,1\n";

fn scaling_of(path: &std::path::Path) -> (Vec<f32>, Vec<f32>) {
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let floats = |v: &serde_json::Value| v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
    (floats(&json["input_scaling"]["mean"]), floats(&json["input_scaling"]["scale"]))
}

#[test]
fn init_stores_the_population_mean_and_deviation_of_each_input() {
    let d = dir();
    write(d.path(), "d.csv", DATA);
    nn().current_dir(d.path())
        .args([
            "init",
            "--layers",
            "3,4,1",
            "--activations",
            "tanh,sigmoid",
            "--standardize",
            "d.csv",
            "--out",
            "m.json",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains("standardized inputs (mean ± scale over d.csv): a (2.3 ± "));
    // float64 by hand: mean and population standard deviation, rounded once to f32;
    // the constant column gets scale 1.
    let columns = [[1.0, 2.0, 3.0, 6.0, -0.5], [10.0; 5], [1200.0, 1500.0, 900.0, 2400.0, 1000.0]];
    let mean: Vec<f64> = columns.iter().map(|c| c.iter().sum::<f64>() / 5.0).collect();
    let sd: Vec<f64> = columns
        .iter()
        .zip(&mean)
        .map(|(c, m)| (c.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / 5.0).sqrt())
        .collect();
    let (m, s) = scaling_of(&d.path().join("m.json"));
    assert_eq!(m, mean.iter().map(|&v| v as f32).collect::<Vec<_>>());
    assert_eq!(s, vec![sd[0] as f32, 1.0, sd[2] as f32]);
    assert_eq!(mean[0], 2.3);
}

#[test]
fn init_standardize_then_train_is_train_standardize() {
    let d = dir();
    write(d.path(), "d.csv", DATA);
    let init = |extra: &[&str], out: &str| {
        nn().current_dir(d.path())
            .args(["init", "--layers", "3,4,1", "--activations", "tanh,sigmoid", "--seed", "5", "--out", out])
            .args(extra)
            .assert()
            .success();
    };
    init(&["--standardize", "d.csv"], "scaled.json");
    init(&[], "plain.json");
    let train = |model: &str, extra: &[&str], out: &str| {
        nn().current_dir(d.path())
            .args(["train", "--model", model, "--data", "d.csv", "--loss", "bce", "--lr", "0.3", "--epochs", "20"])
            .args(extra)
            .args(["--out", out])
            .assert()
            .success();
    };
    train("scaled.json", &[], "a.json");
    train("plain.json", &["--standardize"], "b.json");
    let read = |f: &str| std::fs::read_to_string(d.path().join(f)).unwrap();
    assert_eq!(read("a.json"), read("b.json"));
    assert!(read("a.json").contains("input_scaling"));
}

#[test]
fn init_standardize_reads_the_columns_as_train_does() {
    let d = dir();
    // No header, the text label first: --no-header --target 1.
    write(d.path(), "iris.data", "setosa,1,10\nvirginica,3,30\nsetosa,2,20\n");
    nn().current_dir(d.path())
        .args(["init", "--layers", "2,3,2", "--activations", "relu,softmax", "--standardize", "iris.data"])
        .args(["--no-header", "--target", "1", "--out", "m.json"])
        .assert()
        .success()
        .stdout(predicates::str::contains("column2 (2 ± "));
    let (m, _) = scaling_of(&d.path().join("m.json"));
    assert_eq!(m, [2.0, 20.0]);
    // The column options belong to --standardize; bad data leaves no model behind.
    let out = nn()
        .current_dir(d.path())
        .args(["init", "--layers", "2,1", "--activations", "sigmoid", "--no-header", "--out", "x.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out),
        "error: --no-header and --target describe the --standardize data; give --standardize DATA\n"
    );
    write(d.path(), "bad.csv", "a,b\n1,2\n3,oops\n");
    let out = nn()
        .current_dir(d.path())
        .args(["init", "--layers", "2,1", "--activations", "sigmoid", "--standardize", "bad.csv", "--out", "x.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: bad.csv:3:3: "), "{err}");
    assert!(!d.path().join("x.json").exists());
}
