//! Arbitrary bytes as a recording file (`Recording::from_bytes`) or, with the first byte
//! odd, as a device log (`recording::from_log`). It never panics; a refusal is one line
//! that names the file; whatever it accepts has samples whose widths match the axes, label
//! indices inside the label list, contiguous sessions, one line number per sample, and
//! writes back (`to_csv`) to a file that reads as the same recording.
#![no_main]

mod common;

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use nn_host_cli::recording::{from_log, Recording};

fuzz_target!(|input: &[u8]| {
    let Some((&selector, bytes)) = input.split_first() else { return };
    let (name, read): (&str, fn(&Path, &[u8]) -> _) = if selector % 2 == 0 {
        ("fuzz.csv", Recording::from_bytes)
    } else {
        ("fuzz.log", from_log)
    };
    let rec = match read(Path::new(name), bytes) {
        Ok(rec) => rec,
        Err(e) => return common::assert_refusal(&e, name),
    };
    assert!(!rec.axes.is_empty(), "an accepted recording has an axis");
    assert!(rec.rate_hz.is_finite() && rec.rate_hz > 0.0);
    assert_eq!(rec.lines.len(), rec.samples.len(), "one line number per sample");
    for s in &rec.samples {
        assert_eq!(s.counts.len(), rec.axes.len(), "a sample of the wrong width was accepted");
        assert!(s.label < rec.labels.len(), "label index {} of {} labels", s.label, rec.labels.len());
    }
    let sessions = rec.sessions();
    let mut ids: Vec<u32> = sessions.iter().map(|s| s.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), sessions.len(), "a session is split: {sessions:?}");
    // What nn record writes must read back as the same samples.
    let again = Recording::from_bytes(Path::new("again.csv"), rec.to_csv().as_bytes())
        .unwrap_or_else(|e| panic!("the written recording does not read back: {e}"));
    assert_eq!(again.samples, rec.samples);
    assert_eq!(again.labels, rec.labels);
    assert_eq!(again.axes.len(), rec.axes.len());
});
