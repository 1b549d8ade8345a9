//! A model with its input scaling as one record for [`crate::persist::ModelStore`]: the
//! scaling stage learned on the device must come back with the network, or every
//! prediction after a reboot sees unscaled features.
//!
//! Until nn-core's codec carries the scaling itself, the record is
//! `scaling block ++ codec record`:
//!
//! | bytes | what |
//! |---|---|
//! | 4 | magic `NSCL` |
//! | 1 | version, 1 |
//! | 1 | 0 |
//! | 2 | `F`, the number of features, little-endian |
//! | 4·F | the means, `f32` little-endian |
//! | 4·F | the scales |
//! | 4 | CRC-32 (ISO-HDLC, zlib's) of all the above |
//! | rest | the network's nn-core `codec` record, unchanged |
//!
//! A plain codec record (the gesture demo's, whose `model_crc` is pinned) is not a scaled
//! record and is still read by `codec::decode` as before.

use core::fmt;

use nn_core::codec::{self, CodecError};
use nn_core::scaling::InputScaling;
use nn_core::{Model, Network, Scaled};

const MAGIC: [u8; 4] = *b"NSCL";
const VERSION: u8 = 1;
const CRC: crc::Crc<u32, crc::NoTable> = crc::Crc::<u32, crc::NoTable>::new(&crc::CRC_32_ISO_HDLC);

/// Why a scaled record cannot be written or read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ScaledRecordError {
    /// The output buffer or the record is shorter than `needed` bytes.
    Truncated {
        /// Bytes needed.
        needed: usize,
    },
    /// The record does not start with the scaling block's magic.
    Magic,
    /// A version this code does not read.
    Version(u8),
    /// The record holds `found` features where the model has `expected`.
    Features {
        /// The model's input width.
        expected: usize,
        /// The record's.
        found: usize,
    },
    /// The scaling block's CRC does not match.
    Checksum,
    /// A mean is not finite or a scale not finite and positive.
    Scaling,
    /// The network's record failed.
    Codec(CodecError),
}

impl fmt::Display for ScaledRecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScaledRecordError::Truncated { needed } => write!(f, "the scaled record needs {needed} bytes"),
            ScaledRecordError::Magic => f.write_str("not a scaled model record (no NSCL magic)"),
            ScaledRecordError::Version(v) => write!(f, "scaled record version {v} is not 1"),
            ScaledRecordError::Features { expected, found } => {
                write!(f, "the record scales {found} features, the model has {expected}")
            }
            ScaledRecordError::Checksum => f.write_str("the scaling block's CRC does not match"),
            ScaledRecordError::Scaling => f.write_str("the stored scaling is not finite and positive"),
            ScaledRecordError::Codec(e) => write!(f, "network record: {e}"),
        }
    }
}

impl core::error::Error for ScaledRecordError {}

/// Bytes of the scaling block for `f` features.
pub const fn block_len(f: usize) -> usize {
    8 + 8 * f + 4
}

/// Bytes of the whole record of `model`.
pub fn encoded_len<M: Model, const F: usize>(model: &Scaled<M, [f32; F]>) -> usize {
    block_len(F) + codec::encoded_len(model.model())
}

/// Writes `model`'s record into `out`; returns its length.
pub fn encode<M: Model, const F: usize>(
    model: &Scaled<M, [f32; F]>,
    out: &mut [u8],
) -> Result<usize, ScaledRecordError> {
    let needed = encoded_len(model);
    let out = out.get_mut(..needed).ok_or(ScaledRecordError::Truncated { needed })?;
    let (block, net) = out.split_at_mut(block_len(F).min(needed));
    let width =
        u16::try_from(F).map_err(|_| ScaledRecordError::Features { expected: F, found: usize::from(u16::MAX) })?;
    let mut at = block.iter_mut();
    let mut put = |bytes: &[u8]| bytes.iter().zip(at.by_ref()).for_each(|(b, o)| *o = *b);
    put(&MAGIC);
    put(&[VERSION, 0]);
    put(&width.to_le_bytes());
    let scaling = model.scaling();
    for v in scaling.mean().iter().chain(scaling.scale()) {
        put(&v.to_le_bytes());
    }
    let body = block.len().saturating_sub(4);
    let crc = CRC.checksum(block.get(..body).unwrap_or(&[]));
    if let Some(tail) = block.get_mut(body..) {
        tail.iter_mut().zip(crc.to_le_bytes()).for_each(|(o, b)| *o = b);
    }
    let n = codec::encode(model.model(), net).map_err(ScaledRecordError::Codec)?;
    Ok(block_len(F) + n)
}

