//! NOR flash in RAM with a power switch, for [`crate::persist::ModelStore`] on the host
//! (unit tests, fuzz targets): what a power cut in the middle of a save leaves behind, and
//! reads that fail (a bus or ECC error reading the flash back).

use core::ops::Range;

use embedded_storage::nor_flash::{check_write, ErrorType, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash};

/// The flash driver's error: bad arguments, or power lost mid-operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimFlashError {
    /// Bad arguments (out of bounds, not aligned).
    Kind(NorFlashErrorKind),
    /// The power went during this operation or before it.
    PowerCut,
    /// An injected read failure ([`SimFlash::failing_reads`]); the contents are intact.
    ReadFault,
}

impl NorFlashError for SimFlashError {
    fn kind(&self) -> NorFlashErrorKind {
        match *self {
            SimFlashError::Kind(k) => k,
            SimFlashError::PowerCut | SimFlashError::ReadFault => NorFlashErrorKind::Other,
        }
    }
}

/// RAM-backed NOR flash: writes can only clear bits, erase sets whole pages to 0xFF,
/// and after `budget` word writes or page erases the power goes: the operation in
/// progress is left half done (a half-written word keeps random-looking bits, a
/// half-erased page keeps its second half) and every later call fails.
#[derive(Debug, Clone)]
pub struct SimFlash<const SIZE: usize, const PAGE: usize> {
    /// The contents.
    pub mem: [u8; SIZE],
    /// Word writes and page erases left before the power goes (`None`: no cut planned).
    pub budget: Option<usize>,
    dead: bool,
    /// Word writes and page erases done (including an interrupted one).
    pub ops: usize,
    /// Read calls so far (including failed ones).
    pub reads: usize,
    /// Read calls, numbered as in [`reads`](Self::reads), that fail with
    /// [`SimFlashError::ReadFault`] (empty: none).
    pub failing_reads: Range<usize>,
}

impl<const SIZE: usize, const PAGE: usize> SimFlash<SIZE, PAGE> {
    /// Erased flash (every byte 0xFF), the power on.
    pub fn new() -> Self {
        SimFlash { mem: [0xFF; SIZE], budget: None, dead: false, ops: 0, reads: 0, failing_reads: 0..0 }
    }

    /// Flash holding `image` from offset 0 (what does not fit is dropped; the rest of the
    /// flash is erased).
    pub fn from_image(image: &[u8]) -> Self {
        let mut flash = Self::new();
        flash.mem.iter_mut().zip(image).for_each(|(m, b)| *m = *b);
        flash
    }

    /// Power back on: the contents stay, the budget is lifted.
    pub fn reboot(&mut self) {
        self.budget = None;
        self.dead = false;
    }

    /// Spends one operation; false when the power is gone.
    fn spend(&mut self) -> bool {
        self.ops += 1;
        match self.budget {
            Some(0) => {
                self.dead = true;
                false
            }
            Some(ref mut n) => {
                *n -= 1;
                true
            }
            None => true,
        }
    }
}

impl<const SIZE: usize, const PAGE: usize> ErrorType for SimFlash<SIZE, PAGE> {
    type Error = SimFlashError;
}

impl<const SIZE: usize, const PAGE: usize> ReadNorFlash for SimFlash<SIZE, PAGE> {
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), SimFlashError> {
        if self.dead {
            return Err(SimFlashError::PowerCut);
        }
        let n = self.reads;
        self.reads += 1;
        if self.failing_reads.contains(&n) {
            return Err(SimFlashError::ReadFault);
        }
        let start = offset as usize;
        let src =
            self.mem.get(start..start + bytes.len()).ok_or(SimFlashError::Kind(NorFlashErrorKind::OutOfBounds))?;
        bytes.copy_from_slice(src);
        Ok(())
    }

    fn capacity(&self) -> usize {
        SIZE
    }
}

impl<const SIZE: usize, const PAGE: usize> NorFlash for SimFlash<SIZE, PAGE> {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = PAGE;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), SimFlashError> {
        if self.dead {
            return Err(SimFlashError::PowerCut);
        }
        if !(from as usize).is_multiple_of(PAGE) || !(to as usize).is_multiple_of(PAGE) || to as usize > SIZE {
            return Err(SimFlashError::Kind(NorFlashErrorKind::NotAligned));
        }
        for page in (from as usize..to as usize).step_by(PAGE) {
            if !self.spend() {
                // Interrupted erase: only the first half of the page got erased.
                self.mem[page..page + PAGE / 2].fill(0xFF);
                return Err(SimFlashError::PowerCut);
            }
            self.mem[page..page + PAGE].fill(0xFF);
        }
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), SimFlashError> {
        if self.dead {
            return Err(SimFlashError::PowerCut);
        }
        check_write(self, offset, bytes.len()).map_err(SimFlashError::Kind)?;
        for (i, word) in bytes.chunks(4).enumerate() {
            let at = offset as usize + 4 * i;
            if !self.spend() {
                // Interrupted write: the word is left with some of its bits cleared.
                self.mem[at] &= word[0];
                self.mem[at + 2] &= word[2] | 0x0F;
                return Err(SimFlashError::PowerCut);
            }
            for (m, b) in self.mem[at..at + 4].iter_mut().zip(word) {
                *m &= *b;
            }
        }
        Ok(())
    }
}

impl<const SIZE: usize, const PAGE: usize> Default for SimFlash<SIZE, PAGE> {
    fn default() -> Self {
        Self::new()
    }
}
