//! Recording files: labelled raw sensor samples, one CSV row per sample, with the sample
//! rate and each axis's unit and scale declared in the file (docs/recording-format.md),
//! so a recording in m/s² is never read as g. Also the device log format (`nnrec` lines,
//! as `probe-rs run` or QEMU's semihosting print them) that `nn record --from-log` turns
//! into a recording file.
//!
//! ```text
//! # nn-recording v1 rate_hz=50 labels=still,shake,tilt
//! session,label,ax[mg],ay[mg],az[mg]
//! 0,still,12,-3,1004
//! ```
//!
//! Every error names the file, the 1-based line and character column, and what was
//! expected (the [`CliError::at`] form of data files).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::CliError;
use crate::model_file::{shorten, utf8_text, MAX_LABEL_CHARS};
use crate::output;

/// The first line of a recording file starts with this (after `# `).
pub const FILE_MAGIC: &str = "nn-recording";
/// The version of the recording file format this reader knows.
pub const FILE_VERSION: &str = "v1";
/// The first two header columns; the axis columns follow.
pub const FIXED_COLUMNS: [&str; 2] = ["session", "label"];
/// Most axes a recording may have (a 9-axis IMU and three spare channels).
pub const MAX_AXES: usize = 12;
/// Most labels a recording may declare or use.
pub const MAX_LABELS: usize = 256;

/// The device log's tag: every record line holds `nnrec` as a word of its own.
pub const LOG_TAG: &str = "nnrec";
/// The device log format's version, the first word after [`LOG_TAG`] on a header line.
pub const LOG_VERSION: &str = "v1";
/// The word after [`LOG_TAG`] on the line that closes a session.
pub const LOG_END: &str = "end";

/// A physical unit of an axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unit {
    /// Standard gravity, 9.806 65 m/s².
    G,
    /// Thousandths of standard gravity (the LSM303AGR's accelerometer output).
    MilliG,
    /// Metres per second squared (Android's and most data sets' accelerometers).
    MetrePerSecondSquared,
    /// Degrees per second (gyroscopes).
    DegreePerSecond,
    /// Thousandths of a degree per second (many gyroscope data sheets' mdps).
    MilliDegreePerSecond,
    /// Radians per second (gyroscopes in SI units).
    RadianPerSecond,
    /// Microtesla (magnetometers in SI units).
    MicroTesla,
    /// Milligauss (the LSM303AGR's magnetometer output, 0.1 µT).
    MilliGauss,
    /// Counts with no physical unit known.
    Raw,
}

/// What an axis measures; only axes of the same quantity convert into one another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Quantity {
    /// Linear acceleration (m/s²).
    Acceleration,
    /// Angular rate (rad/s).
    AngularRate,
    /// Magnetic flux density (T).
    MagneticField,
    /// Unknown: counts only.
    Raw,
}

impl Unit {
    /// Every unit, in the order the documentation lists them.
    pub const ALL: [Unit; 9] = [
        Unit::G,
        Unit::MilliG,
        Unit::MetrePerSecondSquared,
        Unit::DegreePerSecond,
        Unit::MilliDegreePerSecond,
        Unit::RadianPerSecond,
        Unit::MicroTesla,
        Unit::MilliGauss,
        Unit::Raw,
    ];

    /// The unit's name as a recording writes it.
    pub fn name(self) -> &'static str {
        match self {
            Unit::G => "g",
            Unit::MilliG => "mg",
            Unit::MetrePerSecondSquared => "m/s^2",
            Unit::DegreePerSecond => "deg/s",
            Unit::MilliDegreePerSecond => "mdeg/s",
            Unit::RadianPerSecond => "rad/s",
            Unit::MicroTesla => "uT",
            Unit::MilliGauss => "mgauss",
            Unit::Raw => "raw",
        }
    }

    /// The unit named `name` (exactly as [`name`](Self::name) writes it).
    pub fn from_name(name: &str) -> Option<Unit> {
        Unit::ALL.into_iter().find(|u| u.name() == name)
    }

    /// What the unit measures.
    pub fn quantity(self) -> Quantity {
        match self {
            Unit::G | Unit::MilliG | Unit::MetrePerSecondSquared => Quantity::Acceleration,
            Unit::DegreePerSecond | Unit::MilliDegreePerSecond | Unit::RadianPerSecond => Quantity::AngularRate,
            Unit::MicroTesla | Unit::MilliGauss => Quantity::MagneticField,
            Unit::Raw => Quantity::Raw,
        }
    }

    /// One of this unit in the SI unit of its quantity (m/s², rad/s, T); 1 for raw counts.
    pub fn in_si(self) -> f64 {
        const STANDARD_GRAVITY: f64 = 9.806_65;
        match self {
            Unit::G => STANDARD_GRAVITY,
            Unit::MilliG => STANDARD_GRAVITY / 1000.0,
            Unit::MetrePerSecondSquared | Unit::RadianPerSecond | Unit::Raw => 1.0,
            Unit::DegreePerSecond => std::f64::consts::PI / 180.0,
            Unit::MilliDegreePerSecond => std::f64::consts::PI / 180_000.0,
            Unit::MicroTesla => 1e-6,
            Unit::MilliGauss => 1e-7,
        }
    }

    fn list() -> String {
        Unit::ALL.iter().map(|u| u.name()).collect::<Vec<_>>().join(", ")
    }
}