/// Reads a record written by [`encode`] into a model of type `Scaled<Net, [f32; F]>`,
/// checking both CRCs, the shapes and that every value is finite.
pub fn decode<Net: Network, const F: usize>(bytes: &[u8]) -> Result<Scaled<Net, [f32; F]>, ScaledRecordError> {
    let len = block_len(F);
    if bytes.len() < 8 {
        return Err(ScaledRecordError::Truncated { needed: 8 });
    }
    if bytes.get(..4) != Some(&MAGIC[..]) {
        return Err(ScaledRecordError::Magic);
    }
    let version = bytes.get(4).copied().unwrap_or(0);
    if version != VERSION {
        return Err(ScaledRecordError::Version(version));
    }
    let found =
        usize::from(u16::from_le_bytes([bytes.get(6).copied().unwrap_or(0), bytes.get(7).copied().unwrap_or(0)]));
    if found != F {
        return Err(ScaledRecordError::Features { expected: F, found });
    }
    let (Some(body), Some(crc), Some(net)) = (bytes.get(..len - 4), bytes.get(len - 4..len), bytes.get(len..)) else {
        return Err(ScaledRecordError::Truncated { needed: len });
    };
    if crc != CRC.checksum(body).to_le_bytes() {
        return Err(ScaledRecordError::Checksum);
    }
    let value = |k: usize| {
        let at = 8 + 4 * k;
        let b = body.get(at..at + 4).and_then(|b| <[u8; 4]>::try_from(b).ok()).unwrap_or([0xff; 4]);
        f32::from_le_bytes(b)
    };
    let mean: [f32; F] = core::array::from_fn(value);
    let scale: [f32; F] = core::array::from_fn(|k| value(F + k));
    let scaling = InputScaling::new(mean, scale).map_err(|_| ScaledRecordError::Scaling)?;
    let mut model = Net::default();
    codec::decode(net).and_then(|d| d.load_into(&mut model)).map_err(ScaledRecordError::Codec)?;
    Scaled::new(model, scaling).map_err(|_| ScaledRecordError::Features { expected: F, found: Net::INPUTS })
}

#[cfg(test)]
mod tests {
    use super::*;
    use nn_core::activation::{Softmax, Tanh};
    use nn_core::{Dense, ModelMut};

    type Net = (Dense<3, 4, Tanh>, Dense<4, 2, Softmax>);
    type M = Scaled<Net, [f32; 3]>;

    fn sample() -> M {
        let mut net = Net::default();
        for k in 0..net.param_count() {
            *net.param_mut(k).unwrap() = k as f32 * 0.125 - 1.0;
        }
        Scaled::new(net, InputScaling::new([1.5, -2.0, 0.0], [0.25, 1.0, 3.0]).unwrap()).unwrap()
    }

    #[test]
    fn a_scaled_model_round_trips_bit_for_bit() {
        let model = sample();
        let mut bytes = [0u8; 256];
        let n = encode(&model, &mut bytes).unwrap();
        assert_eq!(n, encoded_len(&model));
        assert_eq!(n, 8 + 24 + 4 + codec::encoded_len(model.model()));
        assert_eq!(&bytes[..8], b"NSCL\x01\x00\x03\x00");
        // The first mean, 1.5, little-endian.
        assert_eq!(&bytes[8..12], &1.5f32.to_le_bytes());
        let back: M = decode(&bytes[..n]).unwrap();
        assert_eq!(back, model);
    }

    #[test]
    fn damaged_records_are_refused() {
        let model = sample();
        let mut bytes = [0u8; 256];
        let n = encode(&model, &mut bytes).unwrap();
        let record = &bytes[..n];
        let mut flipped = [0u8; 256];
        flipped[..n].copy_from_slice(record);
        flipped[9] ^= 1;
        assert_eq!(decode::<Net, 3>(&flipped[..n]), Err(ScaledRecordError::Checksum));
        assert_eq!(decode::<Net, 2>(record), Err(ScaledRecordError::Features { expected: 2, found: 3 }));
        assert_eq!(decode::<Net, 3>(&record[..20]), Err(ScaledRecordError::Truncated { needed: 36 }));
        assert!(matches!(decode::<Net, 3>(&record[..n - 1]), Err(ScaledRecordError::Codec(_))));
        // A plain codec record is not a scaled one.
        assert_eq!(decode::<Net, 3>(&record[36..]), Err(ScaledRecordError::Magic));
        assert_eq!(encode(&model, &mut [0u8; 40]), Err(ScaledRecordError::Truncated { needed: n }));
        // Zero scale stored: refused.
        let mut zero = [0u8; 256];
        zero[..n].copy_from_slice(record);
        zero[20..24].copy_from_slice(&0.0f32.to_le_bytes());
        let crc = CRC.checksum(&zero[..32]).to_le_bytes();
        zero[32..36].copy_from_slice(&crc);
        assert_eq!(decode::<Net, 3>(&zero[..n]), Err(ScaledRecordError::Scaling));
    }
}
