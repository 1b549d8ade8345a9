//! Arbitrary bytes into nn-core's codec decoder: it never panics, and whatever it
//! accepts loads into a network of its shape and encodes back to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nn_core::codec::{decode, encode, encoded_len};
use nn_core::Mlp;

fuzz_target!(|bytes: &[u8]| {
    let Ok(decoded) = decode(bytes) else { return };
    let specs = decoded.specs().to_vec();
    let params = vec![0.0f32; decoded.param_count()];
    let mut net = Mlp::new(specs, params).expect("decode accepted a shape Mlp refuses");
    decoded.load_into(&mut net).expect("decode accepted bytes that do not load");
    let mut again = vec![0u8; encoded_len(&net)];
    let n = encode(&net, &mut again).expect("re-encoding failed");
    assert_eq!(&again[..n], bytes, "decode/encode is not the identity");
});
