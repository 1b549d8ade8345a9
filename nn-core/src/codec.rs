//! A compact binary weight format, for flashing and for the device's own persistence.
//!
//! ```text
//! offset  size  field
//! 0       4     magic b"NNCW"
//! 4       1     format version: 1 (no input scaling) or 2 (with input scaling)
//! 5       1     layer count L (1..=MAX_LAYERS)
//! 6       2     input width N, u16 little-endian
//! 8       3·L   per layer: output width u16 LE, activation tag u8 (Activation as u8)
//!               version 2 only:
//! 8+3L    4·N     the input scaling's means, f32 LE
//! 8+3L+4N 4·N     the input scaling's scales, f32 LE
//! H       4·P   the parameters in the flat order, f32 LE (H = 8+3L, or 8+3L+8N in v2)
//! end−4   4     CRC-32 (ISO-HDLC, as zlib) of every byte before it, u32 LE
//! ```
//! The decoder checks every field (magic, version, sizes, activations, length, CRC,
//! finiteness of every parameter, a finite mean and a finite, positive scale per input)
//! and never panics on any input.
//!
//! # One encoding per model
//! [`encode`] writes version 1 for a model without an input-scaling stage *or with the
//! identity stage* (every mean `+0.0`, every scale `1.0`, which changes no input's bits),
//! so the records of unscaled models — the device's persisted ones among them — are the
//! bytes they always were; it writes version 2 only for a stage that does something, and
//! [`decode`] refuses a version 2 record whose stage is the identity
//! ([`CodecError::IdentityScaling`]). Both versions are read.

use core::fmt;

use crate::activation::Activation;
use crate::model::{check_specs, LayerSpec, Model, ModelMut, MAX_LAYERS};
use crate::scaling::InputScaling;

/// The first four bytes of an encoded model.
pub const MAGIC: [u8; 4] = *b"NNCW";
/// The format version of a model without input scaling (read and written).
pub const VERSION: u8 = 1;
/// The format version of a model with an input-scaling stage (read and written).
pub const VERSION_SCALED: u8 = 2;
const CRC: crc::Crc<u32, crc::NoTable> = crc::Crc::<u32, crc::NoTable>::new(&crc::CRC_32_ISO_HDLC);

/// Why bytes could not be encoded or decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum CodecError {
    /// The output buffer is too small, or the input ends early.
    Truncated {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        found: usize,
    },
    /// The bytes do not start with [`MAGIC`].
    Magic,
    /// An unknown format version.
    Version(u8),
    /// A layer count of zero or above [`MAX_LAYERS`], a zero width, or a size too large.
    Shape,
    /// An unknown activation tag.
    Activation(u8),
    /// Bytes left over after the CRC.
    TrailingBytes,
    /// The CRC does not match: the bytes are corrupt.
    Checksum {
        /// The CRC in the bytes.
        stored: u32,
        /// The CRC of the bytes.
        computed: u32,
    },
    /// A parameter is NaN or infinite.
    NonFinite {
        /// Flat index of the parameter.
        index: usize,
    },
    /// The encoded shape is not the shape of the model to load into.
    ShapeMismatch,
    /// Input `input`'s scaling has a mean that is not finite or a scale that is not
    /// finite and positive.
    Scaling {
        /// The input (0-based).
        input: usize,
    },
    /// A version 2 record whose input scaling is the identity: such a model is written
    /// as version 1.
    IdentityScaling,
    /// The encoded input scaling is not the model's (a model without a stage counts as
    /// having the identity stage).
    ScalingMismatch,
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            CodecError::Truncated { needed, found } => write!(f, "needs {needed} bytes, has {found}"),
            CodecError::Magic => f.write_str("not an nn-core model (bad magic)"),
            CodecError::Version(v) => {
                write!(f, "unsupported format version {v} (expected {VERSION} or {VERSION_SCALED})")
            }
            CodecError::Shape => f.write_str("invalid layer sizes"),
            CodecError::Activation(t) => write!(f, "unknown activation tag {t}"),
            CodecError::TrailingBytes => f.write_str("bytes after the checksum"),
            CodecError::Checksum { stored, computed } => {
                write!(f, "checksum mismatch (stored {stored:#010x}, computed {computed:#010x})")
            }
            CodecError::NonFinite { index } => write!(f, "parameter {index} is not finite"),
            CodecError::ShapeMismatch => f.write_str("the encoded shape differs from the model's"),
            CodecError::Scaling { input } => {
                write!(f, "input {input}'s scaling is not a finite mean and a finite, positive scale")
            }
            CodecError::IdentityScaling => {
                f.write_str("a version 2 record whose input scaling is the identity (written as version 1)")
            }
            CodecError::ScalingMismatch => f.write_str("the encoded input scaling differs from the model's"),
        }
    }
}

