//! Recording files and device logs end to end: `nn recording info` on good and bad files,
//! `nn record --from-log` on the fixtures (a `probe-rs run` log and a QEMU semihosting
//! log) and on bad logs. Every bad input must end with exit code 2 and exactly one line on
//! stderr, `error: FILE:LINE:COLUMN: …`, nothing on stdout, and no output file.

mod cli_support;

use std::path::Path;

use cli_support::{dir, json_of, nn, stderr_of, write};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/recording_fixtures");

/// Two sessions, two labels; counts in mg on x and y, 0.001 m/s² on z.
const GOOD: &str = "# nn-recording v1 rate_hz=50 labels=still,shake\n\
                    # a comment\n\
                    session,label,ax[mg],ay[mg],az[0.001*m/s^2]\n\
                    0,still,1,2,3\n\
                    0,shake,4,5,6\n\
                    1,still,7,8,9\n";

#[test]
fn info_reports_what_the_file_holds() {
    let d = dir();
    let f = write(d.path(), "r.csv", GOOD);
    let out = nn().args(["recording", "info", "--json"]).arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let v = json_of(&out);
    assert_eq!(v["rate_hz"], 50.0);
    assert_eq!(v["samples"], 3);
    // 3 samples at 50 Hz: 0.06 s.
    assert!((v["duration_s"].as_f64().unwrap() - 0.06).abs() < 1e-12);
    assert_eq!(v["sessions"], 2);
    assert_eq!(v["axes"][2]["name"], "az");
    assert_eq!(v["axes"][2]["unit"], "m/s^2");
    assert_eq!(v["axes"][2]["per_count"], 0.001);
    assert_eq!(v["axes"][0]["unit"], "mg");
    // Counts 1, 4, 7 on ax and 3, 6, 9 on az; no range declared.
    assert_eq!((v["axes"][0]["min_count"].as_i64(), v["axes"][0]["max_count"].as_i64()), (Some(1), Some(7)));
    assert_eq!((v["axes"][2]["min_count"].as_i64(), v["axes"][2]["max_count"].as_i64()), (Some(3), Some(9)));
    assert!(v["axes"][0]["at_range_ends"].is_null());
    assert_eq!(v["labels"][0]["label"], "still");
    assert_eq!(v["labels"][0]["samples"], 2);
    assert_eq!(v["labels"][0]["sessions"], 2);
    assert_eq!(v["labels"][1]["label"], "shake");
    assert_eq!(v["labels"][1]["samples"], 1);
    assert_eq!(v["labels"][1]["sessions"], 1);
    let text = nn().args(["recording", "info"]).arg(&f).output().unwrap();
    assert_eq!(text.status.code(), Some(0));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("3 samples at 50 Hz (0.06 s), 2 sessions"), "{text}");
    assert!(text.contains("az[0.001*m/s^2]"), "{text}");
}

#[test]
fn undeclared_labels_keep_their_order_of_first_appearance() {
    let d = dir();
    let f =
        write(d.path(), "r.csv", "# nn-recording v1 rate_hz=10\nsession,label,x[raw]\n0,walk,1\n0,run,2\n1,walk,3\n");
    let v = json_of(&nn().args(["recording", "info", "--json"]).arg(&f).output().unwrap());
    assert_eq!(v["labels"][0]["label"], "walk");
    assert_eq!(v["labels"][1]["label"], "run");
    // 3 samples at 10 Hz.
    assert!((v["duration_s"].as_f64().unwrap() - 0.3).abs() < 1e-12);
}

