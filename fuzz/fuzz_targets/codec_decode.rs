//! Arbitrary bytes into nn-core's codec decoder: it never panics, and whatever it
//! accepts (version 1, or version 2 with an input scaling) loads into a network of its
//! shape behind its stage and encodes back to the same bytes. A version 2 record loads
//! into no other stage, and a version 1 record into no stage but the identity.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nn_core::codec::{decode, encode, encoded_len, CodecError};
use nn_core::{InputScaling, Mlp, Scaled};

fuzz_target!(|bytes: &[u8]| {
    let Ok(decoded) = decode(bytes) else { return };
    let specs = decoded.specs().to_vec();
    let params = vec![0.0f32; decoded.param_count()];
    let net = Mlp::new(specs, params).expect("decode accepted a shape Mlp refuses");
    let inputs = net.specs()[0].inputs;
    let (mean, scale): (Vec<f32>, Vec<f32>) = if decoded.has_scaling() {
        (decoded.scaling_mean().collect(), decoded.scaling_scale().collect())
    } else {
        (vec![0.0; inputs], vec![1.0; inputs])
    };
    let stage = InputScaling::new(mean.clone(), scale).expect("decode accepted a stage nn-core refuses");
    let mut model = Scaled::new(net.clone(), stage).expect("decode accepted a stage of the wrong width");
    decoded.load_into(&mut model).expect("decode accepted bytes that do not load");
    let mut again = vec![0u8; encoded_len(&model)];
    let n = encode(&model, &mut again).expect("re-encoding failed");
    assert_eq!(&again[..n], bytes, "decode/encode is not the identity");
    // Another stage (the first mean moved) is refused, never loaded into.
    let mut other_mean = mean;
    other_mean[0] = if other_mean[0] == 1.0 { 2.0 } else { 1.0 };
    let other = InputScaling::new(other_mean, vec![1.0; inputs]).expect("a valid stage");
    let mut elsewhere = Scaled::new(net, other).expect("the same width");
    assert_eq!(decoded.load_into(&mut elsewhere), Err(CodecError::ScalingMismatch));
});
