//! A compact binary weight format, for flashing and for the device's own persistence.
//!
//! ```text
//! offset  size  field
//! 0       4     magic b"NNCW"
//! 4       1     format version (1)
//! 5       1     layer count L (1..=MAX_LAYERS)
//! 6       2     input width, u16 little-endian
//! 8       3·L   per layer: output width u16 LE, activation tag u8 (Activation as u8)
//! 8+3L    4·P   the parameters in the flat order, f32 little-endian
//! end−4   4     CRC-32 (ISO-HDLC, as zlib) of every byte before it, u32 LE
//! ```
//! The decoder checks every field (magic, version, sizes, activations, length, CRC,
//! finiteness of every parameter) and never panics on any input.

use core::fmt;

use crate::activation::Activation;
use crate::model::{check_specs, LayerSpec, Model, ModelMut, MAX_LAYERS};

/// The first four bytes of an encoded model.
pub const MAGIC: [u8; 4] = *b"NNCW";
/// The format version this code writes and reads.
pub const VERSION: u8 = 1;
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
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            CodecError::Truncated { needed, found } => write!(f, "needs {needed} bytes, has {found}"),
            CodecError::Magic => f.write_str("not an nn-core model (bad magic)"),
            CodecError::Version(v) => write!(f, "unsupported format version {v} (expected {VERSION})"),
            CodecError::Shape => f.write_str("invalid layer sizes"),
            CodecError::Activation(t) => write!(f, "unknown activation tag {t}"),
            CodecError::TrailingBytes => f.write_str("bytes after the checksum"),
            CodecError::Checksum { stored, computed } => {
                write!(f, "checksum mismatch (stored {stored:#010x}, computed {computed:#010x})")
            }
            CodecError::NonFinite { index } => write!(f, "parameter {index} is not finite"),
            CodecError::ShapeMismatch => f.write_str("the encoded shape differs from the model's"),
        }
    }
}

impl core::error::Error for CodecError {}

fn header_len(depth: usize) -> usize {
    8 + 3 * depth
}

/// Bytes [`encode`] writes for `model`.
pub fn encoded_len<M: Model + ?Sized>(model: &M) -> usize {
    header_len(model.depth()) + 4 * model.param_count() + 4
}

/// Writes `model` into `out`; returns the number of bytes written.
pub fn encode<M: Model + ?Sized>(model: &M, out: &mut [u8]) -> Result<usize, CodecError> {
    let depth = model.depth();
    let mut specs = [LayerSpec::new(0, 0, Activation::Identity); MAX_LAYERS];
    for (l, s) in specs.iter_mut().enumerate().take(depth) {
        *s = model.spec(l);
    }
    let specs = specs.get(..depth).ok_or(CodecError::Shape)?;
    check_specs(specs).map_err(|_| CodecError::Shape)?;
    let fits = |n: usize| u16::try_from(n).map_err(|_| CodecError::Shape);
    let needed = encoded_len(model);
    if out.len() < needed {
        return Err(CodecError::Truncated { needed, found: out.len() });
    }
    out[..4].copy_from_slice(&MAGIC);
    out[4] = VERSION;
    out[5] = depth as u8;
    out[6..8].copy_from_slice(&fits(model.inputs())?.to_le_bytes());
    for (l, spec) in specs.iter().enumerate() {
        let at = 8 + 3 * l;
        out[at..at + 2].copy_from_slice(&fits(spec.outputs)?.to_le_bytes());
        out[at + 2] = spec.activation as u8;
    }
    let mut at = header_len(depth);
    for s in 0..2 * depth {
        for &p in model.segment(s) {
            out[at..at + 4].copy_from_slice(&p.to_le_bytes());
            at += 4;
        }
    }
    let crc = CRC.checksum(&out[..at]);
    out[at..at + 4].copy_from_slice(&crc.to_le_bytes());
    Ok(at + 4)
}

/// A checked encoded model: its shape, and its parameters still as bytes.
#[derive(Debug, Clone)]
pub struct Decoded<'a> {
    specs: heapless::Vec<LayerSpec, MAX_LAYERS>,
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
        // Every chunk is 4 bytes; `try_into` says so without a panic path.
        self.params.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap_or([0xFF; 4])))
    }

    /// Loads the parameters into `model`, which must have exactly this shape.
    pub fn load_into<M: ModelMut + ?Sized>(&self, model: &mut M) -> Result<(), CodecError> {
        let same = model.depth() == self.specs.len() && self.specs.iter().enumerate().all(|(l, s)| model.spec(l) == *s);
        if !same {
            return Err(CodecError::ShapeMismatch);
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
    if bytes[4] != VERSION {
        return Err(CodecError::Version(bytes[4]));
    }
    let depth = usize::from(bytes[5]);
    if depth == 0 || depth > MAX_LAYERS {
        return Err(CodecError::Shape);
    }
    let head = header_len(depth);
    if bytes.len() < head {
        return Err(truncated(head));
    }
    let mut specs = heapless::Vec::<LayerSpec, MAX_LAYERS>::new();
    let mut inputs = usize::from(u16::from_le_bytes([bytes[6], bytes[7]]));
    for l in 0..depth {
        let at = 8 + 3 * l;
        let outputs = usize::from(u16::from_le_bytes([bytes[at], bytes[at + 1]]));
        let activation = Activation::from_tag(bytes[at + 2]).ok_or(CodecError::Activation(bytes[at + 2]))?;
        specs.push(LayerSpec::new(inputs, outputs, activation)).map_err(|_| CodecError::Shape)?;
        inputs = outputs;
    }
    let count = check_specs(&specs).map_err(|_| CodecError::Shape)?;
    let body = count.checked_mul(4).and_then(|b| b.checked_add(head)).ok_or(CodecError::Shape)?;
    let total = body.checked_add(4).ok_or(CodecError::Shape)?;
    if bytes.len() < total {
        return Err(truncated(total));
    }
    if bytes.len() > total {
        return Err(CodecError::TrailingBytes);
    }
    // The length is exactly `total` here; `get` says so without a panic path.
    let (Some(covered), Some(crc), Some(params)) = (bytes.get(..body), bytes.get(body..total), bytes.get(head..body))
    else {
        return Err(truncated(total));
    };
    let stored = u32::from_le_bytes(crc.try_into().unwrap_or([0; 4]));
    let computed = CRC.checksum(covered);
    if stored != computed {
        return Err(CodecError::Checksum { stored, computed });
    }
    let decoded = Decoded { specs, params };
    if let Some(index) = decoded.params().position(|p| !p.is_finite()) {
        return Err(CodecError::NonFinite { index });
    }
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{Sigmoid, Softmax};
    use crate::Dense;

    type Net = (Dense<2, 3, Sigmoid>, Dense<3, 2, Softmax>);

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
