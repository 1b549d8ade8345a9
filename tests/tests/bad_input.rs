//! The bad-input matrix, end to end: every subcommand × every file argument × every
//! class of bad file, every numeric option × bad values, and every output path × the
//! ways it can be unwritable. Each case must end with exit code 2 and exactly one line
//! on stderr that starts with `error: `, names the file (with the line and column where
//! the problem has a place), and says what was expected — no panic, no hang, nothing on
//! stdout, no file created, and an output that existed before left byte for byte as it
//! was. (tests/cli_files.rs holds the first examples of each class for `nn train`; this
//! file runs the whole matrix.)
//!
//! Each test prints how many cases it ran; docs/reliability.md quotes the totals.

mod cli_support;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use cli_support::{dir, nn, stderr_of, write};

const MODEL: &str = r#"{"format": "nn-model", "version": 1, "layers": [
  {"activation": "sigmoid", "weights": [[0.1, 0.2], [0.3, 0.4]], "biases": [0.0, 0.1]},
  {"activation": "sigmoid", "weights": [[0.5, 0.6]], "biases": [0.2]}
]}
"#;
const DATA: &str = "x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n";
const SOFTMAX: &str = r#"{"format": "nn-model", "version": 1, "layers": [
  {"activation": "softmax", "weights": [[1, 2], [3, 4], [5, 6]], "biases": [0, 0, 0]}]}"#;
/// A 1-1 identity model with a weight near the top of the f32 range.
const BIG: &str = r#"{"format": "nn-model", "version": 1, "layers": [{"activation": "identity", "weights": [[3e38]], "biases": [0]}]}"#;
/// What an output file holds before a run that must not touch it.
const PREVIOUS: &[u8] = b"previous contents\n";

/// A file to create before the run.
#[derive(Clone)]
enum File {
    Bytes(Vec<u8>),
    Dir,
    Fifo,
}

fn bytes(b: impl AsRef<[u8]>) -> File {
    File::Bytes(b.as_ref().to_vec())
}

/// Creates `files` in a fresh directory (plus the good model, data and an existing
/// `out.json`), runs `nn args` there and returns the output with the directory's
/// listing before and after.
fn run(files: &[(&str, File)], args: &[&str]) -> (Output, Vec<String>, Vec<String>, tempfile::TempDir) {
    let d = dir();
    write(d.path(), "m.json", MODEL);
    write(d.path(), "s.json", SOFTMAX);
    write(d.path(), "d.csv", DATA);
    write(d.path(), "out.json", PREVIOUS);
    write(d.path(), "big.json", BIG);
    write(d.path(), "tiny.csv", "x,y\n1e-39,1\n");
    for (name, file) in files {
        let path = d.path().join(name);
        match file {
            File::Bytes(b) => {
                write(d.path(), name, b);
            }
            File::Dir => std::fs::create_dir_all(&path).expect("a test directory"),
            File::Fifo => {
                let made = std::process::Command::new("mkfifo").arg(&path).status();
                assert!(made.is_ok_and(|s| s.success()), "mkfifo");
            }
        }
    }
    let listing = |p: &Path| {
        let mut names: Vec<String> =
            std::fs::read_dir(p).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    };
    let before = listing(d.path());
    let output = nn().current_dir(d.path()).args(args).timeout(Duration::from_secs(120)).output().unwrap();
    let after = listing(d.path());
    (output, before, after, d)
}

/// Checks that `nn args` is refused as bad input: exit 2, one `error:` line holding
/// every `expect`, no panic, nothing on stdout unless `banner` allows a first line, no
/// file created, `out.json` untouched.
fn refused(files: &[(&str, File)], args: &[&str], expect: &[&str], banner: bool) -> String {
    let (output, before, after, d) = run(files, args);
    let err = stderr_of(&output);
    let out = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{args:?}: exit {:?}, stderr {err}", output.status.code());
    assert_eq!(err.lines().count(), 1, "{args:?}: one line expected:\n{err}");
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "{args:?}: {err}");
    for e in expect {
        assert!(err.contains(e), "{args:?}: stderr should contain {e:?}:\n{err}");
    }
    if banner {
        assert!(out.lines().count() <= 1 && !out.contains("wrote"), "{args:?}: stdout {out}");
    } else {
        assert!(out.is_empty(), "{args:?}: partial output on stdout:\n{out}");
    }
    assert_eq!(before, after, "{args:?}: files created or removed");
    assert_eq!(std::fs::read(d.path().join("out.json")).unwrap(), PREVIOUS, "{args:?}: out.json changed");
    err
}

