//! The firmware demo's golden fingerprint on the host: the default gesture session
//! (`nn_learn::sim::demo::Demo::DEFAULT`, trained by nn-core's `Trainer` with momentum)
//! ends in the model whose codec record has CRC-32 0xf103d3e0, the value `nn
//! verify-device` and `firmware/ci.sh` check on the M4F and the M0. A change of the
//! trainer's `f32` operations or their order shows here without QEMU.

use nn_core::{codec, Network};
use nn_learn::gesture::GestureNet;
use nn_learn::sim::demo::Demo;

#[test]
fn the_default_gesture_session_keeps_its_model_crc() {
    let (net, _) = Demo::DEFAULT.reference().expect("the host reference trains");
    let mut bytes = vec![0u8; codec::encoded_len(&net)];
    let n = codec::encode(&net, &mut bytes).expect("the model encodes");
    assert_eq!(n, bytes.len());
    let crc = u32::from_le_bytes(bytes[n - 4..n].try_into().unwrap());
    assert_eq!(crc, 0xf103_d3e0, "model_crc 0x{crc:08x}");
    assert_eq!(GestureNet::PARAMS, 103);
}
