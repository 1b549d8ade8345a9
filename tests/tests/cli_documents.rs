//! The seed documents' worked examples through `nn train` from JSON and CSV files (the
//! ones the README shows), checked against the float64 reference of `nn_tests`; and
//! `nn example`, which replays them with the errata's marks.

mod cli_support;

use std::path::Path;

use cli_support::{arg, dir, nn, read_model, write};
use nn_tests::{assert_all_close, assert_close, Act, Cost, Net};

const HOUSE_JSON: &str = r#"{"format": "nn-model", "version": 1, "layers": [
  {"activation": "identity", "weights": [[0.5, -0.3]], "biases": [0.2]}
]}
"#;
const HOUSE_CSV: &str = "x1,x2,y\n1,1,3\n";

const LINE_JSON: &str = r#"{"format": "nn-model", "version": 1, "layers": [
  {"activation": "identity", "weights": [[1.0]], "biases": [1.0]}
]}
"#;
const LINE_CSV: &str = "x,y\n2,1\n-1,-5\n";

const MAZUR_JSON: &str = r#"{"format": "nn-model", "version": 1, "layers": [
  {"activation": "sigmoid", "weights": [[0.15, 0.20], [0.25, 0.30]], "biases": [0.35, 0.35]},
  {"activation": "sigmoid", "weights": [[0.40, 0.45], [0.50, 0.55]], "biases": [0.60, 0.60]}
]}
"#;
const MAZUR_CSV: &str = "i1,i2,t1,t2\n0.05,0.10,0.01,0.99\n";

/// `nn train` with `flags`; returns the trained model and the loss log's rows.
fn train(model: &str, data: &str, flags: &[&str]) -> (Net, Vec<Vec<f64>>) {
    let d = dir();
    let m = write(d.path(), "m.json", model);
    let c = write(d.path(), "d.csv", data);
    let out = d.path().join("trained.json");
    let log = d.path().join("loss.csv");
    nn().arg("train")
        .args(flags)
        .args(["--model", &arg(&m), "--data", &arg(&c), "--out", &arg(&out), "--log", &arg(&log)])
        .assert()
        .success();
    let rows = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    (read_model(&out), rows)
}

fn f32s(v: &[f64]) -> Vec<f64> {
    v.iter().map(|&x| x as f32 as f64).collect()
}

#[test]
fn house_price_three_iterations() {
    let (trained, rows) = train(
        HOUSE_JSON,
        HOUSE_CSV,
        &["--loss", "sse", "--lr", "0.1", "--epochs", "3", "--batch-size", "1", "--no-shuffle"],
    );
    let mut reference = Net::from_flat(&[(2, 1, Act::Identity)], &f32s(&[0.5, -0.3, 0.2]));
    for _ in 0..3 {
        reference.sgd_step(&[1.0, 1.0], &[3.0], Cost::Sse, 0.1, true);
    }
    assert_all_close("house after 3", &trained.flat(), &reference.flat(), 1e-5, 1e-6);
    // The document's table, correctly: w1 = 1.3112, w2 = 0.5112, b = 1.0112.
    assert_all_close("house exact", &trained.flat(), &[1.3112, 0.5112, 1.0112], 1e-5, 1e-6);
    let losses: Vec<f64> = rows.iter().map(|r| r[1]).collect();
    assert_all_close("house losses", &losses, &[6.76, 1.0816, 0.173056], 1e-5, 1e-6);
    assert_close("house loss after 3", rows[2][2], 0.02768896, 1e-4, 1e-7);
}