impl core::error::Error for CodecError {}

fn header_len(depth: usize) -> usize {
    8 + 3 * depth
}

/// The model's input-scaling stage if it is not the identity (a stage that changes no
/// input's bits is encoded as no stage: see the module docs).
fn stage_of<M: Model + ?Sized>(model: &M) -> Option<InputScaling<&[f32]>> {
    model.input_scaling().filter(|stage| !is_identity(stage.mean().iter().copied(), stage.scale().iter().copied()))
}

/// Every mean `+0.0` (bit for bit: `x − (−0.0)` turns `−0.0` into `+0.0`) and every scale 1.
fn is_identity(mut mean: impl Iterator<Item = f32>, mut scale: impl Iterator<Item = f32>) -> bool {
    mean.all(|m| m.to_bits() == 0) && scale.all(|s| s == 1.0)
}

/// FNV-1a (32 bit) over the little-endian bytes of each value's bits, in order: a
/// fingerprint that two machines agree on exactly when they hold the same bits (the host
/// and the device compare trained parameters with it).
///
/// ```
/// use nn_core::codec::fingerprint;
/// assert_eq!(fingerprint([]), 0x811c_9dc5);
/// // 1.0 is 0x3f80_0000: bytes 00 00 80 3f.
/// assert_eq!(fingerprint([1.0]), 0x1b58_7698);
/// ```
pub fn fingerprint(values: impl IntoIterator<Item = f32>) -> u32 {
    values
        .into_iter()
        .flat_map(|v| v.to_bits().to_le_bytes())
        .fold(0x811c_9dc5, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// [`fingerprint`] of `model`'s parameters in the flat order (the scaling stage is not
/// included).
pub fn params_fingerprint<M: Model + ?Sized>(model: &M) -> u32 {
    fingerprint((0..model.depth()).flat_map(|l| model.weights(l).iter().chain(model.biases(l))).copied())
}

/// Bytes [`encode`] writes for `model`.
pub fn encoded_len<M: Model + ?Sized>(model: &M) -> usize {
    let stage = stage_of(model).map_or(0, |s| 8 * s.len());
    header_len(model.depth()) + stage + 4 * model.param_count() + 4
}

/// Writes `model` into `out` (version 1, or version 2 when the model has an input
/// scaling other than the identity); returns the number of bytes written.
pub fn encode<M: Model + ?Sized>(model: &M, out: &mut [u8]) -> Result<usize, CodecError> {
    let depth = model.depth();
    let mut specs = [LayerSpec::new(0, 0, Activation::Identity); MAX_LAYERS];
    for (l, s) in specs.iter_mut().enumerate().take(depth) {
        *s = model.spec(l);
    }
    let specs = specs.get(..depth).ok_or(CodecError::Shape)?;
    check_specs(specs).map_err(|_| CodecError::Shape)?;
    let fits = |n: usize| u16::try_from(n).map_err(|_| CodecError::Shape);
    let stage = stage_of(model);
    if stage.is_some_and(|s| s.len() != model.inputs()) {
        return Err(CodecError::Shape);
    }
    let needed = encoded_len(model);
    if out.len() < needed {
        return Err(CodecError::Truncated { needed, found: out.len() });
    }
    out[..4].copy_from_slice(&MAGIC);
    out[4] = if stage.is_some() { VERSION_SCALED } else { VERSION };
    out[5] = depth as u8;
    out[6..8].copy_from_slice(&fits(model.inputs())?.to_le_bytes());
    for (l, spec) in specs.iter().enumerate() {
        let at = 8 + 3 * l;
        out[at..at + 2].copy_from_slice(&fits(spec.outputs)?.to_le_bytes());
        out[at + 2] = spec.activation as u8;
    }
    // Slots and `get`s rather than index arithmetic: no panic path (firmware/nopanic).
    let found = out.len();
    let Some((covered, crc)) = out.get_mut(..needed).and_then(|o| o.split_last_chunk_mut::<4>()) else {
        return Err(CodecError::Truncated { needed, found });
    };
    let mut slots = covered.get_mut(header_len(depth)..).unwrap_or_default().chunks_exact_mut(4);
    let stage_values = stage.iter().flat_map(|s| s.mean().iter().chain(s.scale()));
    let params = (0..2 * depth).flat_map(|s| model.segment(s).iter());
    let mut written = 0;
    for (slot, &v) in (&mut slots).zip(stage_values.chain(params)) {
        slot.iter_mut().zip(v.to_le_bytes()).for_each(|(d, b)| *d = b);
        written += 1;
    }
    if written != (needed - 4 - header_len(depth)) / 4 {
        // The model's segments do not hold `param_count` values.
        return Err(CodecError::Shape);
    }
    *crc = CRC.checksum(covered).to_le_bytes();
    Ok(needed)
}

/// Little-endian `f32`s from bytes whose length is a multiple of 4.
fn floats(bytes: &[u8]) -> impl Iterator<Item = f32> + '_ {
    // Every chunk is 4 bytes; `try_into` says so without a panic path.
    bytes.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap_or([0xFF; 4])))
}