/// A bad recording file and how the error line must start (after `error: r.csv:`).
const BAD_FILES: &[(&str, &str, &str)] = &[
    ("empty file", "", "1:1: the file is empty"),
    ("blank lines only", "\n\n", "1:1: the file is empty"),
    ("no metadata line", "session,label,ax[mg]\n0,a,1\n", "1:1: expected a first line \"# nn-recording v1"),
    ("unknown version", "# nn-recording v2 rate_hz=50\n", "1:16: recording format version \"v2\""),
    ("rate missing", "# nn-recording v1\nsession,label,ax[mg]\n0,a,1\n", "1:18: rate_hz is missing"),
    ("rate zero", "# nn-recording v1 rate_hz=0\n", "1:27: rate_hz=0 is not positive"),
    ("rate negative", "# nn-recording v1 rate_hz=-50\n", "1:27: rate_hz=-50 is not positive"),
    ("rate nan", "# nn-recording v1 rate_hz=NaN\n", "1:27: rate_hz=NaN is not finite"),
    ("rate infinite", "# nn-recording v1 rate_hz=inf\n", "1:27: rate_hz=inf is not finite"),
    ("rate not a number", "# nn-recording v1 rate_hz=fast\n", "1:27: rate_hz=\"fast\" is not a number"),
    ("rate twice", "# nn-recording v1 rate_hz=5 rate_hz=5\n", "1:29: rate_hz is declared twice"),
    ("unknown key", "# nn-recording v1 rate=50\n", "1:19: unknown key \"rate\""),
    ("not key=value", "# nn-recording v1 rate_hz=50 fast\n", "1:30: \"fast\" is not key=value"),
    ("label declared twice", "# nn-recording v1 rate_hz=50 labels=a,b,a\n", "1:41: the label \"a\" is declared twice"),
    ("empty range", "# nn-recording v1 rate_hz=50 range=5..1\n", "1:36: range=5..1 is empty"),
    ("bad range", "# nn-recording v1 rate_hz=50 range=5\n", "1:36: \"5\": expected range=MIN..MAX"),
    ("missing header", "# nn-recording v1 rate_hz=50\n", "2:1: the file ends after its first line"),
    ("data instead of header", "# nn-recording v1 rate_hz=50\n0,a,1\n", "2:1: header column 1 is a number"),
    ("header without label", "# nn-recording v1 rate_hz=50\nsession,ax[mg]\n", "2:9: header column 2 is \"ax[mg]\""),
    ("no axes", "# nn-recording v1 rate_hz=50\nsession,label\n", "2:14: the header names no axis"),
    ("axis without unit", "# nn-recording v1 rate_hz=50\nsession,label,ax\n", "2:15: the axis \"ax\" has no unit"),
    ("unknown unit", "# nn-recording v1 rate_hz=50\nsession,label,ax[G]\n", "2:15: unknown unit \"G\" of axis ax"),
    ("zero scale", "# nn-recording v1 rate_hz=50\nsession,label,ax[0*mg]\n", "2:15: the scale \"0\" of axis ax"),
    (
        "axis twice",
        "# nn-recording v1 rate_hz=50\nsession,label,ax[mg],ax[mg]\n",
        "2:22: the axis name \"ax\" is used twice",
    ),
    (
        "no samples",
        "# nn-recording v1 rate_hz=50\nsession,label,ax[mg]\n",
        "3:1: the file has a header row but no samples",
    ),
    (
        "short row",
        "# nn-recording v1 rate_hz=50\nsession,label,ax[mg],ay[mg]\n0,a,1\n",
        "3:6: the row has 3 values, expected 4",
    ),
    (
        "long row",
        "# nn-recording v1 rate_hz=50\nsession,label,ax[mg]\n0,a,1,2\n",
        "3:7: the row has 4 values, expected 3",
    ),
    (
        "row of a single cell",
        "# nn-recording v1 rate_hz=50\nsession,label,ax[mg]\n0\n",
        "3:2: the row has 1 values, expected 3",
    ),
    ("empty count", "# nn-recording v1 rate_hz=50\nsession,label,ax[mg],ay[mg]\n0,a,,1\n", "3:5: the cell is empty"),
    (
        "count not a number",
        "# nn-recording v1 rate_hz=50\nsession,label,ax[mg]\n0,a,x1\n",
        "3:5: \"x1\" is not a number",
    ),
    (
        "decimal count",
        "# nn-recording v1 rate_hz=50\nsession,label,ax[mg]\n0,a,1.5\n",
        "3:5: 1.5 is not a whole number",
    ),
    (
        "count beyond i32",
        "# nn-recording v1 rate_hz=50\nsession,label,ax[mg]\n0,a,2147483648\n",
        "3:5: 2147483648 is beyond i32",
    ),
    (
        "count far beyond i32",
        "# nn-recording v1 rate_hz=50\nsession,label,ax[mg]\n0,a,-99999999999999999999\n",
        "3:5: -99999999999999999999 is beyond i32",
    ),
    (
        "count outside range",
        "# nn-recording v1 rate_hz=50 range=-2048..2047\nsession,label,ax[mg]\n0,a,2048\n",
        "3:5: 2048 is outside the declared range=-2048..2047",
    ),
    (
        "unknown label",
        "# nn-recording v1 rate_hz=50 labels=a,b\nsession,label,ax[mg]\n0,c,1\n",
        "3:3: unknown label \"c\"",
    ),
    ("empty label", "# nn-recording v1 rate_hz=50\nsession,label,ax[mg]\n0,,1\n", "3:3: the label is empty"),
    ("quoted label", "# nn-recording v1 rate_hz=50\nsession,label,ax[mg]\n0,\"a\",1\n", "3:3: the label is in quotes"),
    (
        "session not an integer",
        "# nn-recording v1 rate_hz=50\nsession,label,ax[mg]\n1.5,a,1\n",
        "3:1: session \"1.5\" is not a whole number",
    ),
    (
        "negative session",
        "# nn-recording v1 rate_hz=50\nsession,label,ax[mg]\n-1,a,1\n",
        "3:1: session \"-1\" is not a whole number",
    ),
    (
        "session beyond u32",
        "# nn-recording v1 rate_hz=50\nsession,label,ax[mg]\n4294967296,a,1\n",
        "3:1: session \"4294967296\"",
    ),
    (
        "session split",
        "# nn-recording v1 rate_hz=50\nsession,label,ax[mg]\n0,a,1\n1,a,1\n0,a,1\n",
        "5:1: session 0 continues after another session",
    ),
    ("binary file", "# nn-recording v1 rate_hz=50\n\0\x01", "2:1: byte 0x00 at offset 29"),
    (
        "error after a CRLF and a comment",
        "# nn-recording v1 rate_hz=50\r\n# c\r\nsession,label,ax[mg]\r\n0,a,q\r\n",
        "4:5: \"q\" is not a number",
    ),
];