#[test]
fn line_two_samples_then_nineteen_epochs() {
    let flags = ["--loss", "sse", "--lr", "0.1", "--batch-size", "1", "--no-shuffle", "--epochs"];
    let (one, _) = train(LINE_JSON, LINE_CSV, &[&flags[..], &["1"]].concat());
    assert_all_close("line after the two samples", &one.flat(), &[1.28, -0.48], 1e-5, 1e-6);
    let (trained, _) = train(LINE_JSON, LINE_CSV, &[&flags[..], &["19"]].concat());
    let mut reference = Net::from_flat(&[(1, 1, Act::Identity)], &[1.0, 1.0]);
    for _ in 0..19 {
        reference.sgd_step(&[2.0], &[1.0], Cost::Sse, 0.1, true);
        reference.sgd_step(&[-1.0], &[-5.0], Cost::Sse, 0.1, true);
    }
    assert_all_close("line after 19 epochs", &trained.flat(), &reference.flat(), 1e-5, 1e-6);
    let (w, b) = (trained.flat()[0], trained.flat()[1]);
    assert!((w - 2.0).abs() < 1e-3 && (b + 3.0).abs() < 1e-3, "w = {w}, b = {b}");
}

fn mazur_reference(steps: usize) -> (Net, f64) {
    let params = f32s(&[0.15, 0.20, 0.25, 0.30, 0.35, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.60]);
    let mut net = Net::from_flat(&[(2, 2, Act::Sigmoid), (2, 2, Act::Sigmoid)], &params);
    let (x, t) = (f32s(&[0.05, 0.10]), f32s(&[0.01, 0.99]));
    let mut last = f64::NAN;
    for _ in 0..steps {
        last = net.sgd_step(&x, &t, Cost::HalfSse, 0.5, false);
    }
    (net, last)
}

#[test]
fn mazur_one_step_with_frozen_biases() {
    let flags =
        ["--loss", "half_sse", "--lr", "0.5", "--epochs", "1", "--batch-size", "1", "--no-shuffle", "--freeze-biases"];
    let (trained, rows) = train(MAZUR_JSON, MAZUR_CSV, &flags);
    let (reference, before) = mazur_reference(1);
    assert_all_close("mazur after one step", &trained.flat(), &reference.flat(), 1e-6, 1e-7);
    assert_close("E before", rows[0][1], before, 1e-6, 0.0);
    assert_close("E before (errata)", rows[0][1], 0.298371109, 1e-6, 0.0);
    assert_close("w5'", trained.flat()[6], 0.35891648, 1e-6, 0.0);
    assert_close("E after (errata)", rows[0][2], 0.291027774, 1e-6, 0.0);
}

#[test]
fn mazur_ten_thousand_steps_with_frozen_biases() {
    let flags = [
        "--loss",
        "half_sse",
        "--lr",
        "0.5",
        "--epochs",
        "10000",
        "--batch-size",
        "1",
        "--no-shuffle",
        "--freeze-biases",
    ];
    let (trained, rows) = train(MAZUR_JSON, MAZUR_CSV, &flags);
    let (reference, in_last_pass) = mazur_reference(10_000);
    // 10,000 f32 steps drift from f64 by a few parts in 10⁵ at most.
    assert_all_close("mazur after 10,000", &trained.flat(), &reference.flat(), 1e-4, 1e-6);
    let last = rows.last().unwrap();
    assert_eq!(last[0], 10_000.0);
    // Mazur's published 0.0000351085 is the error in the 10,000th forward pass.
    assert_close("E in the 10,000th pass", last[1], in_last_pass, 1e-3, 0.0);
    assert_close("E in the 10,000th pass (Mazur)", last[1], 3.51085e-5, 1e-3, 0.0);
    let after = reference.loss(&f32s(&[0.05, 0.10]), &f32s(&[0.01, 0.99]), Cost::HalfSse);
    assert_close("E after", last[2], after, 1e-3, 0.0);
}

#[test]
fn scalar_two_epochs() {
    let json = r#"{"format": "nn-model", "version": 1, "layers": [{"activation": "identity", "weights": [[0]], "biases": [0]}]}"#;
    let flags = ["--loss", "half_sse", "--lr", "0.5", "--epochs", "2", "--no-shuffle", "--freeze-biases"];
    let (trained, rows) = train(json, "x,t\n1,1\n", &flags);
    assert_eq!(trained.flat(), vec![0.75, 0.0]);
    assert_eq!(rows[0][1], 0.5);
    assert_eq!(rows[1][1], 0.125);
}

