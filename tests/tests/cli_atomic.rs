//! The output file is written atomically: a run killed in the middle of writing it
//! (here by a file-size limit, `ulimit -f`, which stops the write with SIGXFSZ) leaves
//! the file that was there before, byte for byte.

mod cli_support;

use cli_support::{bin, dir, write};

/// A 2-64-1 model: its trained JSON is several KiB, well past the limit.
fn wide_model() -> String {
    let hidden: Vec<String> = (0..64).map(|k| format!("[{}, {}]", k as f64 / 100.0, -(k as f64) / 200.0)).collect();
    let out: Vec<String> = (0..64).map(|k| format!("{}", k as f64 / 300.0)).collect();
    format!(
        r#"{{"format": "nn-model", "version": 1, "layers": [
  {{"activation": "tanh", "weights": [{}], "biases": [{}]}},
  {{"activation": "sigmoid", "weights": [[{}]], "biases": [0.1]}}]}}"#,
        hidden.join(", "),
        vec!["0"; 64].join(", "),
        out.join(", ")
    )
}

const DATA: &str = "x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n";
const OLD: &str = "the file that was there before\n";

fn train(d: &std::path::Path, limit_blocks: Option<u32>) -> std::process::Output {
    let args = [
        "train", "--model", "m.json", "--data", "d.csv", "--loss", "mse", "--lr", "0.1", "--epochs", "2", "--out",
        "out.json",
    ];
    let limit = limit_blocks.map_or(String::new(), |b| format!("ulimit -f {b} && "));
    std::process::Command::new("sh")
        .current_dir(d)
        .arg("-c")
        .arg(format!("{limit}exec \"$0\" \"$@\""))
        .arg(bin())
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_write_cut_short_leaves_the_previous_file_intact() {
    let d = dir();
    write(d.path(), "m.json", wide_model());
    write(d.path(), "d.csv", DATA);
    // Without a limit the run writes a complete new file, longer than the limit.
    write(d.path(), "out.json", OLD);
    let full = train(d.path(), None);
    assert!(full.status.success(), "{}", String::from_utf8_lossy(&full.stderr));
    let new = std::fs::read(d.path().join("out.json")).unwrap();
    assert!(new.len() > 4 * 1024, "the new file is {} bytes", new.len());
    // With a 1-block limit the write of the new file fails in the middle.
    write(d.path(), "out.json", OLD);
    let cut = train(d.path(), Some(1));
    assert!(!cut.status.success(), "the write was expected to fail under the limit");
    let after = std::fs::read(d.path().join("out.json")).unwrap();
    assert!(after == OLD.as_bytes(), "out.json is neither the old file nor the new: {} bytes", after.len());
}