/// One axis (column) of a recording: `ax[mg]`, `acc_x[0.001*m/s^2]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// The column's name without the unit: `ax`.
    pub name: String,
    /// The unit of one count times [`per_count`](Self::per_count).
    pub unit: Unit,
    /// How many `unit` one count is (1 when the column names only the unit).
    pub per_count: f64,
}

impl Axis {
    /// The column header: `name[unit]` or `name[per_count*unit]`.
    pub fn header(&self) -> String {
        if self.per_count == 1.0 {
            format!("{}[{}]", self.name, self.unit.name())
        } else {
            format!("{}[{}*{}]", self.name, self.per_count, self.unit.name())
        }
    }

    /// The factor that turns one count of this axis into `target` units, or `None` when
    /// `target` measures another quantity (or either is raw and they differ).
    pub fn per_count_in(&self, target: Unit) -> Option<f64> {
        if self.unit == target {
            return Some(self.per_count);
        }
        if self.unit.quantity() != target.quantity() || target.quantity() == Quantity::Raw {
            return None;
        }
        Some(self.per_count * self.unit.in_si() / target.in_si())
    }
}

/// The counts a recording declares possible (`range=MIN..MAX`): a sample outside is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountRange {
    /// Smallest count.
    pub min: i32,
    /// Largest count.
    pub max: i32,
}

/// One sample: a row of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// The session (a stretch recorded without a break) it belongs to.
    pub session: u32,
    /// Index into [`Recording::labels`].
    pub label: usize,
    /// One count per axis, in [`Recording::axes`] order.
    pub counts: Vec<i32>,
}

/// A loaded recording.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// Where it came from.
    pub path: PathBuf,
    /// Samples per second.
    pub rate_hz: f64,
    /// The axes, in column order.
    pub axes: Vec<Axis>,
    /// The class names: as declared by `labels=`, or else in order of first appearance.
    pub labels: Vec<String>,
    /// The declared range of the counts, if any.
    pub range: Option<CountRange>,
    /// The samples in file order; each session's samples are contiguous.
    pub samples: Vec<Sample>,
    /// The 1-based line of each sample in the file (for messages about a sample).
    pub lines: Vec<usize>,
}

/// A session: its id and the samples it spans (whatever their labels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The id in the file.
    pub id: u32,
    /// The samples, as a range of indices into [`Recording::samples`].
    pub samples: std::ops::Range<usize>,
}

impl Recording {
    /// Reads and checks the recording file at `path`.
    pub fn load(path: &Path) -> Result<Self, CliError> {
        let bytes = output::read_input(path)?;
        Self::from_bytes(path, &bytes)
    }

    /// Checks a recording file's contents; `path` is used in messages.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Self, CliError> {
        let text = utf8_text(path, bytes, "a recording file (CSV text)")?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        parse(path, text)
    }

    /// The sessions in file order.
    pub fn sessions(&self) -> Vec<Session> {
        let mut sessions: Vec<Session> = Vec::new();
        for (k, s) in self.samples.iter().enumerate() {
            match sessions.last_mut() {
                Some(last) if last.id == s.session => last.samples.end = k + 1,
                _ => sessions.push(Session { id: s.session, samples: k..k + 1 }),
            }
        }
        sessions
    }

    /// Samples per label, in [`labels`](Self::labels) order.
    pub fn label_counts(&self) -> Vec<usize> {
        let mut counts = vec![0usize; self.labels.len()];
        for s in &self.samples {
            if let Some(c) = counts.get_mut(s.label) {
                *c += 1;
            }
        }
        counts
    }

    /// The recorded time in seconds: samples over the rate.
    pub fn duration_s(&self) -> f64 {
        self.samples.len() as f64 / self.rate_hz
    }

    /// The recording as a file in the format [`Recording::load`] reads.
    pub fn to_csv(&self) -> String {
        let mut text = format!("# {FILE_MAGIC} {FILE_VERSION} rate_hz={}", self.rate_hz);
        if !self.labels.is_empty() {
            let _ = write!(text, " labels={}", self.labels.join(","));
        }
        if let Some(r) = self.range {
            let _ = write!(text, " range={}..{}", r.min, r.max);
        }
        text.push('\n');
        let mut header: Vec<String> = FIXED_COLUMNS.iter().map(|c| c.to_string()).collect();
        header.extend(self.axes.iter().map(Axis::header));
        text.push_str(&header.join(","));
        text.push('\n');
        for s in &self.samples {
            let label = self.labels.get(s.label).map_or("", String::as_str);
            let _ = write!(text, "{},{label}", s.session);
            for c in &s.counts {
                let _ = write!(text, ",{c}");
            }
            text.push('\n');
        }
        text
    }
}

/// One line of a file: its 1-based number and text (without the line break).
#[derive(Clone, Copy)]
struct Line<'t> {
    number: usize,
    text: &'t str,
}

impl Line<'_> {
    /// 1-based character column of byte `offset` in the line.
    fn column(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        self.text[..offset].chars().count() + 1
    }

    /// The error at byte `offset` of the line.
    fn error(&self, path: &Path, offset: usize, message: impl std::fmt::Display) -> CliError {
        CliError::at(path, self.number, self.column(offset), message)
    }

    /// The line's cells split at commas: each cell's text (trimmed) and byte offset.
    fn cells(&self) -> Vec<(&str, usize)> {
        let mut cells = Vec::new();
        let mut start = 0;
        for piece in self.text.split(',') {
            let trimmed = piece.trim_start();
            cells.push((trimmed.trim_end(), start + piece.len() - trimmed.len()));
            start += piece.len() + 1;
        }
        cells
    }

    /// The line's words split at blanks: each word and its byte offset.
    fn words(&self, from: usize) -> Vec<(&str, usize)> {
        words(self.text, from)
    }
}