#[test]
fn document_002_gradient_through_gradcheck() {
    let d = dir();
    let m = write(
        d.path(),
        "m.json",
        r#"{"format": "nn-model", "version": 1, "layers": [
  {"activation": "sigmoid", "weights": [[1, 1], [1, 1]], "biases": [0, 0]},
  {"activation": "sigmoid", "weights": [[1, 1]], "biases": [0]}]}"#,
    );
    let c = write(d.path(), "d.csv", "weight,height,gender\n-2,5,1\n");
    let output =
        nn().args(["gradcheck", "--json", "--loss", "sse", "--model", &arg(&m), "--data", &arg(&c)]).output().unwrap();
    assert!(output.status.success());
    let v = cli_support::json_of(&output);
    let analytic = cli_support::flat_layers(&v["analytic"]);
    let net = read_model(&m);
    let (loss, g) = net.gradient(&[-2.0, 5.0], &[1.0], Cost::Sse);
    assert_all_close("002 gradient", &analytic, &g, 1e-5, 1e-9);
    assert_close("002 ∂L/∂w1 (errata)", analytic[0], 0.00263906096, 1e-5, 0.0);
    assert_close("002 loss", v["loss"].as_f64().unwrap(), loss, 1e-6, 0.0);
}

#[test]
fn example_list_names_every_example() {
    let output = nn().args(["example", "--list"]).output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for name in ["000-linear", "000-sigmoid", "000-quadratic", "001", "002", "003", "004-scalar", "004-mazur"] {
        assert!(text.lines().any(|l| l.starts_with(name)), "{name} missing from:\n{text}");
    }
}

#[test]
fn examples_show_the_correct_numbers_and_mark_the_errors() {
    let cases: [(&str, &[&str]); 8] = [
        (
            "000-linear",
            &[
                "2.8336",
                "0.027689",
                "✗ document prints w1, w2, b, ŷ, loss = 1.45, 0.65, 1.17, 2.60, 0.16 (L39)",
                "✗ document prints w1, w2, b, ŷ, loss = 1.68, 0.89, 1.43, 2.96, 0.0016 (L40)",
            ],
        ),
        ("000-sigmoid", &["79.5", "46.7", "y = 5 + 10·a1 − 8·a2 = 7"]),
        (
            "000-quadratic",
            &[
                "H = ∇²L(θ′) = [[2, 1], [1, 4]]",
                "1.58579 and 4.41421",
                "lands on (0, 0)",
                "✗ document prints the first-order term as L(θ − θ′)g",
            ],
        ),
        (
            "001",
            &[
                "ŷ = 3, loss = 4",
                "b ← b − 0.1·∂loss/∂b = -0.48, w ← w − 0.1·∂loss/∂w = 1.28",
                "after 19 epochs",
                "✗ document prints \"y = 0.2x + 0.6",
            ],
        ),
        (
            "002",
            &[
                "0.952574",
                "0.870473",
                "0.00263906",
                "✗ document prints o1 = f(0.952 + 0.952 + 0) = 0.721 (L73)",
                "✗ document prints ∂h1/∂w1 = w1·f′",
                "✗ document prints MSE = ¼ (1 + 1 + 0 + 1) = 0.5",
            ],
        ),
        ("003", &["backprop: ∂E/∂w5 = 0.082167", "forward", "central"]),
        (
            "004-scalar",
            &[
                "0.5, 0.75, 0.875, 0.9375",
                "1.5, 0.75, 1.125, 0.9375",
                "after 10 updates",
                "after 66 updates",
                "diverges",
                "✗ document prints \"if η is too large (e.g. η = 1.5)",
            ],
        ),
        ("004-mazur", &["E_total = 0.298371", "0.358916", "0.291028", "3.51086e-5", "0.0159136, 0.984064"]),
    ];
    for (name, expected) in cases {
        let output = nn().args(["example", name]).output().unwrap();
        assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
        let text = String::from_utf8(output.stdout).unwrap();
        for e in expected {
            assert!(text.contains(e), "example {name} should show {e:?}:\n{text}");
        }
    }
    let all = nn().arg("example").output().unwrap();
    assert!(all.status.success());
    assert_eq!(String::from_utf8_lossy(&all.stdout).matches("══ ").count(), 8);
}