/// A checked encoded model: its shape, its input scaling and its parameters still as bytes.
#[derive(Debug, Clone)]
pub struct Decoded<'a> {
    specs: heapless::Vec<LayerSpec, MAX_LAYERS>,
    /// The means then the scales (version 2), or nothing (version 1).
    stage: &'a [u8],
    params: &'a [u8],
}

impl Decoded<'_> {
    /// The layer specs.
    pub fn specs(&self) -> &[LayerSpec] {
        &self.specs
    }

    /// Number of parameters.
    pub fn param_count(&self) -> usize {
        self.params.len() / 4
    }

    /// The parameters in the flat order.
    pub fn params(&self) -> impl Iterator<Item = f32> + '_ {
        floats(self.params)
    }

    /// Whether the record holds an input scaling (version 2).
    pub fn has_scaling(&self) -> bool {
        !self.stage.is_empty()
    }

    /// The input scaling's means, one per input (none for version 1).
    pub fn scaling_mean(&self) -> impl Iterator<Item = f32> + '_ {
        floats(self.stage.get(..self.stage.len() / 2).unwrap_or(&[]))
    }

    /// The input scaling's scales, one per input (none for version 1).
    pub fn scaling_scale(&self) -> impl Iterator<Item = f32> + '_ {
        floats(self.stage.get(self.stage.len() / 2..).unwrap_or(&[]))
    }

    /// Inputs the stage scales (0 for version 1).
    fn scaled_inputs(&self) -> usize {
        self.stage.len() / 8
    }

    /// Value `k` of the stage: the means, then the scales. (Read one at a time: zipping
    /// two chunked iterators would bring a division, and its panic path, into the
    /// firmware.)
    fn stage_value(&self, k: usize) -> Option<f32> {
        let bytes = self.stage.get(k.checked_mul(4)?..k.checked_mul(4)?.checked_add(4)?)?;
        Some(f32::from_le_bytes(bytes.try_into().ok()?))
    }

    /// Loads the parameters into `model`, which must have exactly this shape and this
    /// input scaling ([`CodecError::ScalingMismatch`] otherwise: parameters trained
    /// behind one stage mean nothing behind another). A model without a stage, or with
    /// the identity stage, takes a version 1 record. A stage is not a parameter, so it
    /// is not loaded: build the model with [`Decoded::scaling_mean`] and
    /// [`Decoded::scaling_scale`] first.
    pub fn load_into<M: ModelMut + ?Sized>(&self, model: &mut M) -> Result<(), CodecError> {
        let same = model.depth() == self.specs.len() && self.specs.iter().enumerate().all(|(l, s)| model.spec(l) == *s);
        if !same {
            return Err(CodecError::ShapeMismatch);
        }
        let same_stage = match stage_of(model) {
            None => !self.has_scaling(),
            Some(stage) => {
                let n = self.scaled_inputs();
                let bits = |v: Option<f32>| v.map(f32::to_bits);
                stage.len() == n
                    && (0..n).all(|i| {
                        bits(self.stage_value(i)) == bits(stage.mean().get(i).copied())
                            && bits(self.stage_value(n + i)) == bits(stage.scale().get(i).copied())
                    })
            }
        };
        if !same_stage {
            return Err(CodecError::ScalingMismatch);
        }
        let mut values = self.params();
        for s in 0..2 * model.depth() {
            for p in model.segment_mut(s) {
                *p = values.next().ok_or(CodecError::ShapeMismatch)?;
            }
        }
        Ok(())
    }
}