#[test]
fn bad_recording_files_name_line_and_column() {
    let d = dir();
    for (case, text, expected) in BAD_FILES {
        let f = write(d.path(), "r.csv", text);
        let out = nn().current_dir(d.path()).args(["recording", "info", "r.csv"]).output().unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{case}: {err}");
        assert!(out.stdout.is_empty(), "{case}: stdout {:?}", String::from_utf8_lossy(&out.stdout));
        assert_eq!(err.lines().count(), 1, "{case}: {err}");
        let want = format!("error: r.csv:{expected}");
        assert!(err.starts_with(&want), "{case}:\n  got  {err}  want {want}");
        assert!(f.exists());
    }
    println!("{} bad recording files", BAD_FILES.len());
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(Path::new(FIXTURES).join(name)).unwrap()
}

#[test]
fn logs_from_probe_rs_and_qemu_give_the_expected_recording() {
    let expected = fixture("expected.csv");
    for log in ["probe-rs-run.log", "qemu-semihosting.log"] {
        let d = dir();
        let out = nn()
            .current_dir(d.path())
            .args(["record", "--from-log"])
            .arg(Path::new(FIXTURES).join(log))
            .args(["-o", "out.csv"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{log}: {}", stderr_of(&out));
        let written = std::fs::read_to_string(d.path().join("out.csv")).unwrap();
        assert_eq!(written, expected, "{log}");
        // The written file reads back: 7 samples at 50 Hz, sessions 0 and 1.
        let v = json_of(&nn().current_dir(d.path()).args(["recording", "info", "--json", "out.csv"]).output().unwrap());
        assert_eq!(v["samples"], 7);
        assert_eq!(v["sessions"], 2);
        assert_eq!(v["range"], serde_json::json!([-2048, 2047]));
        // ax reaches 2047 once, ay -2048 once, az neither.
        let ends: Vec<u64> = (0..3).map(|k| v["axes"][k]["at_range_ends"].as_u64().unwrap()).collect();
        assert_eq!(ends, [1, 1, 0]);
    }
}

const HEADER: &str = "nnrec v1 rate_hz=50 axes=ax[mg],ay[mg] labels=still,shake\n";

/// A bad device log and how the error line must start (after `error: d.log:`).
const BAD_LOGS: &[(&str, &str, &str)] = &[
    ("empty log", "", "1:1: the log holds no \"nnrec v1\" header"),
    ("no nnrec lines", "0.1 INFO  hello\n└─ a @ src/a.rs:1\n", "3:1: the log holds no \"nnrec v1\" header"),
    ("header only", HEADER, "2:1: the log holds a header but no samples"),
    ("sample before header", "0.1 INFO  nnrec 0 0 0 1 2\n", "1:11: a record before the header"),
    ("header without axes", "nnrec v1 rate_hz=50 labels=a\n", "1:29: axes is missing"),
    ("header without labels", "nnrec v1 rate_hz=50 axes=ax[mg]\n", "1:32: labels is missing"),
    ("header without rate", "nnrec v1 axes=ax[mg] labels=a\n", "1:30: rate_hz is missing"),
    ("rate not positive", "nnrec v1 rate_hz=-1 axes=ax[mg] labels=a\n", "1:18: rate_hz=-1 is not positive"),
    ("axis without unit", "nnrec v1 rate_hz=50 axes=ax[mg],ay labels=a\n", "1:33: the axis \"ay\" has no unit"),
    ("unknown log version", "nnrec v9 rate_hz=50\n", "1:7: log format version \"v9\""),
    (
        "two different headers",
        "nnrec v1 rate_hz=50 axes=ax[mg] labels=a\nnnrec 0 0 0 1\nnnrec v1 rate_hz=25 axes=ax[mg] labels=a\n",
        "3:7: this header differs from the one on line 1",
    ),
    (
        "truncated last line",
        "nnrec v1 rate_hz=50 axes=ax[mg],ay[mg] labels=still,shake\nnnrec 0 0 0 1 2\nnnrec 0 1 0 1",
        "3:14: the log ends inside this line",
    ),
    ("short record", "HEADER0.2 INFO  nnrec 0 0 0 1\n", "2:24: the record has 4 values, expected 5"),
    ("long record", "HEADERnnrec 0 0 0 1 2 3\n", "2:17: the record has 6 values, expected 5"),
    (
        "another message inside a record",
        "HEADER0.2 INFO  nnrec 0 0 1 12[WARN] sensor -30\n",
        "2:23: \"12[WARN]\" is not a whole number; expected the count of axis ax",
    ),
    ("record cut by another line", "HEADERnnrec 0 0 1 12\nnnrec 0 1 1 5 6\n", "2:15: the record has 4 values"),
    (
        "decimal value",
        "HEADERnnrec 0 0 1 1.5 2\n",
        "2:13: \"1.5\" is not a whole number; expected the count of axis ax",
    ),
    ("value beyond i32", "HEADERnnrec 0 0 1 1 3000000000\n", "2:15: 3000000000 is beyond i32"),
    ("label index beyond labels", "HEADERnnrec 0 0 2 1 2\n", "2:11: label index 2, expected 0..1"),
    ("session not an integer", "HEADERnnrec a 0 0 1 2\n", "2:7: \"a\" is not a whole number; expected the session id"),
    ("sequence gap", "HEADERnnrec 0 0 0 1 2\nnnrec 0 2 0 1 2\n", "3:9: sequence number 2 in session 0, expected 1"),
    ("sequence not from 0", "HEADERnnrec 0 1 0 1 2\n", "2:9: sequence number 1 in session 0, expected 0"),
    (
        "session comes back",
        "HEADERnnrec 0 0 0 1 2\nnnrec 1 0 0 1 2\nnnrec 0 1 0 1 2\n",
        "4:7: session 0 continues after another session",
    ),
    (
        "two runs of the device in one log",
        "HEADERnnrec 0 0 0 1 2\nHEADERnnrec 0 0 0 1 2\n",
        "4:7: session 0 was recorded before the header was printed again on line 3: the device restarted",
    ),
    (
        "end count disagrees",
        "HEADERnnrec 0 0 0 1 2\nnnrec end 0 2\n",
        "3:13: the device sent 2 samples in session 0 but the log holds 1",
    ),
    (
        "end of another session",
        "HEADERnnrec 0 0 0 1 2\nnnrec end 3 1\n",
        "3:11: session 3 is not the one being recorded",
    ),
    (
        "sample after its end",
        "HEADERnnrec 0 0 0 1 2\nnnrec end 0 1\nnnrec 0 1 0 1 2\n",
        "4:7: session 0 continues after its end line",
    ),
    (
        "range exceeded",
        "nnrec v1 rate_hz=50 axes=ax[mg] labels=a range=-2..2\nnnrec 0 0 0 3\n",
        "2:13: 3 is outside the declared range=-2..2",
    ),
];

#[test]
fn bad_logs_name_line_and_column_and_write_nothing() {
    let d = dir();
    for (case, text, expected) in BAD_LOGS {
        let text = text.replace("HEADER", HEADER);
        write(d.path(), "d.log", &text);
        let out = nn().current_dir(d.path()).args(["record", "--from-log", "d.log", "-o", "out.csv"]).output().unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{case}: {err}");
        assert!(out.stdout.is_empty(), "{case}");
        assert_eq!(err.lines().count(), 1, "{case}: {err}");
        let want = format!("error: d.log:{expected}");
        assert!(err.starts_with(&want), "{case}:\n  got  {err}  want {want}");
        let mut names: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["d.log"], "{case}: no output and no temporary file");
    }
    println!("{} bad logs", BAD_LOGS.len());
}

#[test]
fn a_failed_conversion_leaves_an_existing_output_as_it_was() {
    let d = dir();
    write(d.path(), "d.log", format!("{HEADER}nnrec 0 0 0 1\n"));
    write(d.path(), "out.csv", "previous\n");
    let out = nn().current_dir(d.path()).args(["record", "--from-log", "d.log", "-o", "out.csv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(d.path().join("out.csv")).unwrap(), "previous\n");
    let same = nn().current_dir(d.path()).args(["record", "--from-log", "d.log", "-o", "d.log"]).output().unwrap();
    assert_eq!(same.status.code(), Some(2));
    assert!(stderr_of(&same).contains("--out names the same file as --from-log"), "{}", stderr_of(&same));
}

/// A committed recording and what its source documents: file, rate, samples, sessions,
/// samples per label, unit of each axis.
type Documented = (&'static str, f64, u64, u64, &'static [u64], &'static [&'static str]);

/// The committed real recordings read, with the sizes their sources document: BasicMotions
/// 40 + 40 cases of 100 samples at 10 Hz, 10 per class in each split; seglearn's watch
/// data at 50 Hz (the CI subset: 600 samples of each of 7 exercises); Daphnet S06R02E0
/// 7040 samples of 9 axes in mg at 64 Hz (docs/datasets.md).
#[test]
fn the_committed_recordings_read_with_their_documented_sizes() {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/recordings");
    const BM_UNITS: [&str; 6] = ["m/s^2", "m/s^2", "m/s^2", "rad/s", "rad/s", "rad/s"];
    let cases: [Documented; 5] = [
        ("basicmotions_train.csv", 10.0, 4000, 40, &[1000; 4], &BM_UNITS),
        ("basicmotions_test.csv", 10.0, 4000, 40, &[1000; 4], &BM_UNITS),
        ("basicmotions_ci.csv", 10.0, 800, 8, &[200; 4], &BM_UNITS),
        ("watch_ci.csv", 50.0, 4200, 7, &[600; 7], &["mg", "mg", "mg", "rad/s", "rad/s", "rad/s"]),
        ("daphnet_s06r02e0.csv", 64.0, 7040, 1, &[7040], &["mg"; 9]),
    ];
    for (file, rate, samples, sessions, per_label, units) in cases {
        let out = nn().args(["recording", "info", "--json"]).arg(Path::new(data).join(file)).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{file}: {}", stderr_of(&out));
        let v = json_of(&out);
        assert_eq!(v["rate_hz"].as_f64(), Some(rate), "{file}");
        assert_eq!(v["samples"].as_u64(), Some(samples), "{file}");
        assert_eq!(v["sessions"].as_u64(), Some(sessions), "{file}");
        let counts: Vec<u64> = v["labels"].as_array().unwrap().iter().map(|l| l["samples"].as_u64().unwrap()).collect();
        assert_eq!(counts, per_label, "{file}");
        let found: Vec<&str> = v["axes"].as_array().unwrap().iter().map(|a| a["unit"].as_str().unwrap()).collect();
        assert_eq!(found, units, "{file}");
    }
}

/// `probe-rs run` on a terminal colours the level; a log saved from one converts the same.
#[test]
fn terminal_colours_in_a_log_are_ignored() {
    let d = dir();
    let log = "\x1b[2m0.000091\x1b[0m \x1b[32mINFO \x1b[0m nnrec v1 rate_hz=25 axes=x[raw] labels=a\n\
               \x1b[2m└─ rec @ src/r.rs:1\x1b[0m\n\
               \x1b[2m0.04\x1b[0m \x1b[32mINFO \x1b[0m nnrec 3 0 0 -7\x1b[0m\n";
    write(d.path(), "c.log", log);
    let out = nn().current_dir(d.path()).args(["record", "--from-log", "c.log", "-o", "r.csv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let written = std::fs::read_to_string(d.path().join("r.csv")).unwrap();
    assert_eq!(written, "# nn-recording v1 rate_hz=25 labels=a\nsession,label,x[raw]\n3,a,-7\n");
}

#[test]
fn missing_files_directories_and_usage_errors_exit_2() {
    let d = dir();
    std::fs::create_dir(d.path().join("sub")).unwrap();
    write(d.path(), "ok.log", format!("{HEADER}nnrec 0 0 0 1 2\n"));
    let cases: [(&[&str], &str); 6] = [
        (&["recording", "info", "missing.csv"], "error: missing.csv: cannot read the file: no such file or directory"),
        (&["recording", "info", "sub"], "error: sub: is a directory; expected a file"),
        (&["record", "--from-log", "missing.log", "-o", "r.csv"], "error: missing.log: cannot read the file"),
        (&["record", "--from-log", "ok.log", "-o", "sub"], "error: sub: is a directory; expected a file name to write"),
        (&["record", "-o", "r.csv"], "error: the following required arguments were not provided: --from-log <LOG>"),
        (&["recording"], "Usage: nn recording"),
    ];
    for (args, expected) in cases {
        let out = nn().current_dir(d.path()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr_of(&out));
        assert!(stderr_of(&out).contains(expected), "{args:?}: {}", stderr_of(&out));
        assert!(!d.path().join("r.csv").exists(), "{args:?}");
    }
}