#[test]
fn example_files_reproduce_with_the_printed_command() {
    let d = dir();
    let output = nn().args(["example", "004-mazur", "--write", &arg(d.path())]).output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let command = text.lines().last().unwrap().trim();
    let args: Vec<&str> = command.strip_prefix("nn ").expect("an nn command").split_whitespace().collect();
    nn().args(&args).assert().success();
    let trained = read_model(&d.path().join("mazur-trained.json"));
    let (reference, _) = mazur_reference(10_000);
    assert_all_close("mazur from --write", &trained.flat(), &reference.flat(), 1e-4, 1e-6);
    let bad = nn().args(["example", "nope"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// The README's `nn` walkthroughs run as written in an empty directory: every file a
/// command uses is made by a command before it (QEMU, the demo, the replayed examples,
/// the benchmark and the lines that list alternatives with `|` are left out).
#[test]
fn the_readme_walkthroughs_make_every_file_they_use() {
    let readme = include_str!("../../README.md");
    let section = readme.split("## The `nn` command").nth(1).unwrap().split("## The firmware").next().unwrap();
    let mut commands: Vec<String> = Vec::new();
    for block in section.split("```sh\n").skip(1) {
        let block = block.split("```").next().unwrap();
        let mut pending = String::new();
        let mut heredoc: Option<String> = None;
        for line in block.lines() {
            // A here-document (`cat > f <<'END'` … `END`) is one command with its lines.
            if let Some(end) = &heredoc {
                pending.push('\n');
                pending.push_str(line);
                if line == end {
                    heredoc = None;
                    commands.push(std::mem::take(&mut pending));
                }
                continue;
            }
            if let Some((_, end)) = line.split_once("<<'") {
                heredoc = Some(end.trim_end_matches('\'').to_string());
                pending.push_str(line);
                continue;
            }
            // A comment starts at "  #" (a `#` inside a command, as in printf's text, does not).
            let code = line.split("  #").next().unwrap().trim_end();
            match code.strip_suffix('\\') {
                Some(head) => pending.push_str(head),
                None => {
                    pending.push_str(code);
                    commands.push(std::mem::take(&mut pending).trim().to_string());
                }
            }
        }
    }
    let skipped = ["nn demo", "nn example", "nn verify-device", "nn bench"];
    let run: Vec<&String> = commands
        .iter()
        .filter(|c| !c.is_empty() && !c.contains('|') && !skipped.iter().any(|s| c.starts_with(s)))
        .collect();
    assert!(run.iter().any(|c| c.starts_with("printf") && c.contains("xor.csv")), "{run:?}");
    assert!(run.iter().any(|c| c.contains("--data iris.data")), "{run:?}");
    let d = dir();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    for command in run {
        let line = command.replace("cp tests/", &format!("cp {}/tests/", repo.display()));
        let line = match line.strip_prefix("nn ") {
            Some(rest) => format!("'{}' {rest}", cli_support::bin().display()),
            None => line,
        };
        let out = std::process::Command::new("sh").arg("-c").arg(&line).current_dir(d.path()).output().unwrap();
        assert!(out.status.success(), "{command}: {}", String::from_utf8_lossy(&out.stderr));
    }
    for made in
        ["xor.csv", "xor-trained.json", "loss.png", "iris-trained.json", "iris-log.csv", "iris-loss.png", "iris.bin"]
    {
        assert!(d.path().join(made).exists(), "{made} was not made");
    }
}