/// Checks `bytes` completely and returns the model they hold.
pub fn decode(bytes: &[u8]) -> Result<Decoded<'_>, CodecError> {
    let truncated = |needed: usize| CodecError::Truncated { needed, found: bytes.len() };
    if bytes.len() < 8 {
        return Err(truncated(8));
    }
    if bytes[..4] != MAGIC {
        return Err(CodecError::Magic);
    }
    let scaled = match bytes[4] {
        VERSION => false,
        VERSION_SCALED => true,
        v => return Err(CodecError::Version(v)),
    };
    let depth = usize::from(bytes[5]);
    if depth == 0 || depth > MAX_LAYERS {
        return Err(CodecError::Shape);
    }
    let specs_end = header_len(depth);
    if bytes.len() < specs_end {
        return Err(truncated(specs_end));
    }
    let mut specs = heapless::Vec::<LayerSpec, MAX_LAYERS>::new();
    let mut inputs = usize::from(u16::from_le_bytes([bytes[6], bytes[7]]));
    let stage_len = if scaled { 8 * inputs } else { 0 };
    for l in 0..depth {
        let at = 8 + 3 * l;
        let outputs = usize::from(u16::from_le_bytes([bytes[at], bytes[at + 1]]));
        let activation = Activation::from_tag(bytes[at + 2]).ok_or(CodecError::Activation(bytes[at + 2]))?;
        specs.push(LayerSpec::new(inputs, outputs, activation)).map_err(|_| CodecError::Shape)?;
        inputs = outputs;
    }
    let count = check_specs(&specs).map_err(|_| CodecError::Shape)?;
    let head = specs_end + stage_len;
    let body = count.checked_mul(4).and_then(|b| b.checked_add(head)).ok_or(CodecError::Shape)?;
    let total = body.checked_add(4).ok_or(CodecError::Shape)?;
    if bytes.len() < total {
        return Err(truncated(total));
    }
    if bytes.len() > total {
        return Err(CodecError::TrailingBytes);
    }
    // The length is exactly `total` here; `get` says so without a panic path.
    let (Some(covered), Some(crc), Some(stage), Some(params)) =
        (bytes.get(..body), bytes.get(body..total), bytes.get(specs_end..head), bytes.get(head..body))
    else {
        return Err(truncated(total));
    };
    let stored = u32::from_le_bytes(crc.try_into().unwrap_or([0; 4]));
    let computed = CRC.checksum(covered);
    if stored != computed {
        return Err(CodecError::Checksum { stored, computed });
    }
    let decoded = Decoded { specs, stage, params };
    let n = decoded.scaled_inputs();
    let bad_input = (0..n).position(|i| match (decoded.stage_value(i), decoded.stage_value(n + i)) {
        (Some(m), Some(s)) => !(m.is_finite() && s.is_finite() && s > 0.0),
        _ => true,
    });
    if let Some(input) = bad_input {
        return Err(CodecError::Scaling { input });
    }
    if scaled && is_identity(decoded.scaling_mean(), decoded.scaling_scale()) {
        return Err(CodecError::IdentityScaling);
    }
    if let Some(index) = decoded.params().position(|p| !p.is_finite()) {
        return Err(CodecError::NonFinite { index });
    }
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{Identity, Sigmoid, Softmax};
    use crate::{forward, Dense, Network, Scaled};

    type Net = (Dense<2, 3, Sigmoid>, Dense<3, 2, Softmax>);
    type ScaledNet = Scaled<Net, [f32; 2]>;
    type Line = (Dense<1, 1, Identity>,);

    /// `y = 2x − 3` as version 1, written by hand (CRC from Python's `zlib.crc32`): the
    /// records written before version 2 existed must stay readable.
    static LINE_V1: [u8; 23] = [
        0x4e, 0x4e, 0x43, 0x57, 0x01, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x40,
        0xc0, 0x7e, 0xb6, 0xa3, 0x90,
    ];
    /// The same line behind the stage `(x − 10) / 4`, as version 2, written by hand.
    static LINE_V2: [u8; 31] = [
        0x4e, 0x4e, 0x43, 0x57, 0x02, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x20, 0x41, 0x00, 0x00, 0x80,
        0x40, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x40, 0xc0, 0x73, 0x21, 0xc0, 0x9a,
    ];

    fn sample() -> Net {
        let mut net = Net::default();
        for k in 0..net.param_count() {
            *net.param_mut(k).unwrap() = k as f32 * 0.25 - 1.0;
        }
        net
    }

    #[test]
    fn round_trips() {
        let net = sample();
        let mut buf = [0u8; 128];
        let n = encode(&net, &mut buf).unwrap();
        assert_eq!(n, encoded_len(&net));
        let decoded = decode(&buf[..n]).unwrap();
        let mut back = Net::default();
        decoded.load_into(&mut back).unwrap();
        assert_eq!(back, net);
    }

    fn scaled_sample() -> ScaledNet {
        ScaledNet::new(sample(), InputScaling::new([0.5, -2.0], [3.0, 0.25]).unwrap()).unwrap()
    }

    /// Rewrites the CRC of a record after its other bytes were changed.
    fn reseal(record: &mut [u8]) {
        let end = record.len() - 4;
        let crc = CRC.checksum(&record[..end]);
        record[end..].copy_from_slice(&crc.to_le_bytes());
    }

    #[test]
    fn both_versions_written_by_hand_decode() {
        let line: Line = (Dense::new([[2.0]], [-3.0]),);
        let mut buf = [0u8; 64];
        let n = encode(&line, &mut buf).unwrap();
        assert_eq!(&buf[..n], &LINE_V1[..], "an unscaled model's record is the version 1 bytes");
        let v1 = decode(&LINE_V1).unwrap();
        assert!(!v1.has_scaling());
        assert_eq!(v1.scaling_mean().count(), 0);
        let mut back = Line::default();
        v1.load_into(&mut back).unwrap();
        assert_eq!(back, line);

        let scaled = Scaled::new(line, InputScaling::new([10.0], [4.0]).unwrap()).unwrap();
        let n = encode(&scaled, &mut buf).unwrap();
        assert_eq!(n, encoded_len(&scaled));
        assert_eq!(&buf[..n], &LINE_V2[..]);
        let v2 = decode(&LINE_V2).unwrap();
        assert!(v2.has_scaling());
        assert_eq!(v2.scaling_mean().collect::<heapless::Vec<f32, 1>>(), [10.0]);
        assert_eq!(v2.scaling_scale().collect::<heapless::Vec<f32, 1>>(), [4.0]);
        let mut back = Scaled::new(Line::default(), InputScaling::new([10.0], [4.0]).unwrap()).unwrap();
        v2.load_into(&mut back).unwrap();
        // (18 − 10) / 4 = 2, then 2·2 − 3 = 1.
        let mut scratch = [0.0; <Scaled<Line, [f32; 1]>>::SCRATCH];
        assert_eq!(forward(&back, &[18.0], &mut scratch).unwrap(), &[1.0]);
    }

    #[test]
    fn a_scaled_model_round_trips_and_loads_only_behind_its_stage() {
        let net = scaled_sample();
        let mut buf = [0u8; 160];
        let n = encode(&net, &mut buf).unwrap();
        assert_eq!(n, encoded_len(&net));
        assert_eq!(n, encoded_len(&sample()) + 16, "two f32 per input");
        assert_eq!(buf[4], VERSION_SCALED);
        let decoded = decode(&buf[..n]).unwrap();
        let mut back = ScaledNet::new(Net::default(), *net.scaling()).unwrap();
        decoded.load_into(&mut back).unwrap();
        assert_eq!(back, net);
        // Behind no stage, or another one, the parameters would predict something else.
        assert_eq!(decoded.load_into(&mut Net::default()), Err(CodecError::ScalingMismatch));
        let mut other = ScaledNet::new(Net::default(), InputScaling::new([0.5, -2.0], [3.0, 0.5]).unwrap()).unwrap();
        assert_eq!(decoded.load_into(&mut other), Err(CodecError::ScalingMismatch));
        let v1 = encode(&sample(), &mut buf).unwrap();
        assert_eq!(decode(&buf[..v1]).unwrap().load_into(&mut back), Err(CodecError::ScalingMismatch));
    }

    #[test]
    fn the_identity_stage_is_written_as_version_1_and_refused_as_version_2() {
        let plain = sample();
        let behind_identity = ScaledNet::new(plain, InputScaling::IDENTITY).unwrap();
        let (mut a, mut b) = ([0u8; 160], [0u8; 160]);
        let n = encode(&plain, &mut a).unwrap();
        assert_eq!(encode(&behind_identity, &mut b).unwrap(), n);
        assert_eq!(a[..n], b[..n]);
        assert_eq!(a[4], VERSION);
        // Both load the version 1 record.
        let mut back = ScaledNet::default();
        decode(&a[..n]).unwrap().load_into(&mut back).unwrap();
        assert_eq!(back, behind_identity);
        // A version 2 record holding the identity stage is not this codec's encoding.
        let mut v2 = [0u8; 160];
        let m = encode(&scaled_sample(), &mut v2).unwrap();
        let stage = header_len(2);
        for (k, v) in [0.0f32, 0.0, 1.0, 1.0].iter().enumerate() {
            v2[stage + 4 * k..stage + 4 * k + 4].copy_from_slice(&v.to_le_bytes());
        }
        reseal(&mut v2[..m]);
        assert_eq!(decode(&v2[..m]).unwrap_err(), CodecError::IdentityScaling);
        // A mean of −0.0 is not the identity: it turns an input of −0.0 into +0.0.
        v2[stage..stage + 4].copy_from_slice(&(-0.0f32).to_le_bytes());
        reseal(&mut v2[..m]);
        assert!(decode(&v2[..m]).unwrap().has_scaling());
    }

    #[test]
    fn a_scaling_that_is_not_finite_and_positive_is_refused() {
        let mut buf = [0u8; 160];
        let n = encode(&scaled_sample(), &mut buf).unwrap();
        let stage = header_len(2);
        // (slot, value): slots 0, 1 are the means of inputs 0, 1; slots 2, 3 their scales.
        let cases = [
            (0, f32::NAN, 0),
            (1, f32::INFINITY, 1),
            (1, f32::NEG_INFINITY, 1),
            (2, 0.0, 0),
            (3, -0.0, 1),
            (3, -1.0, 1),
            (2, f32::INFINITY, 0),
            (3, f32::NAN, 1),
        ];
        for (slot, value, input) in cases {
            let mut bad = buf;
            bad[stage + 4 * slot..stage + 4 * slot + 4].copy_from_slice(&value.to_le_bytes());
            reseal(&mut bad[..n]);
            assert_eq!(decode(&bad[..n]).unwrap_err(), CodecError::Scaling { input }, "slot {slot} = {value}");
        }
    }

    #[test]
    fn every_truncation_and_bit_flip_of_a_scaled_record_is_caught() {
        let mut buf = [0u8; 160];
        let n = encode(&scaled_sample(), &mut buf).unwrap();
        for len in 0..n {
            assert!(decode(&buf[..len]).is_err(), "length {len}");
        }
        // Cut inside the stage: the length the header promises is reported.
        let inside = header_len(2) + 6;
        assert_eq!(decode(&buf[..inside]).unwrap_err(), CodecError::Truncated { needed: n, found: inside });
        for bit in 0..n * 8 {
            let mut bad = buf;
            bad[bit / 8] ^= 1 << (bit % 8);
            assert!(decode(&bad[..n]).is_err(), "bit {bit}");
        }
        assert!(matches!(encode(&scaled_sample(), &mut buf[..n - 1]), Err(CodecError::Truncated { .. })));
    }

    #[test]
    fn the_crc_is_zlibs() {
        assert_eq!(CRC.checksum(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn every_single_bit_flip_is_caught() {
        let net = sample();
        let mut buf = [0u8; 128];
        let n = encode(&net, &mut buf).unwrap();
        for bit in 0..n * 8 {
            let mut bad = buf;
            bad[bit / 8] ^= 1 << (bit % 8);
            assert!(decode(&bad[..n]).is_err(), "bit {bit}");
        }
    }

    #[test]
    fn every_truncation_is_caught() {
        let net = sample();
        let mut buf = [0u8; 128];
        let n = encode(&net, &mut buf).unwrap();
        for len in 0..n {
            assert!(decode(&buf[..len]).is_err(), "length {len}");
        }
        assert_eq!(decode(&buf[..n + 1]).unwrap_err(), CodecError::TrailingBytes);
        assert!(matches!(encode(&net, &mut buf[..n - 1]), Err(CodecError::Truncated { .. })));
    }

    #[test]
    fn wrong_shapes_are_refused() {
        let net = sample();
        let mut buf = [0u8; 128];
        let n = encode(&net, &mut buf).unwrap();
        let mut other = (Dense::<2, 3, Sigmoid>::default(), Dense::<3, 2, Sigmoid>::default());
        assert_eq!(decode(&buf[..n]).unwrap().load_into(&mut other), Err(CodecError::ShapeMismatch));
    }
}