/// The words of `text` from byte `from` on, split at blanks, with their byte offsets.
fn words(text: &str, from: usize) -> Vec<(&str, usize)> {
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices().filter(|&(i, _)| i >= from) {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                words.push((&text[s..i], s));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((&text[s..], s));
    }
    words
}

/// The lines of `text`, split at `\n`, `\r\n` or a lone `\r`; the flag is whether the
/// line ended with a line break.
fn lines(text: &str) -> Vec<(Line<'_>, bool)> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut number = 1;
    while !rest.is_empty() {
        let (line, after, broken) = match rest.find(['\n', '\r']) {
            Some(end) => {
                let skip = if rest[end..].starts_with("\r\n") { 2 } else { 1 };
                (&rest[..end], &rest[end + skip..], true)
            }
            None => (rest, "", false),
        };
        out.push((Line { number, text: line }, broken));
        number += 1;
        rest = after;
    }
    out
}

/// What the metadata line of a file or the header line of a log declares.
struct Declared {
    rate_hz: Option<f64>,
    labels: Option<Vec<String>>,
    range: Option<CountRange>,
    axes: Option<Vec<Axis>>,
}

/// Reads the `key=value` words of a metadata or log header line; `axes_allowed`: whether
/// `axes=` may appear (the log header's; a file names its axes in the column header).
fn declarations(
    path: &Path,
    line: &Line<'_>,
    words: &[(&str, usize)],
    axes_allowed: bool,
) -> Result<Declared, CliError> {
    let mut d = Declared { rate_hz: None, labels: None, range: None, axes: None };
    let keys = if axes_allowed { "rate_hz, axes, labels or range" } else { "rate_hz, labels or range" };
    for &(word, at) in words {
        let Some((key, value)) = word.split_once('=') else {
            return Err(line.error(path, at, format!("\"{}\" is not key=value; expected {keys}", shorten(word, 40))));
        };
        let value_at = at + key.len() + 1;
        let twice = || line.error(path, at, format!("{key} is declared twice; expected it once"));
        match key {
            "rate_hz" => {
                if d.rate_hz.is_some() {
                    return Err(twice());
                }
                d.rate_hz = Some(rate(value).map_err(|m| line.error(path, value_at, m))?);
            }
            "labels" => {
                if d.labels.is_some() {
                    return Err(twice());
                }
                d.labels = Some(label_list(value).map_err(|(o, m)| line.error(path, value_at + o, m))?);
            }
            "range" => {
                if d.range.is_some() {
                    return Err(twice());
                }
                d.range = Some(count_range(value).map_err(|m| line.error(path, value_at, m))?);
            }
            "axes" if axes_allowed => {
                if d.axes.is_some() {
                    return Err(twice());
                }
                let mut axes = Vec::new();
                let mut offset = 0;
                for spec in value.split(',') {
                    let axis = axis(spec, &axes).map_err(|m| line.error(path, value_at + offset, m))?;
                    axes.push(axis);
                    offset += spec.len() + 1;
                }
                if axes.len() > MAX_AXES {
                    return Err(line.error(
                        path,
                        value_at,
                        format!("{} axes; at most {MAX_AXES} are read", axes.len()),
                    ));
                }
                d.axes = Some(axes);
            }
            _ => {
                return Err(line.error(path, at, format!("unknown key \"{}\"; expected {keys}", shorten(key, 40))));
            }
        }
    }
    Ok(d)
}

/// A sample rate: a positive, finite decimal number of hertz.
fn rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 => Ok(r),
        Ok(r) if r.is_finite() => {
            Err(format!("rate_hz={} is not positive; expected samples per second, such as 50", shorten(text, 40)))
        }
        Ok(_) => Err(format!("rate_hz={} is not finite; expected samples per second, such as 50", shorten(text, 40))),
        Err(_) => {
            Err(format!("rate_hz=\"{}\" is not a number; expected samples per second, such as 50", shorten(text, 40)))
        }
    }
}

/// A label's text: not empty, no blanks, no `,` `"` or `=`, at most [`MAX_LABEL_CHARS`].
fn check_label_text(label: &str) -> Result<(), String> {
    if label.is_empty() {
        Err("the label is empty; expected a class name such as still".into())
    } else if label.starts_with('"') {
        Err("the label is in quotes; expected a class name without quotes, blanks, commas or = (recording files use no CSV quoting)".into())
    } else if let Some(c) = label.chars().find(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | '"' | '='))
    {
        Err(format!(
            "the label \"{}\" holds {}; expected a class name without blanks, commas, quotes or =",
            shorten(label, 40),
            if c.is_whitespace() { "a blank".to_string() } else { format!("\"{}\"", c.escape_default()) }
        ))
    } else if label.chars().count() > MAX_LABEL_CHARS {
        Err(format!("the label is longer than {MAX_LABEL_CHARS} characters"))
    } else {
        Ok(())
    }
}

