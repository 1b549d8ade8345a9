//! Arbitrary flash contents under the model store: loading never panics, and what it
//! returns passed the caller's check. Then a save and a load still work (or fail with
//! an error, never a panic).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nn_core::codec::decode;
use nn_learn::persist::ModelStore;
use nn_learn::sim::flash::SimFlash;

const PAGE: usize = 1024;
const SIZE: usize = 4 * PAGE;

/// The host's NOR flash in RAM (never losing power here).
type RamFlash = SimFlash<SIZE, PAGE>;

fuzz_target!(|image: &[u8]| {
    let Ok(mut store) = ModelStore::new(RamFlash::from_image(image), 0..SIZE as u32) else { return };
    let mut scratch = [0u8; PAGE];
    let mut out = [0u8; PAGE];
    let is_good = |r: &[u8]| decode(r).is_ok();
    if let Ok(Some(record)) = store.load_latest(&mut scratch, &mut out, is_good) {
        assert!(decode(record).is_ok(), "load_latest returned a record its check refused");
    }
    let record = [0xA5u8; 40];
    if store.save_verified(&record, &mut scratch, is_good).is_ok() {
        let any = |_: &[u8]| true;
        let got = store.load_latest(&mut scratch, &mut out, any);
        assert_eq!(got, Ok(Some(&record[..])), "a saved record did not come back");
    }
});
