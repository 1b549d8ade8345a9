//! Arbitrary flash contents under the model store: loading never panics, and what it
//! returns passed the caller's check. Then a save and a load still work (or fail with
//! an error, never a panic).
#![no_main]

use embedded_storage::nor_flash::{ErrorType, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash};
use libfuzzer_sys::fuzz_target;
use nn_core::codec::decode;
use nn_learn::persist::ModelStore;

const PAGE: usize = 1024;
const SIZE: usize = 4 * PAGE;

struct RamFlash(Vec<u8>);

#[derive(Debug)]
struct Fault(NorFlashErrorKind);
impl NorFlashError for Fault {
    fn kind(&self) -> NorFlashErrorKind {
        self.0
    }
}
impl ErrorType for RamFlash {
    type Error = Fault;
}
impl ReadNorFlash for RamFlash {
    const READ_SIZE: usize = 1;
    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Fault> {
        let src =
            self.0.get(offset as usize..offset as usize + bytes.len()).ok_or(Fault(NorFlashErrorKind::OutOfBounds))?;
        bytes.copy_from_slice(src);
        Ok(())
    }
    fn capacity(&self) -> usize {
        SIZE
    }
}
impl NorFlash for RamFlash {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = PAGE;
    fn erase(&mut self, from: u32, to: u32) -> Result<(), Fault> {
        let r = self.0.get_mut(from as usize..to as usize).ok_or(Fault(NorFlashErrorKind::OutOfBounds))?;
        r.fill(0xFF);
        Ok(())
    }
    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Fault> {
        let r = self
            .0
            .get_mut(offset as usize..offset as usize + bytes.len())
            .ok_or(Fault(NorFlashErrorKind::OutOfBounds))?;
        // NOR flash can only clear bits.
        r.iter_mut().zip(bytes).for_each(|(d, s)| *d &= s);
        Ok(())
    }
}

fuzz_target!(|image: &[u8]| {
    let mut mem = vec![0xFFu8; SIZE];
    let n = image.len().min(SIZE);
    mem[..n].copy_from_slice(&image[..n]);
    let Ok(mut store) = ModelStore::new(RamFlash(mem), 0..SIZE as u32) else { return };
    let mut scratch = [0u8; PAGE];
    let mut out = [0u8; PAGE];
    let is_good = |r: &[u8]| decode(r).is_ok();
    if let Ok(Some(record)) = store.load_latest(&mut scratch, &mut out, is_good) {
        assert!(decode(record).is_ok(), "load_latest returned a record its check refused");
    }
    let record = [0xA5u8; 40];
    if store.save_verified(&record, &mut scratch).is_ok() {
        let any = |_: &[u8]| true;
        let got = store.load_latest(&mut scratch, &mut out, any);
        assert_eq!(got, Ok(Some(&record[..])), "a saved record did not come back");
    }
});