/// Every subcommand that reads `--model` (and `--data`, when `data` is true), with the
/// model and data file names to substitute.
fn readers(model: &str, data: &str) -> Vec<(Vec<String>, bool)> {
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    vec![
        (
            s(&[
                "train", "--model", model, "--data", data, "--loss", "mse", "--lr", "0.1", "--epochs", "2", "--out",
                "out.json", "--log", "log.csv", "--plot", "loss.svg",
            ]),
            true,
        ),
        (s(&["eval", "--model", model, "--data", data, "--loss", "mse"]), true),
        (s(&["eval", "--json", "--model", model, "--data", data, "--loss", "bce"]), true),
        (s(&["predict", "--model", model, "--data", data]), true),
        (s(&["gradcheck", "--model", model, "--data", data, "--loss", "half_sse"]), true),
        (s(&["gradcheck", "--json", "--method", "forward", "--model", model, "--data", data, "--loss", "sse"]), true),
        (s(&["hessian", "--model", model, "--data", data, "--loss", "mse"]), true),
        (s(&["export", "--model", model, "--format", "rust", "--out", "out.json"]), false),
        (s(&["export", "--model", model, "--format", "c", "--out", "model.h"]), false),
        (s(&["export", "--model", model, "--format", "bin", "--out", "model.bin"]), false),
    ]
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn codec_of_model() -> Vec<u8> {
    let d = dir();
    write(d.path(), "m.json", MODEL);
    nn().current_dir(d.path())
        .args(["export", "--model", "m.json", "--format", "bin", "--out", "m.bin"])
        .assert()
        .success();
    std::fs::read(d.path().join("m.bin")).unwrap()
}

/// The classes of bad model file: the file's contents and what the message must hold.
fn bad_models() -> Vec<(&'static str, Option<File>, Vec<String>)> {
    let m = |from: &str, to: &str| bytes(MODEL.replacen(from, to, 1));
    let codec = codec_of_model();
    let mut flipped = codec.clone();
    let n = flipped.len();
    flipped[n - 7] ^= 0x40;
    let mut trailing = codec.clone();
    trailing.push(0);
    let too_many_layers = format!(
        "{{\"format\": \"nn-model\", \"version\": 1, \"layers\": [{}]}}",
        vec![r#"{"activation": "tanh", "weights": [[1]], "biases": [0]}"#; nn_core::MAX_LAYERS + 1].join(", ")
    );
    let v = |e: &[&str]| e.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        ("missing", None, v(&["bad.json: cannot read the file: no such file or directory"])),
        ("empty", Some(bytes("")), v(&["bad.json: the file is empty; expected a JSON nn-model"])),
        ("blanks", Some(bytes(" \n\t\n")), v(&["bad.json: the file holds only blanks"])),
        ("directory", Some(File::Dir), v(&["bad.json: is a directory; expected a file"])),
        ("fifo", Some(File::Fifo), v(&["bad.json: is not a regular file"])),
        ("truncated", Some(bytes(&MODEL[..60])), v(&["bad.json:2:11: the file ends early"])),
        ("binary", Some(bytes(b"\x89PNG\r\n\x1a\n\0\0\0")), v(&["bad.json:1:1: byte 0x89 at offset 0", "binary file"])),
        ("NUL byte", Some(bytes(MODEL.replace("\"layers\"", "\"lay\0ers\""))), v(&["bad.json:1:42: byte 0x00"])),
        (
            "invalid UTF-8",
            Some(bytes([&MODEL.as_bytes()[..70], b"\xff", &MODEL.as_bytes()[70..]].concat())),
            v(&["bad.json:2:22: byte 0xff at offset 70"]),
        ),
        ("a CSV file", Some(bytes(DATA)), v(&["bad.json:1:1: the file does not start like JSON", "x1,x2,y"])),
        (
            "wrong format",
            Some(m("nn-model", "keras")),
            v(&["bad.json:1:12: format: is \"keras\", expected \"nn-model\""]),
        ),
        ("format not a string", Some(m("\"nn-model\"", "7")), v(&["bad.json:1:12: format: is a number"])),
        (
            "wrong version",
            Some(m("\"version\": 1", "\"version\": 3")),
            v(&["bad.json:1:35: version: is 3; this nn reads version 1, 2"]),
        ),
        (
            "version not a number",
            Some(m("\"version\": 1", "\"version\": \"1\"")),
            v(&["bad.json:1:35: version: is a string"]),
        ),
        ("not an object", Some(bytes("[1, 2]")), v(&["bad.json:1:1: is an array, expected an object"])),
        (
            "missing key",
            Some(bytes("{\"format\": \"nn-model\", \"version\": 1}")),
            v(&["bad.json:1:1: missing the key \"layers\""]),
        ),
        (
            "unknown key",
            Some(m("\"biases\": [0.2]", "\"bias\": [0.2]")),
            v(&["bad.json:3:54: layers[1]: unknown key \"bias\""]),
        ),
        (
            "duplicate key",
            Some(m("\"version\": 1,", "\"version\": 1, \"version\": 1,")),
            v(&["bad.json:1:38: the key \"version\" appears twice"]),
        ),
        (
            "layers not an array",
            Some(bytes("{\"format\": \"nn-model\", \"version\": 1, \"layers\": {}}")),
            v(&["bad.json:1:48: layers: is an object"]),
        ),
        (
            "no layers",
            Some(bytes("{\"format\": \"nn-model\", \"version\": 1, \"layers\": []}")),
            v(&["bad.json:1:48: layers: is empty"]),
        ),
        (
            "too many layers",
            Some(bytes(too_many_layers)),
            v(&["bad.json:1:48: layers: has 17 layers; nn-core networks have at most 16"]),
        ),
        (
            "unknown activation",
            Some(m("sigmoid", "gelu")),
            v(&["bad.json:2:18: layers[0].activation: unknown activation \"gelu\""]),
        ),
        (
            "activation not a string",
            Some(m("\"sigmoid\"", "1")),
            v(&["bad.json:2:18: layers[0].activation: is a number"]),
        ),
        (
            "shapes do not chain",
            Some(m("[[0.5, 0.6]]", "[[0.5, 0.6, 0.7]]")),
            v(&["bad.json:3:41: layers[1].weights[0]: has 3 weights, expected 2", "layer 0 has 2 neurons"]),
        ),
        (
            "row of the wrong length",
            Some(m("0.3, 0.4", "0.3")),
            v(&["bad.json:2:53: layers[0].weights[1]: has 1 weight, expected 2"]),
        ),
        ("empty weights", Some(m("[[0.5, 0.6]]", "[]")), v(&["bad.json:3:40: layers[1].weights: is empty"])),
        (
            "empty row",
            Some(m("[[0.1, 0.2], [0.3, 0.4]]", "[[], []]")),
            v(&["bad.json:2:41: layers[0].weights[0]: is empty"]),
        ),
        (
            "biases of the wrong length",
            Some(m("[0.0, 0.1]", "[0.0]")),
            v(&["bad.json:2:76: layers[0].biases: has 1 value, expected 2"]),
        ),
        (
            "a string for a number",
            Some(m("0.3,", "\"x\",")),
            v(&["bad.json:2:54: layers[0].weights[1][0]: is a string, expected a number"]),
        ),
        ("null for a number", Some(m("0.3,", "null,")), v(&["bad.json:2:54: layers[0].weights[1][0]: is null"])),
        ("NaN", Some(m("0.3,", "NaN,")), v(&["bad.json:2:54: NaN is not a JSON number"])),
        ("Infinity", Some(m("0.3,", "Infinity,")), v(&["bad.json:2:54: Infinity is not a JSON number"])),
        (
            "does not fit in f32",
            Some(m("0.3,", "1e39,")),
            v(&["bad.json:2:54: layers[0].weights[1][0]: 1e39 does not fit in f32"]),
        ),
        (
            "negative, does not fit",
            Some(m("0.3,", "-3.5e38,")),
            v(&["bad.json:2:54: layers[0].weights[1][0]: -3.5e38 does not fit in f32"]),
        ),
        (
            "overflows f64",
            Some(m("0.3,", "1e999,")),
            v(&["bad.json:2:54: layers[0].weights[1][0]: 1e999 does not fit in f32"]),
        ),
        (
            "a 1000-digit number",
            Some(m("0.3,", &format!("1{},", "0".repeat(999)))),
            v(&[
                "bad.json:2:54: layers[0].weights[1][0]: 1000000000000000000000000000000000000000… does not fit in f32",
            ]),
        ),
        (
            "nested too deeply",
            Some(bytes(format!("{}{}", "[".repeat(200), "]".repeat(200)))),
            v(&["bad.json:1:66: nested too deeply"]),
        ),
        ("trailing characters", Some(bytes(format!("{MODEL} trailing"))), v(&["bad.json:5:2: trailing characters"])),
        (
            "codec: magic only",
            Some(bytes(&codec[..4])),
            v(&["bad.json: not a valid nn-core binary model: needs 8 bytes, has 4"]),
        ),
        (
            "codec: truncated",
            Some(bytes(&codec[..20])),
            v(&["bad.json: not a valid nn-core binary model: needs 54 bytes, has 20"]),
        ),
        (
            "codec: a flipped bit",
            Some(bytes(&flipped)),
            v(&["bad.json: not a valid nn-core binary model: checksum mismatch"]),
        ),
        (
            "codec: a byte after the checksum",
            Some(bytes(&trailing)),
            v(&["bad.json: not a valid nn-core binary model: bytes after the checksum"]),
        ),
    ]
}

#[test]
fn every_reader_refuses_every_bad_model_file() {
    let mut cases = 0;
    for (class, file, expect) in bad_models() {
        for (args, _) in readers("bad.json", "d.csv") {
            let files: Vec<(&str, File)> = file.iter().map(|f| ("bad.json", f.clone())).collect();
            let expect: Vec<&str> = expect.iter().map(String::as_str).collect();
            let err = refused(&files, &strs(&args), &expect, false);
            assert!(!err.contains("d.csv"), "{class}: the message blames the data: {err}");
            cases += 1;
        }
    }
    println!("bad model files: {cases} cases refused with exit 2");
}

/// The classes of bad data file (for a 2-2-1 model and `--loss mse`, or `nn predict`).
fn bad_data() -> Vec<(&'static str, Option<File>, &'static str)> {
    vec![
        ("missing", None, "bad.csv: cannot read the file: no such file or directory"),
        ("empty", Some(bytes("")), "bad.csv: the file is empty; expected a header row and at least one data row"),
        ("blanks", Some(bytes(" \n\n")), "bad.csv: the file is empty"),
        ("directory", Some(File::Dir), "bad.csv: is a directory; expected a file"),
        ("fifo", Some(File::Fifo), "bad.csv: is not a regular file"),
        ("a header and no rows", Some(bytes("x1,x2,y\n")), "bad.csv:2:1: the file has a header row but no data rows"),
        ("a header, no newline", Some(bytes("x1,x2,y")), "bad.csv:2:1: the file has a header row but no data rows"),
        ("only comments", Some(bytes("# one\n# two\n")), "bad.csv: the file has no rows"),
        (
            "binary",
            Some(bytes(b"\x89PNG\r\n\x1a\n\0\0\0")),
            "bad.csv:1:1: byte 0x89 at offset 0: this is a binary file",
        ),
        ("NUL byte", Some(bytes(b"x1,x2,y\n0,\0,1\n")), "bad.csv:2:3: byte 0x00 at offset 10"),
        ("invalid UTF-8", Some(bytes(b"x1,x2,y\n0,\xff,1\n")), "bad.csv:2:3: byte 0xff at offset 10"),
        ("a binary model", Some(bytes(codec_of_model())), "bad.csv:1:15: byte 0xcd at offset 14"),
        ("a JSON model", Some(bytes(MODEL)), "bad.csv:1:1: this looks like JSON (a model file?)"),
        ("numbers in the first row", Some(bytes("0,0,0\n1,1,0\n")), "bad.csv:1:1: the first row holds numbers"),
        ("too few columns", Some(bytes("x1\n0\n")), "bad.csv:1:1: the header has 1 column (x1), expected"),
        ("semicolons", Some(bytes("x1;x2;y\n0;0;0\n")), "columns are separated by commas, not semicolons"),
        ("tabs", Some(bytes("x1\tx2\ty\n0\t0\t0\n")), "columns are separated by commas, not tabs"),
        ("a short row", Some(bytes("x1,x2,y\n0,0,0\n0,1\n")), "bad.csv:3:4: the row has 2 values, expected 3"),
        ("a long row", Some(bytes("x1,x2,y\n0,0,0,9\n")), "bad.csv:2:7: the row has 4 values, expected 3"),
        ("truncated in a row", Some(bytes("x1,x2,y\n0,0,0\n0,1")), "bad.csv:3:4: the row has 2 values"),
        ("an unterminated quote", Some(bytes("x1,x2,y\n0,\"1,1\n")), "bad.csv:2:7: the row has 2 values"),
        (
            "not a number",
            Some(bytes("x1,x2,y\n0,abc,1\n")),
            "bad.csv:2:3: \"abc\" is not a number; expected a decimal number",
        ),
        (
            "an empty cell",
            Some(bytes("x1,x2,y\n0,,1\n")),
            "bad.csv:2:3: the cell is empty; expected a number (column \"x2\", data row 1)",
        ),
        ("inf", Some(bytes("x1,x2,y\n0,inf,1\n")), "bad.csv:2:3: inf is not finite"),
        ("-Infinity", Some(bytes("x1,x2,y\n0,-Infinity,1\n")), "bad.csv:2:3: -Infinity is not finite"),
        ("NaN", Some(bytes("x1,x2,y\n0,NaN,1\n")), "bad.csv:2:3: NaN is not a number; expected a finite number"),
        ("does not fit in f32", Some(bytes("x1,x2,y\n0,1e39,1\n")), "bad.csv:2:3: 1e39 does not fit in f32"),
        ("hexadecimal", Some(bytes("x1,x2,y\n0,0x10,1\n")), "bad.csv:2:3: \"0x10\" is not a number"),
        ("a decimal comma", Some(bytes("x1,x2,y\n0,\"0,5\",1\n")), "bad.csv:2:3: \"0,5\" is not a number"),
        (
            "a huge cell",
            Some(bytes(format!("x1,x2,y\n0,{}x,1\n", "1".repeat(100_000)))),
            "bad.csv:2:3: \"1111111111111111111111111111111111111111…\" is not a number",
        ),
        ("old Mac line ends", Some(bytes("x1,x2,y\r0,0,0\r0,1,x\r")), "bad.csv:3:5: \"x\" is not a number"),
        ("Windows line ends", Some(bytes("x1,x2,y\r\n0,0,0\r\n0,1,x\r\n")), "bad.csv:3:5: \"x\" is not a number"),
    ]
}

#[test]
fn every_reader_refuses_every_bad_data_file() {
    let mut cases = 0;
    for (class, file, expect) in bad_data() {
        for (args, reads_data) in readers("m.json", "bad.csv") {
            if !reads_data {
                continue;
            }
            let files: Vec<(&str, File)> = file.iter().map(|f| ("bad.csv", f.clone())).collect();
            let err = refused(&files, &strs(&args), &[expect], false);
            assert!(!err.contains("m.json:"), "{class}: the message blames the model: {err}");
            cases += 1;
        }
    }
    println!("bad data files: {cases} cases refused with exit 2");
}

/// Data that read fine but do not suit the loss, or overflow f32 in the model.
#[test]
fn data_that_do_not_suit_the_loss_or_overflow_are_refused_by_every_loss_command() {
    let loss_commands = |model: &str, loss: &str| -> Vec<Vec<String>> {
        let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        vec![
            s(&[
                "train", "--model", model, "--data", "bad.csv", "--loss", loss, "--lr", "0.1", "--epochs", "1",
                "--out", "out.json",
            ]),
            s(&["eval", "--model", model, "--data", "bad.csv", "--loss", loss]),
            s(&["gradcheck", "--model", model, "--data", "bad.csv", "--loss", loss]),
            s(&["hessian", "--model", model, "--data", "bad.csv", "--loss", loss]),
        ]
    };
    let big = BIG;
    let cases: Vec<(&str, &str, &str, &str, &str)> = vec![
        // (model file, its text, loss, data, expected)
        (
            "m.json",
            MODEL,
            "bce",
            "x1,x2,y\n0,0,1\n0,1,2\n",
            "bad.csv:3:5: target 2 is outside [0, 1]; bce needs probabilities",
        ),
        ("s.json", SOFTMAX, "softmax_ce", "a,b,class\n1,2,3\n", "bad.csv:2:5: class label 3 is not one of 0..2"),
        ("s.json", SOFTMAX, "softmax_ce", "a,b,class\n1,2,-1\n", "bad.csv:2:5: class label -1 is not one of 0..2"),
        ("s.json", SOFTMAX, "softmax_ce", "a,b,class\n1,2,1.5\n", "bad.csv:2:5: class label 1.5 is not one of 0..2"),
        (
            "s.json",
            SOFTMAX,
            "softmax_ce",
            "a,b,class\n1,2,1e-50\n",
            "bad.csv:2:5: class label 1e-50 is not one of 0..2",
        ),
        (
            "s.json",
            SOFTMAX,
            "softmax_ce",
            "a,b,p,q,r\n1,2,0.5,0.2,0.2\n",
            "bad.csv:2:5: the targets of data row 1 sum to 0.9",
        ),
        (
            "s.json",
            SOFTMAX,
            "softmax_ce",
            "a,b,p,q,r\n1,2,0.5,0.7,-0.2\n",
            "bad.csv:2:13: target -0.2 is outside [0, 1]",
        ),
        ("s.json", SOFTMAX, "mse", "a,b,c,d\n1,2,1,0\n", "bad.csv:1:1: the header has 4 columns (a,b,c,d), expected 5"),
    ];
    let mut n = 0;
    for (model_name, model_text, loss, data, expect) in cases {
        for args in loss_commands(model_name, loss) {
            let files = [(model_name, bytes(model_text)), ("bad.csv", bytes(data))];
            refused(&files, &strs(&args), &[expect], false);
            n += 1;
        }
    }
    // Values that overflow f32 in the model: every command names the first such row
    // (train after its first line, which announces the run).
    let overflows: Vec<(&str, &str, &str, &str, [&str; 2])> = vec![
        ("big.json", big, "mse", "x,y\n1e-39,1\n10,1\n", ["bad.csv:3", "data row 2"]),
        ("big.json", big, "sse", "x,y\n-10,1\n", ["bad.csv:2", "data row 1"]),
        ("m.json", MODEL, "mse", "x1,x2,y\n0,0,0\n# a comment\n0,0,3e38\n", ["bad.csv:4", "data row 2"]),
        ("m.json", MODEL, "half_sse", "x1,x2,y\n0,0,-3e38\n", ["bad.csv:2", "data row 1"]),
    ];
    for (model_name, model_text, loss, data, expect) in overflows {
        for args in loss_commands(model_name, loss) {
            let files = [(model_name, bytes(model_text)), ("bad.csv", bytes(data))];
            let err = refused(&files, &strs(&args), &expect, args[0] == "train");
            assert!(err.contains(" is inf") || err.contains(" is -inf") || err.contains(" is NaN"), "{err}");
            n += 1;
        }
    }
    // predict has no loss; an output that overflows is refused with its row, and no row
    // of the CSV is printed.
    let files = [("big.json", bytes(big)), ("bad.csv", bytes("x\n0.5\n10\n"))];
    refused(
        &files,
        &["predict", "--model", "big.json", "--data", "bad.csv"],
        &["bad.csv:3: data row 2: the output of big.json is inf"],
        false,
    );
    n += 1;
    println!("data that do not suit the loss or overflow: {n} cases refused with exit 2");
}

#[test]
fn a_loss_that_does_not_fit_the_output_activation_is_refused() {
    let mut n = 0;
    for (model, loss, expect) in [
        (
            "m.json",
            "softmax_ce",
            "m.json:3:18: layers[1].activation is sigmoid, but --loss softmax_ce needs a softmax output layer",
        ),
        ("s.json", "bce", "s.json:2:18: layers[0].activation is softmax, but --loss bce needs a sigmoid output layer"),
    ] {
        for cmd in ["train", "eval", "gradcheck", "hessian"] {
            let mut args = vec![cmd, "--model", model, "--data", "d.csv", "--loss", loss];
            if cmd == "train" {
                args.extend(["--lr", "0.1", "--epochs", "1", "--out", "out.json"]);
            }
            refused(&[], &args, &[expect], false);
            n += 1;
        }
    }
    println!("loss and output activation mismatches: {n} cases refused with exit 2");
}

/// Values every numeric option refuses, and the options with their own refusals.
#[test]
fn every_numeric_option_refuses_bad_values() {
    let train = |flag: &str, value: &str, extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = ["train", "--model", "m.json", "--data", "d.csv", "--out", "out.json"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for (f, default) in [("--loss", "mse"), ("--lr", "0.1"), ("--epochs", "1")] {
            if f != flag {
                a.extend([f.to_string(), default.to_string()]);
            }
        }
        a.extend(extra.iter().map(|s| s.to_string()));
        a.extend([flag.to_string(), value.to_string()]);
        a
    };
    let with = |base: &[&str], flag: &str, value: &str| -> Vec<String> {
        let mut a: Vec<String> = base.iter().map(|s| s.to_string()).collect();
        a.extend([flag.to_string(), value.to_string()]);
        a
    };
    let gradcheck = ["gradcheck", "--model", "m.json", "--data", "d.csv", "--loss", "mse"];
    let hessian = ["hessian", "--model", "m.json", "--data", "d.csv", "--loss", "mse"];
    let init = ["init", "--layers", "2,1", "--activations", "sigmoid", "--init", "uniform", "--out", "new.json"];
    let init_widths = ["init", "--activations", "sigmoid", "--out", "new.json"];
    let init_two_layers = ["init", "--activations", "tanh,sigmoid", "--out", "new.json"];
    let init_activations = ["init", "--layers", "2,1", "--out", "new.json"];
    // (arguments, expected in the message)
    let mut cases: Vec<(Vec<String>, String)> = Vec::new();
    // Refused by every option, whatever its range: not numbers, not finite, too large.
    let not_numbers = ["", "x", "0x10", "1,5", "nan", "-nan", "inf", "-inf", "1e39", "-1e39", "1e999"];
    let floats: Vec<(Vec<String>, &str)> = vec![
        (train("--lr", "{}", &[]), "--lr"),
        (train("--momentum", "{}", &["--optimizer", "momentum"]), "--momentum"),
        (train("--momentum", "{}", &["--optimizer", "nesterov"]), "--momentum"),
        (train("--beta1", "{}", &["--optimizer", "adam"]), "--beta1"),
        (train("--beta2", "{}", &["--optimizer", "adam"]), "--beta2"),
        (train("--epsilon", "{}", &["--optimizer", "adam"]), "--epsilon"),
        (train("--beta1", "{}", &["--optimizer", "adamw"]), "--beta1"),
        (train("--epsilon", "{}", &["--optimizer", "adamw"]), "--epsilon"),
        (train("--alpha", "{}", &["--optimizer", "rmsprop"]), "--alpha"),
        (train("--epsilon", "{}", &["--optimizer", "rmsprop"]), "--epsilon"),
        (train("--weight-decay", "{}", &[]), "--weight-decay"),
        (train("--weight-decay", "{}", &["--optimizer", "adamw"]), "--weight-decay"),
        (train("--clip-norm", "{}", &[]), "--clip-norm"),
        (with(&gradcheck, "--eps", "{}"), "--eps"),
        (with(&gradcheck, "--atol", "{}"), "--atol"),
        (with(&gradcheck, "--rtol", "{}"), "--rtol"),
        (with(&hessian, "--eps", "{}"), "--eps"),
        (with(&hessian, "--step", "{}"), "--step"),
        (with(&init, "--limit", "{}"), "--limit"),
    ];
    let integers: Vec<(Vec<String>, &str)> = vec![
        (train("--epochs", "{}", &[]), "--epochs"),
        (train("--batch-size", "{}", &[]), "--batch-size"),
        (train("--seed", "{}", &[]), "--seed"),
        (with(&hessian, "--seed", "{}"), "--seed"),
        (with(&init, "--seed", "{}"), "--seed"),
        (with(&["verify-device", "--core", "m4f"], "--timeout", "{}"), "--timeout"),
    ];
    let fill = |template: &[String], value: &str| -> Vec<String> {
        template.iter().map(|a| if a == "{}" { value.to_string() } else { a.clone() }).collect()
    };
    for (template, flag) in floats.iter().chain(&integers) {
        for value in not_numbers {
            cases.push((fill(template, value), format!("invalid value '{value}' for '{flag}")));
        }
        for value in ["1.5e-46", "1e-46"] {
            // Below the smallest f32: rounds to 0.
            if ["--lr", "--epsilon", "--eps", "--step", "--limit"].contains(flag) {
                cases.push((fill(template, value), format!("{value} rounds to 0 in f32")));
            }
        }
    }
    // Range checks, option by option.
    let ranges: Vec<(Vec<String>, &[&str], &str)> = vec![
        (train("--lr", "{}", &[]), &["0", "-0", "-1", "-1e-3"], "expected a positive number"),
        (train("--epsilon", "{}", &["--optimizer", "adam"]), &["0", "-1"], "expected a positive number"),
        (train("--epsilon", "{}", &["--optimizer", "adamw"]), &["0", "-1e-8"], "expected a positive number"),
        (train("--epsilon", "{}", &["--optimizer", "rmsprop"]), &["0", "-1"], "expected a positive number"),
        (
            train("--alpha", "{}", &["--optimizer", "rmsprop"]),
            &["1", "-0.1", "1.5"],
            "expected a number from 0 up to (not including) 1",
        ),
        (
            train("--beta2", "{}", &["--optimizer", "adamw"]),
            &["1", "-0.5"],
            "expected a number from 0 up to (not including) 1",
        ),
        (
            train("--weight-decay", "{}", &["--optimizer", "adamw"]),
            &["-0.01"],
            "expected a number that is not negative",
        ),
        (
            train("--weight-decay", "{}", &["--optimizer", "adamw"]),
            &["10", "1e30"],
            "AdamW's learning rate times weight decay must be below 1",
        ),
        (with(&gradcheck, "--eps", "{}"), &["0", "-0.001"], "expected a positive number"),
        (with(&hessian, "--eps", "{}"), &["0", "-0.001"], "expected a positive number"),
        (with(&hessian, "--step", "{}"), &["0", "-0.01"], "expected a positive number"),
        (with(&init, "--limit", "{}"), &["0", "-1"], "expected a positive number"),
        (
            train("--momentum", "{}", &["--optimizer", "momentum"]),
            &["1", "-0.1", "1.5", "2"],
            "expected a number from 0 up to (not including) 1",
        ),
        (
            train("--beta1", "{}", &["--optimizer", "adam"]),
            &["1", "-0.1", "7"],
            "expected a number from 0 up to (not including) 1",
        ),
        (
            train("--beta2", "{}", &["--optimizer", "adam"]),
            &["1", "-1e-9"],
            "expected a number from 0 up to (not including) 1",
        ),
        (train("--weight-decay", "{}", &[]), &["-1", "-1e-30"], "expected a number that is not negative"),
        (train("--clip-norm", "{}", &[]), &["-1"], "expected a number that is not negative"),
        (with(&gradcheck, "--atol", "{}"), &["-1"], "expected a number that is not negative"),
        (with(&gradcheck, "--rtol", "{}"), &["-0.5"], "expected a number that is not negative"),
        (train("--epochs", "{}", &[]), &["0", "-3"], "expected at least 1 epoch"),
        (train("--epochs", "{}", &[]), &["1.5", "1e3"], "expected a whole number of epochs"),
        (train("--epochs", "{}", &[]), &["4294967296", "99999999999999999999"], "expected at most 4294967295 epochs"),
        (train("--batch-size", "{}", &[]), &["-1"], "a batch size cannot be negative"),
        (train("--batch-size", "{}", &[]), &["2.5"], "expected a whole number (0 = the whole data set"),
        (train("--seed", "{}", &[]), &["-1", "4294967296", "1.5"], "expected a whole number from 0 to 4294967295"),
        (
            with(&["verify-device", "--core", "m4f"], "--timeout", "{}"),
            &["0", "-1", "86401", "1.5"],
            "expected a whole number of seconds from 1 to 86400",
        ),
        (
            train("--schedule", "{}", &[]),
            &["", "cosine", "-1", "step", "step:10"],
            "unknown schedule; expected constant, step:EVERY:GAMMA",
        ),
        (train("--schedule", "{}", &[]), &["step:0:0.5"], "EVERY must be at least 1"),
        (
            train("--schedule", "{}", &[]),
            &["step:-1:0.5", "step:x:0.5", "step:1.5:0.5"],
            "EVERY in step:EVERY:GAMMA must be a whole number",
        ),
        (
            train("--schedule", "{}", &[]),
            &["step:10:0", "step:10:1.5", "exponential:0", "exponential:2", "exp:-0.5"],
            "GAMMA must be in (0, 1]",
        ),
        (train("--schedule", "{}", &[]), &["step:10:nan", "exponential:inf"], "--schedule"),
        (train("--schedule", "{}", &[]), &["inverse_time:-0.1"], "DECAY must not be negative"),
        (
            train("--loss", "{}", &[]),
            &["", "hinge", "MSE", "-1"],
            "unknown loss; expected one of mse, sse, half_sse, bce, softmax_ce",
        ),
        (
            train("--optimizer", "{}", &[]),
            &["rprop", "adamax", ""],
            "possible values: sgd, momentum, nesterov, adam, adamw, rmsprop",
        ),
        (with(&init_widths, "--layers", "{}"), &["", "x", "2,,1", "-1", "2;1", "1e3,1"], "is not a layer width"),
        (with(&init_widths, "--layers", "{}"), &["2,0,1", "0,1"], "a layer width is 0"),
        (with(&init_widths, "--layers", "{}"), &["2"], "expected at least two widths"),
        (
            with(&init_two_layers, "--layers", "{}"),
            &["100000,100000,1"],
            "--layers gives 10000200001 parameters; at most 50000000 are supported",
        ),
        (
            with(&init_two_layers, "--layers", "{}"),
            &["4294967296,4294967296,1", "18446744073709551615,2,1"],
            "more parameters than this computer can count",
        ),
        (with(&init_activations, "--activations", "{}"), &["gelu", "sigmoid,", "-1"], "unknown activation"),
        (
            with(&["export", "--model", "m.json", "--format", "rust", "--out", "m.rs"], "--name", "{}"),
            &["", "9bad", "Model", "a-b", "é"],
            "expected a snake_case identifier",
        ),
        (
            with(&["export", "--model", "m.json", "--out", "m.rs"], "--format", "{}"),
            &["json", ""],
            "possible values: rust, c, bin",
        ),
    ];
    for (template, values, expect) in ranges {
        for value in values {
            cases.push((fill(&template, value), expect.to_string()));
        }
    }
    // Options that depend on the model: a difference step lost in rounding, a Taylor
    // step that overflows, options of another optimiser.
    let more: Vec<(Vec<String>, &str)> = vec![
        (
            with(&gradcheck, "--eps", "1e-40"),
            "--eps 1e-40 cannot move layers[0].weights[0][0] (in f32, 0.1 ± 1e-40 = 0.1; expected a larger --eps)",
        ),
        (with(&hessian, "--eps", "1e-12"), "--eps 1e-12 cannot move layers[0].weights[0][0]"),
        (
            with(&["gradcheck", "--model", "big.json", "--data", "tiny.csv", "--loss", "mse"], "--eps", "1e38"),
            "--eps 1e38 cannot move layers[0].weights[0][0] (3e38 ± 1e38 overflows f32; expected a smaller --eps)",
        ),
        (with(&hessian, "--step", "1e30"), "--step 1e30: the Taylor check overflows f32"),
        (train("--momentum", "0.5", &[]), "--momentum applies only to --optimizer momentum or nesterov"),
        (
            train("--momentum", "0.5", &["--optimizer", "adam"]),
            "--momentum applies only to --optimizer momentum or nesterov",
        ),
        (train("--beta1", "0.5", &[]), "--beta1 and --beta2 apply only to --optimizer adam or adamw"),
        (
            train("--beta2", "0.5", &["--optimizer", "rmsprop"]),
            "--beta1 and --beta2 apply only to --optimizer adam or adamw",
        ),
        (
            train("--epsilon", "1e-7", &["--optimizer", "momentum"]),
            "--epsilon applies only to --optimizer adam, adamw or rmsprop",
        ),
        (train("--alpha", "0.9", &["--optimizer", "adam"]), "--alpha applies only to --optimizer rmsprop"),
        (train("--alpha", "0.9", &[]), "--alpha applies only to --optimizer rmsprop"),
        (
            train("--momentum", "0.5", &["--optimizer", "rmsprop"]),
            "--momentum applies only to --optimizer momentum or nesterov",
        ),
        (
            with(&["init", "--layers", "2,1", "--activations", "sigmoid", "--out", "new.json"], "--limit", "0.5"),
            "--limit applies only to --init uniform",
        ),
        (
            with(&["init", "--layers", "2,4,1", "--activations", "sigmoid", "--out", "new.json"], "--init", "xavier"),
            "--activations has 1 names, expected 2",
        ),
        (
            with(
                &[
                    "init",
                    "--layers",
                    "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1",
                    "--activations",
                    "tanh,tanh,tanh,tanh,tanh,tanh,tanh,tanh,tanh,tanh,tanh,tanh,tanh,tanh,tanh,tanh,tanh",
                    "--out",
                    "new.json",
                ],
                "--seed",
                "1",
            ),
            "--layers gives 17 layers; nn-core networks have at most 16",
        ),
        (with(&["verify-device", "--image", "m.json"], "--core", "all"), "--image needs --core m4f or --core m0"),
        (with(&["verify-device", "--core", "m4f"], "--image", "m.json"), "m.json: is not an ELF executable"),
        (
            with(&["verify-device", "--core", "m0"], "--image", "missing.elf"),
            "missing.elf: no cortex-m0 firmware image here",
        ),
        (
            with(&["verify-device", "--core", "m4f"], "--firmware", "d.csv"),
            "d.csv: is not a directory; expected the firmware directory",
        ),
        (with(&["example"], "nope", "--list"), "the argument '[NAME]' cannot be used with '--list'"),
        (with(&["example", "nope"], "--write", "."), "unknown example \"nope\""),
    ];
    for (args, expect) in more {
        cases.push((args, expect.to_string()));
    }
    let n = cases.len();
    for (args, expect) in cases {
        refused(&[], &strs(&args), &[&expect], false);
    }
    println!("bad option values: {n} cases refused with exit 2");
}

/// Validation sets, early stopping, class names and target columns: every bad choice is
/// refused before training, with the file, line and column where there is a file.
#[test]
fn validation_labels_and_target_columns_refuse_bad_choices() {
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let train = |model: &str, data: &str, loss: &str| {
        s(&[
            "train", "--model", model, "--data", data, "--loss", loss, "--lr", "0.1", "--epochs", "2", "--out",
            "out.json",
        ])
    };
    // nn train on the XOR model and data, with `extra` options.
    let on_xor = |extra: &[&str]| [train("m.json", "d.csv", "mse"), s(extra)].concat();
    let labelled =
        SOFTMAX.replace("\"version\": 1", "\"version\": 2").replace("}]}", "}], \"labels\": [\"a\", \"b\", \"c\"]}");
    let text = "x1,x2,class\n1,2,a\n3,4,b\n5,6,c\n";
    let files = || {
        vec![
            ("named.json", bytes(&labelled)),
            ("t.csv", bytes(text)),
            ("other.csv", bytes("p,q,y\n0,0,0\n1,1,1\n")),
            ("wide.csv", bytes("x1,x2,x3,y\n0,0,0,0\n")),
            ("unseen.csv", bytes("x1,x2,class\n1,2,a\n3,4,z\n")),
            ("two.csv", bytes("x1,x2,class\n1,2,a\n3,4,b\n")),
        ]
    };
    let cases: Vec<(Vec<String>, Vec<&str>)> = vec![
        // --validation-split outside (0, 1), or leaving a side empty (4 samples in d.csv).
        (on_xor(&["--validation-split", "0"]), vec!["expected a fraction between 0 and 1"]),
        (on_xor(&["--validation-split", "1"]), vec!["expected a fraction between 0 and 1"]),
        (on_xor(&["--validation-split", "-0.5"]), vec!["expected a fraction"]),
        (on_xor(&["--validation-split", "nan"]), vec!["not a number"]),
        (
            on_xor(&["--validation-split", "0.1"]),
            vec!["--validation-split 0.1 of the 4 samples in d.csv leaves 4 for training and 0 for validation"],
        ),
        (on_xor(&["--validation-split", "0.9"]), vec!["leaves 0 for training and 4 for validation"]),
        (on_xor(&["--validation", "d.csv", "--validation-split", "0.5"]), vec!["cannot be used with"]),
        // A validation file whose columns differ.
        (
            on_xor(&["--validation", "other.csv"]),
            vec!["other.csv:1:1: the header (p,q,y) differs from the training data's (x1,x2,y) in d.csv"],
        ),
        (
            on_xor(&["--validation", "wide.csv"]),
            vec!["wide.csv:1:1: the header has 4 columns (x1,x2,x3,y), expected 3"],
        ),
        (on_xor(&["--validation", "missing.csv"]), vec!["missing.csv: cannot read the file"]),
        // Early stopping: a patience of 0, or nothing to watch.
        (on_xor(&["--early-stopping", "0"]), vec!["a patience of 0"]),
        (on_xor(&["--early-stopping", "-3"]), vec!["expected a whole number of epochs"]),
        (
            on_xor(&["--early-stopping", "3"]),
            vec!["--early-stopping watches the validation loss; give a validation set"],
        ),
        // Class names: unknown to the model, unseen in training, absent from the model,
        // or more or fewer than the output layer tells apart.
        (
            s(&["eval", "--model", "named.json", "--data", "unseen.csv", "--loss", "softmax_ce"]),
            vec!["unseen.csv:3:5: unknown class \"z\"; expected one of the model's classes (a, b, c) from named.json"],
        ),
        (
            [train("s.json", "t.csv", "softmax_ce"), s(&["--validation", "unseen.csv"])].concat(),
            vec!["unseen.csv:3:5: unknown class \"z\"; expected one of the model's classes (a, b, c)"],
        ),
        (
            s(&["eval", "--model", "s.json", "--data", "t.csv", "--loss", "softmax_ce"]),
            vec!["t.csv:2:5: class \"a\": s.json stores no class names, so labels must be 0..2"],
        ),
        (
            train("s.json", "two.csv", "softmax_ce"),
            vec!["two.csv:2:5: the label column holds 2 classes (a, b), but the 2-3 network in s.json tells 3 apart"],
        ),
        (
            s(&["predict", "--model", "bad-labels.json", "--data", "d.csv"]),
            vec![
                "bad-labels.json:3:11: ",
                "labels: has 2 names, expected 3 (one per output of the softmax output layer)",
            ],
        ),
        (
            s(&["eval", "--model", "labels-on-m.json", "--data", "d.csv", "--loss", "mse"]),
            vec!["labels-on-m.json:", "labels: has 3 names, expected 2 (a single output tells 2 classes apart"],
        ),
        // Target columns by name or position.
        (on_xor(&["--target", "z"]), vec!["d.csv:1:1: --target \"z\": no such column; the header has x1,x2,y"]),
        (on_xor(&["--target", "0"]), vec!["d.csv:1:1: --target 0: column positions start at 1"]),
        (on_xor(&["--target", "4"]), vec!["d.csv:1:1: --target 4: the file has only 3 columns"]),
        (on_xor(&["--target", "y,3"]), vec!["d.csv:1:1: --target names column 3 (\"y\") twice"]),
        (
            on_xor(&["--target", "x1,y"]),
            vec!["d.csv:1:1: the header has 3 columns (x1,x2,y), 2 targets of them chosen by --target, expected 3"],
        ),
        (
            on_xor(&["--no-header", "--target", "y"]),
            vec!["d.csv:1:1: --target \"y\": with --no-header the columns have no names; give positions from 1"],
        ),
        (
            s(&["eval", "--model", "m.json", "--data", "d.csv", "--loss", "mse", "--no-header"]),
            vec!["d.csv:1:1: \"x1\" is not a number", "(column \"column1\", data row 1)"],
        ),
        // A plot format that is neither PNG nor SVG; a softmax of one output.
        (on_xor(&["--plot", "loss.pdf"]), vec!["loss.pdf: a plot is written as PNG or SVG"]),
        (
            s(&["eval", "--model", "one.json", "--data", "d.csv", "--loss", "mse"]),
            vec!["one.json:1:64: layers[0].activation: softmax of a single output"],
        ),
        (
            s(&["init", "--layers", "2,3,1", "--activations", "tanh,softmax", "--out", "out.json"]),
            vec!["--activations: layer 2: softmax of a single output is always 1"],
        ),
    ];
    let bad_labels = labelled.replace("[\"a\", \"b\", \"c\"]", "[\"a\", \"b\"]").replace("\"labels\"", "\n\"labels\"");
    let labels_on_m =
        MODEL.replace("\"version\": 1", "\"version\": 2").replace("\n]}", "],\n\"labels\": [\"a\", \"b\", \"c\"]}");
    let one = r#"{"format": "nn-model", "version": 1, "layers": [{"activation": "softmax", "weights": [[1]], "biases": [0]}]}"#;
    let mut n = 0;
    for (args, expect) in &cases {
        let mut f = files();
        f.push(("bad-labels.json", bytes(&bad_labels)));
        f.push(("labels-on-m.json", bytes(&labels_on_m)));
        f.push(("one.json", bytes(one)));
        refused(&f, &strs(args), expect, false);
        n += 1;
    }
    println!("validation, labels and target columns: {n} cases refused with exit 2");
}

/// Input-scaling fields of the wrong length, not finite, a scale not positive, or a
/// malformed stage: exit 2 with the file, line and column of the bad value.
#[test]
fn input_scaling_fields_are_checked() {
    let with = |stage: &str| {
        MODEL.replace("\"version\": 1", "\"version\": 2").replace("\n]}", &format!("],\n\"input_scaling\": {stage}}}"))
    };
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            r#"{"mean": [0], "scale": [1, 1]}"#,
            vec!["m2.json:4:27: input_scaling.mean: has 1 value, expected 2 (one per input of the first layer)"],
        ),
        (
            r#"{"mean": [0, 0], "scale": [1, 1, 1]}"#,
            vec!["m2.json:4:44: input_scaling.scale: has 3 values, expected 2"],
        ),
        (
            r#"{"mean": [0, 1e39], "scale": [1, 1]}"#,
            vec!["m2.json:4:31: input_scaling.mean[1]: 1e39 does not fit in f32"],
        ),
        (
            r#"{"mean": [0, "NaN"], "scale": [1, 1]}"#,
            vec!["m2.json:4:31: input_scaling.mean[1]: is a string, expected a number"],
        ),
        (
            r#"{"mean": [0, 0], "scale": [1, 0]}"#,
            vec!["m2.json:4:48: input_scaling.scale[1]: is 0; a scale divides the input, expected a positive number"],
        ),
        (
            r#"{"mean": [0, 0], "scale": [-2, 1]}"#,
            vec!["m2.json:4:45: input_scaling.scale[0]: is -2; a scale divides the input"],
        ),
        (r#"{"mean": [0, 0], "scale": [1, 5e-324]}"#, vec!["m2.json:4:48: input_scaling.scale[1]: is 0;"]),
        (r#"{"mean": [0, 0]}"#, vec!["m2.json:4:18: input_scaling: missing the key \"scale\""]),
        (
            r#"{"mean": [0, 0], "scale": [1, 1], "std": [1, 1]}"#,
            vec!["m2.json:4:52: input_scaling: unknown key \"std\"; expected only mean, scale"],
        ),
        (r#"[0, 1]"#, vec!["m2.json:4:18: input_scaling: is an array, expected an object"]),
    ];
    let n = cases.len();
    for (stage, expect) in cases {
        let files = vec![("m2.json", bytes(with(stage))), ("d.csv", bytes(DATA))];
        for command in [
            &["predict", "--model", "m2.json", "--data", "d.csv"][..],
            &["export", "--model", "m2.json", "--format", "c", "--out", "m.h"][..],
        ] {
            refused(&files, command, &expect, false);
        }
    }
    // Version 1 has no such key.
    let v1 = MODEL.replace("\n]}", "],\n\"input_scaling\": {\"mean\": [0, 0], \"scale\": [1, 1]}}");
    let files = vec![("m1.json", bytes(&v1)), ("d.csv", bytes(DATA))];
    refused(
        &files,
        &["predict", "--model", "m1.json", "--data", "d.csv"],
        &["m1.json:4:1: unknown key \"input_scaling\"; expected only format, version, layers"],
        false,
    );
    println!("input scaling: {} cases refused with exit 2", 2 * n + 1);
}

/// Every output path × every way it can be unwritable; nothing is created or changed.
#[test]
fn every_output_path_refuses_unwritable_targets() {
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let train = s(&["train", "--model", "m.json", "--data", "d.csv", "--loss", "mse", "--lr", "0.1", "--epochs", "1"]);
    // (command without the output option, the option, whether the option is --out)
    let writers: Vec<(Vec<String>, &str)> = vec![
        ([train.clone(), s(&["--log", "log.csv"])].concat(), "--out"),
        ([train.clone(), s(&["--out", "t.json"])].concat(), "--log"),
        ([train.clone(), s(&["--out", "t.json"])].concat(), "--plot"),
        (s(&["init", "--layers", "2,1", "--activations", "sigmoid"]), "--out"),
        (s(&["export", "--model", "m.json", "--format", "rust"]), "--out"),
        (s(&["export", "--model", "m.json", "--format", "c"]), "--out"),
        (s(&["export", "--model", "m.json", "--format", "bin"]), "--out"),
        (s(&["demo"]), "--plot"),
    ];
    type Target<'a> = (&'a str, Vec<(&'a str, File)>, &'a str);
    let targets: Vec<Target> = vec![
        ("missing/o.txt", vec![], "missing/o.txt: cannot write the file: no such file or directory"),
        ("sub", vec![("sub", File::Dir)], "sub: is a directory; expected a file name to write"),
        ("sub/", vec![("sub", File::Dir)], "sub/: ends with a separator"),
        ("new/", vec![], "new/: ends with a separator"),
        ("fifo", vec![("fifo", File::Fifo)], "fifo: is not a regular file"),
        ("/dev/null", vec![], "/dev/null: is not a regular file"),
        ("d.csv/o.txt", vec![], "d.csv/o.txt: cannot write the file: a part of the path is not a directory"),
        (".", vec![], ".: is a directory"),
        ("..", vec![], "..: is a directory"),
    ];
    let mut n = 0;
    for (base, flag) in &writers {
        for (target, files, expect) in &targets {
            let args = [base.clone(), s(&[flag, target])].concat();
            refused(files, &strs(&args), &[expect], false);
            n += 1;
        }
    }
    // Two outputs of one run naming the same file, however spelled.
    for (a, b, expect) in [
        (s(&["--out", "x.json", "--log", "x.json"]), "--log", "x.json: --log names the same file as --out"),
        (s(&["--out", "x.json", "--plot", "./x.json"]), "--plot", "./x.json: --plot names the same file as --out"),
        (
            s(&["--out", "o.json", "--log", "l.csv", "--plot", "sub/../l.csv"]),
            "--plot",
            "--plot names the same file as --log",
        ),
    ] {
        let args = [train.clone(), a].concat();
        let err = refused(&[("sub", File::Dir)], &strs(&args), &[expect], false);
        assert!(err.contains(b), "{err}");
        n += 1;
    }
    // --write of nn example: checked before anything is printed.
    for (target, files, expect) in [
        ("missing", vec![], "missing: is not a directory; expected an existing directory for --write"),
        ("d.csv", vec![], "d.csv: is not a directory"),
        ("fifo", vec![("fifo", File::Fifo)], "fifo: is not a directory"),
    ] {
        refused(&files, &["example", "001", "--write", target], &[expect], false);
        n += 1;
    }
    println!("unwritable outputs: {n} cases refused with exit 2");
}

/// Large inputs stay bounded: a data set of a million rows is read in linear time, and
/// an absurd `--batch-size` is the whole data set, not an allocation.
#[test]
fn large_inputs_are_handled_in_bounded_time() {
    let d = dir();
    write(d.path(), "m.json", MODEL);
    let mut big = String::from("x1,x2,y\n");
    for k in 0..200_000 {
        big.push_str(if k % 2 == 0 { "0,1,1\n" } else { "1,1,0\n" });
    }
    big.push_str("1,1,oops\n");
    write(d.path(), "big.csv", &big);
    let started = std::time::Instant::now();
    let out = nn()
        .current_dir(d.path())
        .args(["eval", "--model", "m.json", "--data", "big.csv", "--loss", "mse"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("big.csv:200002:5: \"oops\" is not a number"), "{}", stderr_of(&out));
    assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
    write(d.path(), "good.csv", big.replace("1,1,oops\n", ""));
    let out = nn()
        .current_dir(d.path())
        .args(["train", "--model", "m.json", "--data", "good.csv", "--loss", "mse", "--lr", "0.1", "--epochs", "1"])
        .args(["--batch-size", "9223372036854775807", "--out", "t.json"])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 update"), "{}", String::from_utf8_lossy(&out.stdout));
}

/// `codec` (a version 1 record of the 2-2-1 `MODEL`) as version 2 with the stage
/// `mean`, `scale` (raw f32 bits, so NaN can be written), the CRC resealed.
fn codec_v2(codec: &[u8], mean: [u32; 2], scale: [u32; 2]) -> Vec<u8> {
    let head = 8 + 3 * 2;
    let mut v2 = codec[..head].to_vec();
    v2[4] = 2;
    for bits in mean.iter().chain(&scale) {
        v2.extend_from_slice(&bits.to_le_bytes());
    }
    v2.extend_from_slice(&codec[head..codec.len() - 4]);
    let crc = nn_tests::crc32(&v2);
    v2.extend_from_slice(&crc.to_le_bytes());
    v2
}

/// Binary models whose input scaling (codec version 2) is bad, for every reader; bad
/// stages and labels that do not match the output layer, for every export format; bad
/// `nn init --standardize` data.
#[test]
fn scaled_binaries_exports_and_init_standardize_refuse_bad_input() {
    let codec = codec_of_model();
    let one = 1.0f32.to_bits();
    let good = codec_v2(&codec, [0.5f32.to_bits(), 0], [one, one]);
    let mut version_3 = codec.clone();
    version_3[4] = 3;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("a NaN mean", codec_v2(&codec, [f32::NAN.to_bits(), 0], [one, one]), "input 0's scaling is not a finite mean"),
        ("an infinite scale", codec_v2(&codec, [0, 0], [one, f32::INFINITY.to_bits()]), "input 1's scaling"),
        (
            "a scale of 0",
            codec_v2(&codec, [0, 0], [0, one]),
            "input 0's scaling is not a finite mean and a finite, positive scale",
        ),
        ("a negative scale", codec_v2(&codec, [0, 0], [one, (-2.0f32).to_bits()]), "input 1's scaling"),
        (
            "the identity stage",
            codec_v2(&codec, [0, 0], [one, one]),
            "a version 2 record whose input scaling is the identity",
        ),
        ("cut in the stage", good[..20].to_vec(), "needs 70 bytes, has 20"),
        ("cut after the stage", good[..31].to_vec(), "needs 70 bytes, has 31"),
        ("version 3", version_3, "unsupported format version 3 (expected 1 or 2)"),
    ];
    let mut n = 0;
    for (what, record, expect) in &cases {
        for (args, _) in readers("bad.bin", "d.csv") {
            let files = vec![("bad.bin", bytes(record))];
            let err = refused(&files, &strs(&args), &["bad.bin: not a valid nn-core binary model: ", expect], false);
            assert!(!err.contains("d.csv"), "{what}: {err}");
            n += 1;
        }
    }
    // The good version 2 record is read by every reader (the control of the cases above).
    let d = dir();
    write(d.path(), "good.bin", &good);
    write(d.path(), "d.csv", DATA);
    nn().current_dir(d.path()).args(["predict", "--model", "good.bin", "--data", "d.csv"]).assert().success();

    // Labels that do not match the output layer, a stage of the wrong length or not
    // finite: every export format refuses them at the model file's place.
    let labelled =
        SOFTMAX.replace("\"version\": 1", "\"version\": 2").replace("}]}", "}],\n\"labels\": [\"a\", \"b\"]}");
    let staged = |stage: &str| {
        MODEL.replace("\"version\": 1", "\"version\": 2").replace("\n]}", &format!("],\n\"input_scaling\": {stage}}}"))
    };
    let models: Vec<(&str, String, &str)> = vec![
        (
            "labels",
            labelled,
            "bad.json:3:11: labels: has 2 names, expected 3 (one per output of the softmax output layer)",
        ),
        (
            "short mean",
            staged(r#"{"mean": [0], "scale": [1, 1]}"#),
            "bad.json:4:27: input_scaling.mean: has 1 value, expected 2",
        ),
        (
            "long scale",
            staged(r#"{"mean": [0, 0], "scale": [1, 1, 1]}"#),
            "bad.json:4:44: input_scaling.scale: has 3 values",
        ),
        (
            "huge mean",
            staged(r#"{"mean": [0, 1e39], "scale": [1, 1]}"#),
            "bad.json:4:31: input_scaling.mean[1]: 1e39 does not fit in f32",
        ),
        ("zero scale", staged(r#"{"mean": [0, 0], "scale": [1, 0]}"#), "bad.json:4:48: input_scaling.scale[1]: is 0"),
    ];
    for (what, model, expect) in &models {
        for format in ["rust", "c", "bin"] {
            let files = vec![("bad.json", bytes(model))];
            let args = ["export", "--model", "bad.json", "--format", format, "--out", "x.out"];
            let err = refused(&files, &args, &[expect], false);
            assert!(!err.is_empty(), "{what}");
            n += 1;
        }
    }

    // nn init --standardize: the data file is checked as nn train checks it.
    let init = |data: &str, extra: &[&str]| {
        let mut args = vec!["init", "--layers", "2,3,1", "--activations", "tanh,sigmoid", "--standardize", data];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--out", "new.json"]);
        args.into_iter().map(String::from).collect::<Vec<_>>()
    };
    // (arguments, files to create, what the message holds)
    type InitCase<'a> = (Vec<String>, Vec<(&'a str, File)>, &'a str);
    let inits: Vec<InitCase> = vec![
        (init("none.csv", &[]), vec![], "none.csv: cannot read the file: no such file or directory"),
        (init("t.csv", &[]), vec![("t.csv", bytes("a,b\n1,2\n3,x\n"))], "t.csv:3:3: \"x\" is not a number"),
        (init("t.csv", &[]), vec![("t.csv", bytes("a\n1\n"))], "t.csv:1:1: "),
        (init("t.csv", &[]), vec![("t.csv", bytes("a,b\n1,2\n3,1e39\n"))], "t.csv:3:3: "),
        (init("t.csv", &[]), vec![("t.csv", bytes(""))], "t.csv: the file is empty"),
        (
            init("t.csv", &["--target", "zz"]),
            vec![("t.csv", bytes("a,b,y\n1,2,0\n"))],
            "t.csv:1:1: --target \"zz\": no such column",
        ),
        (
            s_vec(&["init", "--layers", "2,1", "--activations", "sigmoid", "--target", "y", "--out", "new.json"]),
            vec![],
            "--no-header and --target describe the --standardize data; give --standardize DATA",
        ),
    ];
    for (args, files, expect) in &inits {
        refused(files, &strs(args), &[expect], false);
        n += 1;
    }
    println!("scaled binaries, exports and init --standardize: {n} cases refused with exit 2");
}

fn s_vec(v: &[&str]) -> Vec<String> {
    v.iter().map(|a| a.to_string()).collect()
}

/// `nn train --layers … --activations …` (a new network instead of `--model`): every bad
/// choice is refused before anything is written, naming the option or the file.
#[test]
fn a_new_network_in_train_refuses_bad_choices() {
    let train = |extra: &[&str], loss: &str| -> Vec<String> {
        let mut a = s_vec(&["train", "--data", "d.csv", "--lr", "0.1", "--epochs", "1", "--out", "out.json"]);
        a.extend(s_vec(&["--loss", loss]));
        a.extend(s_vec(extra));
        a
    };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (train(&[], "mse"), "required arguments were not provided: <--model <FILE>|--layers <W,W,...>>"),
        (train(&["--model", "m.json", "--layers", "2,1", "--activations", "sigmoid"], "mse"), "cannot be used with"),
        (train(&["--model", "m.json", "--init", "he"], "mse"), "'--model <FILE>' cannot be used with '--init"),
        (train(&["--model", "m.json", "--limit", "1"], "mse"), "'--model <FILE>' cannot be used with '--limit"),
        (train(&["--layers", "2,1"], "mse"), "required arguments were not provided: --activations"),
        (train(&["--activations", "sigmoid"], "mse"), "--layers"),
        (train(&["--init", "he"], "mse"), "--layers"),
        (train(&["--layers", "2,4,1", "--activations", "sigmoid"], "mse"), "--activations has 1 names, expected 2"),
        (
            train(&["--layers", "2,1", "--activations", "sigmoid", "--limit", "0.5"], "mse"),
            "--limit applies only to --init uniform",
        ),
        (
            train(&["--layers", "2,1", "--activations", "tanh"], "bce"),
            "--activations: the output layer is tanh, but --loss bce needs a sigmoid output layer",
        ),
        (
            train(&["--layers", "2,1", "--activations", "softmax"], "softmax_ce"),
            "--activations: layer 1: softmax of a single output is always 1 and learns nothing",
        ),
        (train(&["--layers", "2,0,1", "--activations", "tanh,sigmoid"], "mse"), "--layers"),
        (train(&["--layers", "3,1", "--activations", "sigmoid"], "mse"), "d.csv:1:1: the header has 3 columns"),
        (train(&["--layers", "3,1", "--activations", "sigmoid"], "mse"), "for the 3-1 network in --layers"),
        (
            train(&["--layers", "2,1", "--activations", "sigmoid", "--train-last", "2"], "mse"),
            "--train-last 2: a new network (xavier init, seed 0) has 1 layer; expected 1 to 1",
        ),
        (
            train(&["--layers", "2,1", "--activations", "sigmoid", "--init", "uniform", "--limit", "0"], "mse"),
            "--limit",
        ),
    ];
    let n = cases.len();
    for (args, expect) in cases {
        refused(&[], &strs(&args), &[expect], false);
    }
    println!("nn train with a new network: {n} cases refused with exit 2");
}
