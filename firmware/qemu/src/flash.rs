//! NOR flash kept in a host file through semihosting, so it survives QEMU runs.
//!
//! It behaves like the nRF52833's NVMC: 4-byte words, 4 KiB pages, a write can only
//! clear bits (new = old AND data), an erase sets a page to 0xFF. Every write goes to
//! the file at once, so killing QEMU at any moment leaves what a power cut would.
//!
//! For the power-cut test, [`SemihostFlash::cut_after`] ends the program (exit code 3)
//! in the middle of the n-th word write or page erase: half the word written, half the
//! page erased.
//!
//! For the flash-fault test, [`SemihostFlash::fail_at`] makes chosen operations fail
//! with [`FlashError::Failed`] (left half done, as a cut would leave them, but the
//! program goes on), and [`SemihostFlash::worn_from`] makes every write from some
//! operation on fail that way (a worn-out flash).

use core::ffi::CStr;

use embedded_storage::nor_flash::{
    check_erase, check_read, check_write, ErrorType, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash,
};
use semihosting::fs::File;
use semihosting::io::{Read, Seek, SeekFrom, Write};

/// Bytes per word (the unit of a write).
pub const WORD: usize = 4;
/// Bytes per page (the unit of an erase), as on the nRF52833.
pub const PAGE: usize = 4096;

/// Exit code of a simulated power cut.
pub const POWER_CUT_EXIT: i32 = 3;

/// What can go wrong with the flash file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlashError {
    /// Misaligned or out-of-range access.
    Kind(NorFlashErrorKind),
    /// The host file could not be read or written.
    Io,
    /// An injected failure: the operation was left half done.
    Failed,
}

impl NorFlashError for FlashError {
    fn kind(&self) -> NorFlashErrorKind {
        match *self {
            FlashError::Kind(k) => k,
            FlashError::Io | FlashError::Failed => NorFlashErrorKind::Other,
        }
    }
}

impl From<NorFlashErrorKind> for FlashError {
    fn from(k: NorFlashErrorKind) -> Self {
        FlashError::Kind(k)
    }
}

/// `PAGES` pages of NOR flash in a host file.
pub struct SemihostFlash<const PAGES: usize> {
    file: File,
    /// Word writes and page erases so far.
    ops: u32,
    cut_after: Option<u32>,
    /// Operations (counted from the open) that fail with [`FlashError::Failed`].
    fail_at: [Option<u32>; 2],
    /// Every write from this operation on fails (worn out).
    worn_from: Option<u32>,
}

impl<const PAGES: usize> SemihostFlash<PAGES> {
    /// Bytes of flash.
    pub const SIZE: usize = PAGES * PAGE;

    /// Opens `path`, or creates it erased (all 0xFF) when it is missing or has another
    /// size. Returns the flash and whether it was created blank.
    pub fn open(path: &CStr) -> Result<(Self, bool), FlashError> {
        if let Ok(file) = File::options().read(true).write(true).open(path) {
            if file.metadata().map(|m| m.len()).ok() == Some(Self::SIZE as u64) {
                return Ok((
                    SemihostFlash { file, ops: 0, cut_after: None, fail_at: [None; 2], worn_from: None },
                    false,
                ));
            }
        }
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(|_| FlashError::Io)?;
        let mut flash = SemihostFlash { file, ops: 0, cut_after: None, fail_at: [None; 2], worn_from: None };
        let blank = [0xFF; 256];
        for _ in 0..Self::SIZE / blank.len() {
            (&flash.file).write_all(&blank).map_err(|_| FlashError::Io)?;
        }
        flash.ops = 0;
        Ok((flash, true))
    }

    /// Cuts the power in the middle of the `n`-th following write or erase (0 = the next).
    pub fn cut_after(&mut self, n: u32) {
        self.cut_after = Some(self.ops.saturating_add(n));
    }

    /// Makes the operations numbered `ops` (0 = the next) fail, each left half done.
    pub fn fail_at(&mut self, ops: [Option<u32>; 2]) {
        self.fail_at = ops.map(|n| n.map(|n| self.ops.saturating_add(n)));
    }

    /// Makes every write from the `n`-th following operation on fail, left half done.
    pub fn worn_from(&mut self, n: u32) {
        self.worn_from = Some(self.ops.saturating_add(n));
    }

    fn read_at(&self, offset: usize, buf: &mut [u8]) -> Result<(), FlashError> {
        let mut f = &self.file;
        f.seek(SeekFrom::Start(offset as u64)).map_err(|_| FlashError::Io)?;
        f.read_exact(buf).map_err(|_| FlashError::Io)
    }

    fn write_at(&self, offset: usize, buf: &[u8]) -> Result<(), FlashError> {
        let mut f = &self.file;
        f.seek(SeekFrom::Start(offset as u64)).map_err(|_| FlashError::Io)?;
        f.write_all(buf).map_err(|_| FlashError::Io)
    }

    /// Counts one operation: whether the power dies in it, and whether it fails
    /// (`write`: a write, which a worn-out flash refuses too).
    fn next_op(&mut self, write: bool) -> (bool, bool) {
        let op = self.ops;
        self.ops = self.ops.wrapping_add(1);
        let worn = write && self.worn_from.is_some_and(|n| op >= n);
        (self.cut_after == Some(op), worn || self.fail_at.contains(&Some(op)))
    }

    fn power_cut(&self) -> ! {
        semihosting::println!("power-cut: simulated power loss during flash operation {}", self.ops);
        semihosting::process::exit(POWER_CUT_EXIT)
    }
}

impl<const PAGES: usize> ErrorType for SemihostFlash<PAGES> {
    type Error = FlashError;
}

impl<const PAGES: usize> ReadNorFlash for SemihostFlash<PAGES> {
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), FlashError> {
        check_read(self, offset, bytes.len())?;
        self.read_at(offset as usize, bytes)
    }

    fn capacity(&self) -> usize {
        Self::SIZE
    }
}

impl<const PAGES: usize> NorFlash for SemihostFlash<PAGES> {
    const WRITE_SIZE: usize = WORD;
    const ERASE_SIZE: usize = PAGE;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), FlashError> {
        check_erase(self, from, to)?;
        let blank = [0xFF; 256];
        for page in (from as usize..to as usize).step_by(PAGE) {
            let (dies, fails) = self.next_op(false);
            let len = if dies || fails { PAGE / 2 } else { PAGE };
            for chunk in (page..page + len).step_by(blank.len()) {
                self.write_at(chunk, &blank)?;
            }
            if dies {
                self.power_cut();
            }
            if fails {
                semihosting::println!("flash-fault: erase failed (operation {})", self.ops - 1);
                return Err(FlashError::Failed);
            }
        }
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), FlashError> {
        check_write(self, offset, bytes.len())?;
        for (i, word) in bytes.chunks_exact(WORD).enumerate() {
            let at = offset as usize + i * WORD;
            let mut cell = [0u8; WORD];
            self.read_at(at, &mut cell)?;
            let (dies, fails) = self.next_op(true);
            // NOR: programming only clears bits. A cut leaves the word half programmed.
            let programmed = if dies || fails { WORD / 2 } else { WORD };
            for (c, b) in cell.iter_mut().zip(word).take(programmed) {
                *c &= *b;
            }
            self.write_at(at, &cell)?;
            if dies {
                self.power_cut();
            }
            if fails {
                semihosting::println!("flash-fault: write failed (operation {})", self.ops - 1);
                return Err(FlashError::Failed);
            }
        }
        Ok(())
    }
}