/// `labels=a,b,c`: the names, each once; on failure the byte offset in `text` and why.
fn label_list(text: &str) -> Result<Vec<String>, (usize, String)> {
    let mut names: Vec<String> = Vec::new();
    let mut offset = 0;
    for name in text.split(',') {
        check_label_text(name).map_err(|m| (offset, m))?;
        if names.iter().any(|n| n == name) {
            return Err((offset, format!("the label \"{}\" is declared twice; expected each once", shorten(name, 40))));
        }
        names.push(name.to_string());
        offset += name.len() + 1;
    }
    if names.len() > MAX_LABELS {
        return Err((0, format!("{} labels; at most {MAX_LABELS} are read", names.len())));
    }
    Ok(names)
}

/// `range=MIN..MAX`, both whole numbers in i32, MIN ≤ MAX.
fn count_range(text: &str) -> Result<CountRange, String> {
    const EXPECTED: &str = "expected range=MIN..MAX with whole numbers, such as range=-2048..2047";
    let (min, max) = text.split_once("..").ok_or_else(|| format!("\"{}\": {EXPECTED}", shorten(text, 40)))?;
    let (Ok(min), Ok(max)) = (min.parse::<i32>(), max.parse::<i32>()) else {
        return Err(format!("\"{}\": {EXPECTED} (each from {} to {})", shorten(text, 40), i32::MIN, i32::MAX));
    };
    if min > max {
        return Err(format!("range={min}..{max} is empty; expected MIN ≤ MAX"));
    }
    Ok(CountRange { min, max })
}

/// An axis column header, `name[unit]` or `name[per_count*unit]`, not named like one of
/// `earlier`.
fn axis(spec: &str, earlier: &[Axis]) -> Result<Axis, String> {
    let spec = spec.trim();
    let form = "expected name[unit] or name[per_count*unit], such as ax[mg] or acc_x[0.001*m/s^2]";
    let Some((name, rest)) = spec.split_once('[') else {
        return Err(format!("the axis \"{}\" has no unit; {form}", shorten(spec, 40)));
    };
    let Some(inside) = rest.strip_suffix(']') else {
        return Err(format!("the axis \"{}\" does not end with ]; {form}", shorten(spec, 40)));
    };
    let name = name.trim();
    if name.is_empty()
        || name.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | '"' | '=' | '[' | ']'))
    {
        return Err(format!(
            "the axis name \"{}\" is empty or holds a blank, comma, quote, = or bracket; {form}",
            shorten(name, 40)
        ));
    }
    if FIXED_COLUMNS.contains(&name) || earlier.iter().any(|a| a.name == name) {
        return Err(format!("the axis name \"{name}\" is used twice; expected each column named once"));
    }
    let (per_count, unit_name) = match inside.split_once('*') {
        Some((scale, unit)) => {
            let per_count = match scale.trim().parse::<f64>() {
                Ok(p) if p.is_finite() && p > 0.0 => p,
                _ => {
                    return Err(format!(
                        "the scale \"{}\" of axis {name} is not a positive, finite number; {form}",
                        shorten(scale, 40)
                    ))
                }
            };
            (per_count, unit.trim())
        }
        None => (1.0, inside.trim()),
    };
    let unit = Unit::from_name(unit_name).ok_or_else(|| {
        format!("unknown unit \"{}\" of axis {name}; expected one of {}", shorten(unit_name, 40), Unit::list())
    })?;
    Ok(Axis { name: name.to_string(), unit, per_count })
}

