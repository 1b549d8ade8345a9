//! Files in and out: reading an input whole, writing an output atomically (a temporary
//! file beside the target, then a rename, so a failed run never leaves a partial or
//! empty file), and numbers formatted for people.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::CliError;

/// Largest input file read (models and data sets for a microcontroller are small; this
/// stops `--data /dev/zero` and its kind).
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

/// Reads `path` whole; it must be a regular file no larger than [`MAX_INPUT_BYTES`].
pub fn read_input(path: &Path) -> Result<Vec<u8>, CliError> {
    let meta = fs::metadata(path).map_err(|e| CliError::read(path, &e))?;
    if meta.is_dir() {
        return Err(CliError::in_file(path, "is a directory; expected a file"));
    }
    if !meta.is_file() {
        return Err(CliError::in_file(path, "is not a regular file; expected a file"));
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(CliError::in_file(path, format!("is {} bytes; at most {MAX_INPUT_BYTES} are read", meta.len())));
    }
    fs::read(path).map_err(|e| CliError::read(path, &e))
}

/// The file name of `path` as text (for messages and temporary names).
fn file_name(path: &Path) -> Result<String, CliError> {
    match path.file_name() {
        Some(name) => Ok(name.to_string_lossy().into_owned()),
        None => Err(CliError::in_file(path, "is not a file name; expected a path such as out.json")),
    }
}

fn directory_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A fresh temporary file beside `path`, opened for writing.
fn temporary_beside(path: &Path) -> Result<(PathBuf, fs::File), CliError> {
    let name = file_name(path)?;
    let dir = directory_of(path);
    let pid = std::process::id();
    for attempt in 0..100u32 {
        let tmp = dir.join(format!(".{name}.{pid}.{attempt}.tmp"));
        match fs::OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(CliError::write(path, &e)),
        }
    }
    Err(CliError::in_file(path, "cannot create a temporary file beside it"))
}

/// Refuses a target that exists and is not a regular file (a directory, a device, a
/// FIFO): the rename would replace it.
fn check_target(path: &Path) -> Result<(), CliError> {
    if path.as_os_str().to_string_lossy().ends_with(std::path::is_separator) {
        return Err(CliError::in_file(
            path,
            "ends with a separator, so it names a directory; expected a file name to write",
        ));
    }
    match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(CliError::in_file(path, "is a directory; expected a file name to write")),
        Ok(meta) if !meta.is_file() => {
            Err(CliError::in_file(path, "is not a regular file (a device or a pipe?); expected a file name to write"))
        }
        _ => Ok(()),
    }
}

/// Checks, before any long work, that `path` can be written: it is not a directory or
/// another non-regular file, and a temporary file can be created beside it.
pub fn check_writable(path: &Path) -> Result<(), CliError> {
    check_target(path)?;
    let (tmp, file) = temporary_beside(path)?;
    drop(file);
    let _ = fs::remove_file(tmp);
    Ok(())
}

/// `path` made absolute with its directory resolved (symbolic links, `..`), so that two
/// spellings of one file compare equal; as given when the directory does not exist.
fn resolved(path: &Path) -> PathBuf {
    match (fs::canonicalize(directory_of(path)), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.to_path_buf(),
    }
}

/// Fails when two of the named output options (`("--out", path)`, …) name the same
/// file: the second write would replace the first.
pub fn check_distinct(outputs: &[(&str, Option<&Path>)]) -> Result<(), CliError> {
    let given: Vec<(&str, &Path, PathBuf)> =
        outputs.iter().filter_map(|&(flag, p)| p.map(|p| (flag, p, resolved(p)))).collect();
    for (k, (flag, path, full)) in given.iter().enumerate() {
        if let Some((first, _, _)) = given[..k].iter().find(|(_, _, other)| other == full) {
            return Err(CliError::in_file(
                path,
                format!("{flag} names the same file as {first}; expected a different file for each output"),
            ));
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically: into a temporary file beside it, synced, then
/// renamed over `path`. On failure `path` is left as it was and the temporary removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    check_target(path)?;
    let (tmp, mut file) = temporary_beside(path)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    drop(file);
    let renamed = written.and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = renamed {
        let _ = fs::remove_file(&tmp);
        return Err(CliError::write(path, &e));
    }
    Ok(())
}

/// `x` to `digits` significant digits, without trailing zeros, in plain notation for
/// magnitudes from 1e-4 to 1e6 and in scientific notation otherwise.
pub fn sig(x: f64, digits: usize) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    if !x.is_finite() {
        return format!("{x}");
    }
    let digits = digits.max(1);
    let sci = format!("{:.*e}", digits - 1, x);
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..6).contains(&exponent) {
        let decimals = (digits as i32 - 1 - exponent).max(0) as usize;
        trim_zeros(&format!("{x:.decimals$}"))
    } else {
        format!("{}e{exponent}", trim_zeros(mantissa))
    }
}

/// [`sig`] of an `f32`, at 6 significant digits (what an `f32` holds reliably).
pub fn sig32(x: f32) -> String {
    sig(f64::from(x), 6)
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// A duration for summaries: `0.41 s`, `3.2 ms`, `26 µs`.
pub fn seconds(d: std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{} s", sig(s, 3))
    } else if s >= 1e-3 {
        format!("{} ms", sig(s * 1e3, 3))
    } else {
        format!("{} µs", sig(s * 1e6, 3))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_digits() {
        assert_eq!(sig(1.0200001, 6), "1.02");
        assert_eq!(sig(0.173056, 6), "0.173056");
        assert_eq!(sig(3.51085e-5, 6), "3.51085e-5");
        assert_eq!(sig(-5.2, 6), "-5.2");
        assert_eq!(sig(6.76, 6), "6.76");
        assert_eq!(sig(1234567.0, 3), "1.23e6");
        assert_eq!(sig(0.0, 3), "0");
        assert_eq!(sig(100.0, 6), "100");
    }

    #[test]
    fn atomic_write_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("nn-output-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let target = dir.join("a.txt");
        write_atomic(&target, b"hello").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"hello");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        assert!(write_atomic(&dir.join("missing").join("b.txt"), b"x").is_err());
        assert!(write_atomic(&dir, b"x").is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
