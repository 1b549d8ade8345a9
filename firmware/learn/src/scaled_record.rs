//! A learned model with its input scaling as one record for [`crate::persist::ModelStore`]:
//! the scaling stage learned on the device must come back with the network, or every
//! prediction after a reboot sees unscaled features.
//!
//! The record is nn-core's codec record of the [`Scaled`] model: [`nn_core::codec::encode`]
//! writes its version 2 (the means and scales after the layer table) for a stage that
//! changes something, version 1 for the identity stage, so a model trained with
//! [`crate::classifier::Scaling::Identity`] (the gesture demo's, whose `model_crc` is
//! pinned) has the bytes it always had. [`decode`] builds the `Scaled` model back: the
//! stage from the record, then the parameters.

use nn_core::codec::{self, CodecError};
use nn_core::scaling::InputScaling;
use nn_core::{Network, Scaled};

/// Bytes of `model`'s record.
pub fn encoded_len<Net: Network, const F: usize>(model: &Scaled<Net, [f32; F]>) -> usize {
    codec::encoded_len(model)
}

/// Writes `model`'s record (nn-core's codec) into `out`; returns its length.
pub fn encode<Net: Network, const F: usize>(
    model: &Scaled<Net, [f32; F]>,
    out: &mut [u8],
) -> Result<usize, CodecError> {
    codec::encode(model, out)
}

/// Reads a record of a `Scaled<Net, [f32; F]>` model: every check of
/// [`codec::decode`], then the stage (the identity for a version 1 record;
/// [`CodecError::ScalingMismatch`] when it scales another number of inputs than `F`), then
/// the parameters ([`CodecError::ShapeMismatch`] for another network).
pub fn decode<Net: Network, const F: usize>(bytes: &[u8]) -> Result<Scaled<Net, [f32; F]>, CodecError> {
    let record = codec::decode(bytes)?;
    let scaling = if record.has_scaling() {
        let (mut mean, mut scale) = ([0.0f32; F], [1.0f32; F]);
        let (mut means, mut scales) = (record.scaling_mean(), record.scaling_scale());
        for (m, s) in mean.iter_mut().zip(scale.iter_mut()) {
            *m = means.next().ok_or(CodecError::ScalingMismatch)?;
            *s = scales.next().ok_or(CodecError::ScalingMismatch)?;
        }
        if means.next().is_some() || scales.next().is_some() {
            return Err(CodecError::ScalingMismatch);
        }
        InputScaling::new(mean, scale).map_err(|_| CodecError::ScalingMismatch)?
    } else {
        InputScaling::IDENTITY
    };
    let mut model = Scaled::new(Net::default(), scaling).map_err(|_| CodecError::ShapeMismatch)?;
    record.load_into(&mut model)?;
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nn_core::activation::{Softmax, Tanh};
    use nn_core::{Dense, Model, ModelMut};

    type Net = (Dense<3, 4, Tanh>, Dense<4, 2, Softmax>);
    type M = Scaled<Net, [f32; 3]>;

    fn sample(scaling: InputScaling<[f32; 3]>) -> M {
        let mut net = Net::default();
        for k in 0..net.param_count() {
            *net.param_mut(k).unwrap() = k as f32 * 0.125 - 1.0;
        }
        Scaled::new(net, scaling).unwrap()
    }

    #[test]
    fn a_scaled_model_round_trips_bit_for_bit() {
        let model = sample(InputScaling::new([1.5, -2.0, 0.0], [0.25, 1.0, 3.0]).unwrap());
        let mut bytes = [0u8; 512];
        let n = encode(&model, &mut bytes).unwrap();
        assert_eq!(n, encoded_len(&model));
        // Version 2: the stage's 2 × 3 floats after the 4 + 1 + 1 + 2 + 2 × 3 header bytes.
        assert_eq!(bytes[4], 2);
        assert_eq!(&bytes[14..18], &1.5f32.to_le_bytes());
        let back: M = decode(&bytes[..n]).unwrap();
        assert_eq!(back, model);
        // The identity stage: a version 1 record, read back as the identity.
        let plain = sample(InputScaling::IDENTITY);
        let n = encode(&plain, &mut bytes).unwrap();
        assert_eq!(bytes[4], 1);
        assert_eq!(decode::<Net, 3>(&bytes[..n]), Ok(plain));
    }

    #[test]
    fn damaged_or_foreign_records_are_refused() {
        let model = sample(InputScaling::new([1.5, -2.0, 0.0], [0.25, 1.0, 3.0]).unwrap());
        let mut bytes = [0u8; 512];
        let n = encode(&model, &mut bytes).unwrap();
        let mut flipped = bytes;
        flipped[15] ^= 1;
        assert!(matches!(decode::<Net, 3>(&flipped[..n]), Err(CodecError::Checksum { .. })));
        assert!(matches!(decode::<Net, 3>(&bytes[..n - 1]), Err(CodecError::Truncated { .. })));
        type Other = (Dense<3, 5, Tanh>, Dense<5, 2, Softmax>);
        assert_eq!(decode::<Other, 3>(&bytes[..n]), Err(CodecError::ShapeMismatch));
        assert_eq!(decode::<Net, 2>(&bytes[..n]).map(|_| ()), Err(CodecError::ScalingMismatch));
    }
}