/// A count: a whole number in i32 and in `range` if one is declared.
fn count(text: &str, range: Option<CountRange>) -> Result<i32, String> {
    if text.is_empty() {
        return Err("the cell is empty; expected a whole number (a count)".into());
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let whole = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let value = match text.parse::<i64>() {
        Ok(v) => v,
        Err(_) if whole => {
            return Err(format!(
                "{} is beyond i32; expected a count from {} to {}",
                shorten(text, 40),
                i32::MIN,
                i32::MAX
            ))
        }
        Err(_) if text.parse::<f64>().is_ok() => {
            return Err(format!(
                "{} is not a whole number; expected an integer count (the scale is in the header)",
                shorten(text, 40)
            ))
        }
        Err(_) => return Err(format!("\"{}\" is not a number; expected a whole number (a count)", shorten(text, 40))),
    };
    let Ok(value) = i32::try_from(value) else {
        return Err(format!("{value} is beyond i32; expected a count from {} to {}", i32::MIN, i32::MAX));
    };
    if let Some(r) = range {
        if value < r.min || value > r.max {
            return Err(format!("{value} is outside the declared range={}..{}", r.min, r.max));
        }
    }
    Ok(value)
}

/// Whether `text` is a whole number as the log writes it: an optional `-`, then digits.
fn whole_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A session id: a whole number from 0 to 2³² − 1.
fn session_id(text: &str) -> Result<u32, String> {
    text.parse::<u32>().map_err(|_| {
        format!("session \"{}\" is not a whole number from 0 to {}; expected a session id", shorten(text, 40), u32::MAX)
    })
}

/// Tracks the sessions met so far, so that each is contiguous.
#[derive(Default)]
struct SessionOrder {
    current: Option<u32>,
    ended: Vec<u32>,
}

impl SessionOrder {
    /// Notes that `session` comes next; an error when it already ended.
    fn next(&mut self, session: u32) -> Result<(), String> {
        if self.current == Some(session) {
            return Ok(());
        }
        if self.ended.contains(&session) {
            return Err(format!(
                "session {session} continues after another session; expected the samples of each session together"
            ));
        }
        if let Some(previous) = self.current.replace(session) {
            self.ended.push(previous);
        }
        Ok(())
    }
}

/// The error of a row with `found` cells where the header has `width`.
fn row_length(path: &Path, row: &Line<'_>, found: usize, width: usize, axes: usize) -> CliError {
    let cells = row.cells();
    let at = if found < width { row.text.len() } else { cells.get(width).map_or(0, |c| c.1) };
    row.error(
        path,
        at,
        format!("the row has {found} values, expected {width} like the header (session, label and {axes} axis values)"),
    )
}

/// Parses a recording file's text (byte order mark removed); `path` is used in messages.
pub fn parse(path: &Path, text: &str) -> Result<Recording, CliError> {
    let expected_first = format!("# {FILE_MAGIC} {FILE_VERSION} rate_hz=RATE");
    let all = lines(text);
    let mut rest = all.iter().map(|(l, _)| *l).filter(|l| !l.text.trim().is_empty());
    let Some(meta) = rest.next() else {
        return Err(CliError::at(
            path,
            1,
            1,
            format!("the file is empty; expected a first line \"{expected_first}\", a header row and samples"),
        ));
    };
    let meta_words = meta.words(0);
    match meta_words.as_slice() {
        [("#", _), (magic, _), (version, at), ..] if *magic == FILE_MAGIC => {
            if *version != FILE_VERSION {
                return Err(meta.error(
                    path,
                    *at,
                    format!(
                        "recording format version \"{}\" is not known; expected {FILE_VERSION}",
                        shorten(version, 20)
                    ),
                ));
            }
        }
        _ => {
            return Err(meta.error(
                path,
                0,
                format!(
                    "expected a first line \"{expected_first}\" declaring the recording format and its sample rate"
                ),
            ))
        }
    }
    let declared = declarations(path, &meta, meta_words.get(3..).unwrap_or(&[]), false)?;
    let Some(rate_hz) = declared.rate_hz else {
        return Err(meta.error(
            path,
            meta.text.len(),
            "rate_hz is missing; expected rate_hz=RATE (samples per second)",
        ));
    };
    let mut rest = rest.filter(|l| !l.text.trim_start().starts_with('#'));
    let Some(header) = rest.next() else {
        return Err(CliError::at(
            path,
            meta.number + 1,
            1,
            "the file ends after its first line; expected a header row session,label,AXIS[UNIT],...",
        ));
    };
    let header_cells = header.cells();
    for (k, fixed) in FIXED_COLUMNS.iter().enumerate() {
        let (cell, at) = header_cells.get(k).copied().unwrap_or(("", header.text.len()));
        if cell != *fixed {
            let what = if cell.parse::<f64>().is_ok() {
                "a number (a sample before the header?)".to_string()
            } else {
                format!("\"{}\"", shorten(cell, 40))
            };
            return Err(header.error(
                path,
                at,
                format!("header column {} is {what}; expected a header row session,label,AXIS[UNIT],...", k + 1),
            ));
        }
    }
    let mut axes: Vec<Axis> = Vec::new();
    for &(cell, at) in header_cells.get(FIXED_COLUMNS.len()..).unwrap_or(&[]) {
        axes.push(axis(cell, &axes).map_err(|m| header.error(path, at, m))?);
    }
    if axes.is_empty() {
        return Err(header.error(
            path,
            header.text.len(),
            "the header names no axis; expected session,label then at least one AXIS[UNIT]",
        ));
    }
    if axes.len() > MAX_AXES {
        return Err(header.error(
            path,
            0,
            format!("the header names {} axes; at most {MAX_AXES} are read", axes.len()),
        ));
    }
    let width = FIXED_COLUMNS.len() + axes.len();
    let declared_labels = declared.labels.is_some();
    let mut recording = Recording {
        path: path.to_path_buf(),
        rate_hz,
        axes,
        labels: declared.labels.unwrap_or_default(),
        range: declared.range,
        samples: Vec::new(),
        lines: Vec::new(),
    };
    let mut order = SessionOrder::default();
    for row in rest {
        let cells = row.cells();
        let [(session_text, session_at), (label_text, label_at), values @ ..] = cells.as_slice() else {
            return Err(row_length(path, &row, cells.len(), width, recording.axes.len()));
        };
        if cells.len() != width {
            return Err(row_length(path, &row, cells.len(), width, recording.axes.len()));
        }
        let session = session_id(session_text).map_err(|m| row.error(path, *session_at, m))?;
        order.next(session).map_err(|m| row.error(path, *session_at, m))?;
        check_label_text(label_text).map_err(|m| row.error(path, *label_at, m))?;
        let label = match recording.labels.iter().position(|l| l == label_text) {
            Some(k) => k,
            None if declared_labels => {
                return Err(row.error(
                    path,
                    *label_at,
                    format!(
                        "unknown label \"{}\"; expected one of the declared labels={}",
                        shorten(label_text, 40),
                        shorten(&recording.labels.join(","), 80)
                    ),
                ))
            }
            None if recording.labels.len() >= MAX_LABELS => {
                return Err(row.error(
                    path,
                    *label_at,
                    format!("a label beyond the first {MAX_LABELS}; at most {MAX_LABELS} are read"),
                ))
            }
            None => {
                recording.labels.push(label_text.to_string());
                recording.labels.len() - 1
            }
        };
        let counts = values
            .iter()
            .zip(&recording.axes)
            .map(|(&(text, at), axis)| {
                count(text, recording.range).map_err(|m| row.error(path, at, format!("{m} (axis {})", axis.name)))
            })
            .collect::<Result<Vec<i32>, CliError>>()?;
        recording.samples.push(Sample { session, label, counts });
        recording.lines.push(row.number);
    }
    if recording.samples.is_empty() {
        return Err(CliError::at(
            path,
            header.number + 1,
            1,
            "the file has a header row but no samples; expected at least one row",
        ));
    }
    Ok(recording)
}

/// Where `nnrec` stands as a word of its own in `text` (colour codes already blanked):
/// at the start or after a blank, and followed by a blank or the end.
fn find_tag(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(k) = text.get(from..).and_then(|t| t.find(LOG_TAG)) {
        let at = from + k;
        let end = at + LOG_TAG.len();
        let before_ok = text[..at].chars().next_back().is_none_or(char::is_whitespace);
        let after_ok = text[end..].chars().next().is_none_or(char::is_whitespace);
        if before_ok && after_ok {
            return Some(at);
        }
        from = end;
    }
    None
}

/// Terminal colour codes (`ESC [ … letter`) blanked out, so that byte offsets stay.
fn without_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut escape = false;
    for c in text.chars() {
        if c == '\x1b' {
            escape = true;
        }
        if escape {
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
            if c.is_ascii_alphabetic() {
                escape = false;
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Turns a device log (`probe-rs run`'s output, or QEMU's semihosting output) into a
/// recording: the `nnrec` lines are read wherever they stand in a line, all other lines
/// are ignored (docs/recording-format.md, "Device log"). `path` is used in messages and
/// as the recording's path.
pub fn from_log(path: &Path, bytes: &[u8]) -> Result<Recording, CliError> {
    let text = utf8_text(path, bytes, "a device log (text)")?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header_form = format!("{LOG_TAG} {LOG_VERSION} rate_hz=RATE axes=AXIS[UNIT],... labels=NAME,...");
    let mut header: Option<(String, usize)> = None;
    let mut recording: Option<Recording> = None;
    let mut order = SessionOrder::default();
    // The current session's next sequence number, and the sessions closed by an end line.
    let mut next_seq: u64 = 0;
    let mut closed: Vec<u32> = Vec::new();
    // The line where the header was printed again, if it was (a device restart).
    let mut restarted: Option<usize> = None;
    for (raw, broken) in lines(text) {
        let cleaned = without_colours(raw.text);
        let line = Line { number: raw.number, text: &cleaned };
        let Some(tag) = find_tag(line.text) else { continue };
        let words = line.words(tag + LOG_TAG.len());
        if !broken {
            return Err(line.error(
                path,
                line.text.len(),
                "the log ends inside this line (no line break after it): it was cut off; expected complete lines",
            ));
        }
        let Some(&(first, first_at)) = words.first() else {
            return Err(line.error(
                path,
                tag,
                format!("\"{LOG_TAG}\" alone; expected \"{header_form}\" or a sample line"),
            ));
        };
        if first.starts_with('v') && first.get(1..).is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit())) {
            if first != LOG_VERSION {
                return Err(line.error(
                    path,
                    first_at,
                    format!("log format version \"{}\" is not known; expected {LOG_VERSION}", shorten(first, 20)),
                ));
            }
            let rest = words.get(1..).unwrap_or(&[]);
            let canonical = rest.iter().map(|w| w.0).collect::<Vec<_>>().join(" ");
            if let Some((seen, seen_line)) = &header {
                if *seen != canonical {
                    return Err(line.error(
                        path,
                        first_at,
                        format!("this header differs from the one on line {seen_line}; expected one recording setup per log"),
                    ));
                }
                // Printed again: the session being recorded ended there.
                restarted = Some(line.number);
                if let Some(s) = order.current.take() {
                    order.ended.push(s);
                }
                continue;
            }
            let d = declarations(path, &line, rest, true)?;
            let missing = |what: &str| {
                line.error(path, line.text.len(), format!("{what} is missing; expected \"{header_form}\""))
            };
            let rate_hz = d.rate_hz.ok_or_else(|| missing("rate_hz"))?;
            let axes = d.axes.ok_or_else(|| missing("axes"))?;
            let labels = d.labels.ok_or_else(|| missing("labels"))?;
            header = Some((canonical, line.number));
            recording = Some(Recording {
                path: path.to_path_buf(),
                rate_hz,
                axes,
                labels,
                range: d.range,
                samples: Vec::new(),
                lines: Vec::new(),
            });
            continue;
        }
        let Some(rec) = recording.as_mut() else {
            return Err(line.error(
                path,
                tag,
                format!("a record before the header; expected first a line \"{header_form}\""),
            ));
        };
        let at_of = |k: usize| words.get(k).map_or(line.text.len(), |w| w.1);
        let number = |k: usize, what: &str| -> Result<u64, CliError> {
            let (w, at) = words.get(k).copied().unwrap_or(("", line.text.len()));
            w.parse::<u64>().map_err(|_| {
                let found = if w.is_empty() { "nothing".to_string() } else { format!("\"{}\"", shorten(w, 40)) };
                line.error(path, at, format!("{found} where the {what} should be; expected a whole number"))
            })
        };
        let session_of = |k: usize| -> Result<u32, CliError> {
            u32::try_from(number(k, "session id")?)
                .map_err(|_| line.error(path, at_of(k), format!("the session id is beyond {}", u32::MAX)))
        };
        if first == LOG_END {
            // nnrec end SESSION SAMPLES
            if words.len() != 3 {
                return Err(line.error(path, first_at, format!("expected \"{LOG_TAG} {LOG_END} SESSION SAMPLES\"")));
            }
            let session = session_of(1)?;
            let samples = number(2, "sample count")?;
            if order.current != Some(session) || closed.contains(&session) {
                return Err(line.error(
                    path,
                    at_of(1),
                    format!("session {session} is not the one being recorded; expected the end of the current session"),
                ));
            }
            if samples != next_seq {
                return Err(line.error(
                    path,
                    at_of(2),
                    format!(
                        "the device sent {samples} samples in session {session} but the log holds {next_seq}: lines were lost"
                    ),
                ));
            }
            closed.push(session);
            continue;
        }
        // nnrec SESSION SEQ LABEL V0 … V(n-1)
        let width = 3 + rec.axes.len();
        // A word that is not a whole number first: another message written into the record.
        if let Some((k, &(w, at))) = words.iter().enumerate().find(|(_, (w, _))| !whole_number(w)) {
            let what = match k {
                0 => "the session id".to_string(),
                1 => "the sequence number".to_string(),
                2 => "the label index".to_string(),
                _ => match rec.axes.get(k - 3) {
                    Some(axis) => format!("the count of axis {}", axis.name),
                    None => format!("nothing more (the record has {width} values)"),
                },
            };
            return Err(line.error(path, at, format!("\"{}\" is not a whole number; expected {what}", shorten(w, 40))));
        }
        if words.len() != width {
            let at = if words.len() < width { line.text.len() } else { at_of(width) };
            return Err(line.error(
                path,
                at,
                format!(
                    "the record has {} values, expected {width} (session, sequence number, label index and {} axis values)",
                    words.len(),
                    rec.axes.len()
                ),
            ));
        }
        let session = session_of(0)?;
        let again = closed.contains(&session) || (order.current != Some(session) && order.ended.contains(&session));
        if let (true, Some(at)) = (again, restarted) {
            return Err(line.error(
                path,
                first_at,
                format!(
                    "session {session} was recorded before the header was printed again on line {at}: the device \
                     restarted; expected one run per log (convert each run's log on its own)"
                ),
            ));
        }
        if closed.contains(&session) {
            return Err(line.error(path, first_at, format!("session {session} continues after its end line")));
        }
        if order.current != Some(session) {
            order.next(session).map_err(|m| line.error(path, first_at, m))?;
            next_seq = 0;
        }
        let seq = number(1, "sequence number")?;
        if seq != next_seq {
            return Err(line.error(
                path,
                at_of(1),
                format!("sequence number {seq} in session {session}, expected {next_seq}: lines were lost or repeated"),
            ));
        }
        next_seq += 1;
        let label = number(2, "label index")?;
        let label = usize::try_from(label).ok().filter(|&l| l < rec.labels.len()).ok_or_else(|| {
            line.error(
                path,
                at_of(2),
                format!(
                    "label index {label}, expected 0..{} (labels={})",
                    rec.labels.len().saturating_sub(1),
                    shorten(&rec.labels.join(","), 80)
                ),
            )
        })?;
        let counts = words
            .iter()
            .skip(3)
            .zip(&rec.axes)
            .map(|(&(w, at), axis)| {
                count(w, rec.range).map_err(|m| line.error(path, at, format!("{m} (axis {})", axis.name)))
            })
            .collect::<Result<Vec<i32>, CliError>>()?;
        rec.samples.push(Sample { session, label, counts });
        rec.lines.push(line.number);
    }
    let last = lines(text).last().map_or(1, |(l, _)| l.number + 1);
    match recording {
        None => Err(CliError::at(path, last, 1, format!("the log holds no \"{LOG_TAG} {LOG_VERSION}\" header; expected a line \"{header_form}\" and sample lines"))),
        Some(r) if r.samples.is_empty() => Err(CliError::at(path, last, 1, format!("the log holds a header but no samples; expected lines \"{LOG_TAG} SESSION SEQ LABEL V0 V1 ...\""))),
        Some(r) => Ok(r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis_of(spec: &str) -> Axis {
        axis(spec, &[]).unwrap()
    }

    /// Factors from one count to another unit, against values worked out by hand
    /// (standard gravity 9.80665 m/s², π/180 rad per degree).
    #[test]
    fn counts_convert_only_within_a_quantity() {
        let mg = axis_of("ax[mg]");
        assert!((mg.per_count_in(Unit::MetrePerSecondSquared).unwrap() - 0.009_806_65).abs() < 1e-15);
        assert!((mg.per_count_in(Unit::G).unwrap() - 0.001).abs() < 1e-15);
        let ms2 = axis_of("acc_x[0.001*m/s^2]");
        assert_eq!(ms2.per_count, 0.001);
        // 0.001 m/s² in mg: 1/9.80665 = 0.101971621…
        assert!((ms2.per_count_in(Unit::MilliG).unwrap() - 0.101_971_621_297_792_8).abs() < 1e-12);
        assert_eq!(ms2.per_count_in(Unit::DegreePerSecond), None);
        let gyro = axis_of("gx[70*mdeg/s]");
        // 70 mdps = 0.07 °/s = 0.07 · π/180 rad/s = 0.001221730…
        assert!((gyro.per_count_in(Unit::RadianPerSecond).unwrap() - 0.001_221_730_476_396_030_7).abs() < 1e-15);
        assert_eq!(axis_of("x[raw]").per_count_in(Unit::Raw), Some(1.0));
        assert_eq!(axis_of("x[raw]").per_count_in(Unit::G), None);
        assert_eq!(mg.per_count_in(Unit::Raw), None);
    }

    #[test]
    fn axis_headers_read_back() {
        for spec in ["ax[mg]", "acc_x[0.001*m/s^2]", "gx[70*mdeg/s]", "m[mgauss]"] {
            assert_eq!(axis_of(spec).header(), spec);
        }
        assert!(axis("ax[mg", &[]).unwrap_err().contains("does not end with ]"));
        assert!(axis("a x[mg]", &[]).unwrap_err().contains("holds a blank"));
        assert!(axis("label[mg]", &[]).unwrap_err().contains("used twice"));
        assert!(axis("ax[-1*mg]", &[]).unwrap_err().contains("not a positive"));
    }

    #[test]
    fn a_written_recording_reads_back_the_same() {
        let text = "# nn-recording v1 rate_hz=62.5 labels=a,b range=-10..10\n\
                    session,label,ax[mg],gz[0.001*rad/s]\n7,b,-10,10\n7,a,0,1\n9,a,3,-4\n";
        let r = parse(Path::new("r.csv"), text).unwrap();
        assert_eq!(r.to_csv(), text);
        assert_eq!(r.samples[0], Sample { session: 7, label: 1, counts: vec![-10, 10] });
        assert_eq!(r.lines, [3, 4, 5]);
        assert_eq!(r.sessions(), [Session { id: 7, samples: 0..2 }, Session { id: 9, samples: 2..3 }]);
        assert_eq!(r.label_counts(), [2, 1]);
        assert_eq!(r.duration_s(), 3.0 / 62.5);
    }

    /// A header printed again (the device restarted) with new session ids reads on; the
    /// session it interrupted is over.
    #[test]
    fn a_repeated_header_ends_the_session() {
        let header = "nnrec v1 rate_hz=50 axes=x[mg] labels=a,b\n";
        let log = format!("{header}nnrec 0 0 1 5\n{header}nnrec 1 0 0 -5\nnnrec 1 1 0 6\n");
        let r = from_log(Path::new("d.log"), log.as_bytes()).unwrap();
        assert_eq!(r.sessions(), [Session { id: 0, samples: 0..1 }, Session { id: 1, samples: 1..3 }]);
        assert_eq!(r.samples[1], Sample { session: 1, label: 0, counts: vec![-5] });
        assert_eq!(r.lines, [2, 4, 5]);
        let back = format!("{header}nnrec 0 0 1 5\n{header}nnrec 0 1 1 5\n");
        let e = from_log(Path::new("d.log"), back.as_bytes()).unwrap_err().to_string();
        assert!(
            e.starts_with("d.log:4:7: session 0 was recorded before the header was printed again on line 3"),
            "{e}"
        );
    }

    /// Every one-byte edit of a good file and of a good log (deleted, or replaced by a
    /// separator, a line break, a letter, a sign or a multi-byte character) is read or
    /// refused with `file:line:column` inside the edited text: never a panic.
    #[test]
    fn one_byte_edits_are_read_or_located() {
        let file = "# nn-recording v1 rate_hz=50 labels=a,b range=-9..9\nsession,label,x[mg],y[0.5*deg/s]\n0,a,1,-2\n1,b,3,4\n";
        let log = "0.1 INFO  nnrec v1 rate_hz=50 axes=x[mg] labels=a\n└─ m @ s.rs:1\nnnrec 0 0 0 7\nnnrec end 0 1\n";
        for (name, text) in [("d.csv", file), ("d.log", log)] {
            let bytes = text.as_bytes();
            for at in 0..bytes.len() {
                for edit in [None, Some(","), Some("\n"), Some("x"), Some("-"), Some(" "), Some("é")] {
                    let mut edited = bytes[..at].to_vec();
                    if let Some(e) = edit {
                        edited.extend_from_slice(e.as_bytes());
                    }
                    edited.extend_from_slice(&bytes[at + 1..]);
                    let result = if name == "d.csv" {
                        Recording::from_bytes(Path::new(name), &edited).map(|_| ())
                    } else {
                        from_log(Path::new(name), &edited).map(|_| ())
                    };
                    let Err(e) = result else { continue };
                    let message = e.to_string();
                    let place: Vec<usize> = message.split(':').skip(1).take(2).map_while(|n| n.parse().ok()).collect();
                    let text = String::from_utf8_lossy(&edited);
                    let lines = text.split(['\n', '\r']).count();
                    assert!(
                        matches!(place.as_slice(), [line, column] if *line >= 1 && *line <= lines + 1 && *column >= 1),
                        "{name} edited at {at} with {edit:?}: {message}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_tag_is_a_word_of_its_own() {
        assert_eq!(find_tag("nnrec 1"), Some(0));
        assert_eq!(find_tag("0.1 INFO  nnrec 1"), Some(10));
        assert_eq!(find_tag("xnnrec 1"), None);
        assert_eq!(find_tag("nnrecs 1 nnrec"), Some(9));
        assert_eq!(without_colours("\x1b[32mINFO\x1b[0m nnrec"), "     INFO     nnrec");
    }
}
