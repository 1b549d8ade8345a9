//! Power cuts and bit flips under the model store (`nn_learn::persist::ModelStore`), over
//! a simulated NOR flash written here from the datasheet rules, not from the store:
//!
//! - a write can only clear bits (`new = old & data`), one 32-bit word at a time, and a
//!   word is written at most twice between two erases (the nRF52833's `nWRITE` limit;
//!   checked: a third write fails the test);
//! - an erase sets a whole page to `0xFF`;
//! - the power can go after any number of word writes and page erases: the operation in
//!   progress is left half done, in one of two ways (a word with some of its bits
//!   cleared or a page with a prefix erased; or a word untouched and a page with random
//!   bits set), and nothing after it happens.
//!
//! A series of real codec records of the gesture network (`nn_learn::gesture::GestureNet`,
//! 103 parameters, 430 bytes) is saved the way the firmware saves
//! (`ModelStore::save_verified`), and every save is cut at every possible operation
//! count. After each cut the device reboots (a new store over the same flash) and loads
//! the way the firmware boots (`load_latest` with the codec check): it must get the
//! model saved before or the one being saved — never garbage, never nothing once a model
//! was saved — and the store must take the next save. Then every bit of the newest
//! record (and of the queue's item header before it) is flipped in turn: the damage must
//! be detected and the previous model loaded.
//!
//! The figures (cases run, old/new outcomes) are printed; docs/reliability.md quotes them.

use std::ops::Range;

use embedded_storage::nor_flash::{ErrorType, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash};
use nn_core::codec;
use nn_core::init::{Init, Rng};
use nn_core::Network;
use nn_learn::gesture::GestureNet;
use nn_learn::persist::ModelStore;

/// A small deterministic generator for the half-done operations.
#[derive(Clone)]
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// How an interrupted operation is left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tear {
    /// Word: a random subset of the bits it was clearing is cleared. Page: a random
    /// prefix of its words is erased, the rest keeps its old contents.
    Partial,
    /// Word: nothing written. Page: each bit set to 1 with probability one half.
    Scrambled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FlashError {
    Kind(NorFlashErrorKind),
    PowerCut,
    /// An injected write or erase error (the operation left half done, the power on).
    Failed,
}

impl NorFlashError for FlashError {
    fn kind(&self) -> NorFlashErrorKind {
        match *self {
            FlashError::Kind(k) => k,
            FlashError::PowerCut | FlashError::Failed => NorFlashErrorKind::Other,
        }
    }
}

/// NOR flash in RAM with a power switch.
#[derive(Clone)]
struct SimFlash<const PAGE: usize> {
    mem: Vec<u8>,
    /// Writes to each word since its page was last (completely) erased.
    written: Vec<u8>,
    /// Operations allowed before the power goes (`None`: no cut planned).
    budget: Option<usize>,
    dead: bool,
    tear: Tear,
    rng: XorShift,
    /// Word writes and page erases done (including a torn one).
    ops: usize,
    erases: usize,
    /// Whether the power went during a page erase.
    torn_erase: bool,
    /// Second writes to a word since its erase (allowed, counted).
    rewrites: usize,
    /// Operations (by their `ops` number) that fail with an error, left half done.
    fail_at: Vec<usize>,
    /// Every word write from this operation on fails (a worn-out flash).
    worn_from: Option<usize>,
    /// Injected errors that happened, in writes and in erases.
    failed_writes: usize,
    failed_erases: usize,
}

/// Writes a word may take between two erases (nRF52833 product specification, NVMC:
/// `nWRITE` = 2). A torn erase does not reset the count.
const NWRITE: u8 = 2;

impl<const PAGE: usize> SimFlash<PAGE> {
    fn new(pages: usize) -> Self {
        SimFlash {
            mem: vec![0xFF; pages * PAGE],
            written: vec![0; pages * PAGE / 4],
            budget: None,
            dead: false,
            tear: Tear::Partial,
            rng: XorShift(0x9E37_79B9_7F4A_7C15),
            ops: 0,
            erases: 0,
            torn_erase: false,
            rewrites: 0,
            fail_at: Vec::new(),
            worn_from: None,
            failed_writes: 0,
            failed_erases: 0,
        }
    }

    /// Cuts the power after `ops` more operations, tearing the next one as `tear`.
    fn cut_after(&mut self, ops: usize, tear: Tear, seed: u64) {
        self.budget = Some(ops);
        self.tear = tear;
        self.rng = XorShift(seed | 1);
    }

    /// Power back on: the contents stay.
    fn reboot(&mut self) {
        self.budget = None;
        self.dead = false;
        self.torn_erase = false;
    }

    /// Whether the operation about to be spent fails with an error.
    fn fails_now(&self, write: bool) -> bool {
        self.fail_at.contains(&self.ops) || (write && self.worn_from.is_some_and(|w| self.ops >= w))
    }

    /// Takes one operation from the budget; false when the power goes now.
    fn spend(&mut self) -> bool {
        self.ops += 1;
        match &mut self.budget {
            Some(0) => {
                self.dead = true;
                false
            }
            Some(n) => {
                *n -= 1;
                true
            }
            None => true,
        }
    }

    fn range(&self, offset: u32, len: usize) -> Result<Range<usize>, FlashError> {
        let start = offset as usize;
        match start.checked_add(len) {
            Some(end) if end <= self.mem.len() => Ok(start..end),
            _ => Err(FlashError::Kind(NorFlashErrorKind::OutOfBounds)),
        }
    }
}

impl<const PAGE: usize> ErrorType for SimFlash<PAGE> {
    type Error = FlashError;
}

impl<const PAGE: usize> ReadNorFlash for SimFlash<PAGE> {
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), FlashError> {
        if self.dead {
            return Err(FlashError::PowerCut);
        }
        let r = self.range(offset, bytes.len())?;
        bytes.copy_from_slice(&self.mem[r]);
        Ok(())
    }

    fn capacity(&self) -> usize {
        self.mem.len()
    }
}

impl<const PAGE: usize> NorFlash for SimFlash<PAGE> {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = PAGE;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), FlashError> {
        if self.dead {
            return Err(FlashError::PowerCut);
        }
        let r = self.range(from, (to as usize).saturating_sub(from as usize))?;
        if r.start % PAGE != 0 || r.end % PAGE != 0 {
            return Err(FlashError::Kind(NorFlashErrorKind::NotAligned));
        }
        for page in r.step_by(PAGE) {
            if self.fails_now(false) {
                self.ops += 1;
                self.failed_erases += 1;
                let words = (self.rng.next() % (PAGE as u64 / 4)) as usize;
                self.mem[page..page + 4 * words].fill(0xFF);
                return Err(FlashError::Failed);
            }
            if !self.spend() {
                let torn = &mut self.mem[page..page + PAGE];
                match self.tear {
                    Tear::Partial => {
                        let words = (self.rng.next() % (PAGE as u64 / 4)) as usize;
                        torn[..4 * words].fill(0xFF);
                    }
                    Tear::Scrambled => {
                        for b in torn.iter_mut() {
                            *b |= self.rng.next() as u8;
                        }
                    }
                }
                self.torn_erase = true;
                return Err(FlashError::PowerCut);
            }
            self.mem[page..page + PAGE].fill(0xFF);
            self.written[page / 4..(page + PAGE) / 4].fill(0);
            self.erases += 1;
        }
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), FlashError> {
        if self.dead {
            return Err(FlashError::PowerCut);
        }
        let r = self.range(offset, bytes.len())?;
        if r.start % 4 != 0 || r.len() % 4 != 0 {
            return Err(FlashError::Kind(NorFlashErrorKind::NotAligned));
        }
        for (i, word) in bytes.chunks(4).enumerate() {
            let at = r.start + 4 * i;
            assert!(self.written[at / 4] < NWRITE, "word at {at:#x} written {NWRITE} times already since its erase");
            if self.fails_now(true) {
                self.ops += 1;
                self.failed_writes += 1;
                // Of the bits this write clears, only some got cleared; it counts as a write.
                self.written[at / 4] += 1;
                let keep = self.rng.next() as u8;
                for (m, b) in self.mem[at..at + 4].iter_mut().zip(word) {
                    *m &= *b | keep;
                }
                return Err(FlashError::Failed);
            }
            if !self.spend() {
                if self.tear == Tear::Partial {
                    let keep = self.rng.next() as u8;
                    for (m, b) in self.mem[at..at + 4].iter_mut().zip(word) {
                        // Of the bits this write clears, only some got cleared.
                        *m &= *b | keep;
                    }
                }
                return Err(FlashError::PowerCut);
            }
            self.written[at / 4] += 1;
            self.rewrites += usize::from(self.written[at / 4] > 1);
            for (m, b) in self.mem[at..at + 4].iter_mut().zip(word) {
                *m &= *b;
            }
        }
        Ok(())
    }
}

/// The codec record of gesture network number `k` (distinct weights for each `k`).
fn record(k: u32) -> Vec<u8> {
    let mut net = GestureNet::default();
    Init::Xavier.apply(&mut net, &mut Rng::new(k));
    let mut bytes = vec![0u8; codec::encoded_len(&net)];
    let n = codec::encode(&net, &mut bytes).expect("encode");
    bytes.truncate(n);
    bytes
}

/// What the firmware accepts at boot: a codec record that loads into a GestureNet.
fn is_model(r: &[u8]) -> bool {
    let mut net = GestureNet::default();
    codec::decode(r).and_then(|d| d.load_into(&mut net)).is_ok()
}

const BUF: usize = 4096;

/// Boots: a new store over `flash`, and the newest record that passes the codec check.
fn boot<const PAGE: usize>(flash: SimFlash<PAGE>) -> (Result<Option<Vec<u8>>, String>, SimFlash<PAGE>) {
    let size = flash.mem.len() as u32;
    let mut store = ModelStore::new(flash, 0..size).expect("a valid range");
    let (mut scratch, mut out) = (vec![0u8; BUF], vec![0u8; BUF]);
    let got =
        store.load_latest(&mut scratch, &mut out, is_model).map(|r| r.map(<[u8]>::to_vec)).map_err(|e| e.to_string());
    (got, store.into_flash())
}

/// Saves `rec` as the firmware does.
fn save<const PAGE: usize>(flash: SimFlash<PAGE>, rec: &[u8]) -> (Result<(), String>, SimFlash<PAGE>) {
    let size = flash.mem.len() as u32;
    let mut store = ModelStore::new(flash, 0..size).expect("a valid range");
    let mut scratch = vec![0u8; BUF];
    let r = store.save_verified(rec, &mut scratch, is_model).map_err(|e| e.to_string());
    (r, store.into_flash())
}

#[derive(Debug, Default)]
struct Tally {
    saves: usize,
    cuts: usize,
    old: usize,
    new: usize,
    cut_in_erase: usize,
    pages_erased: usize,
    /// Cuts after which the next save wrote a word a second time (within `NWRITE`).
    second_writes: usize,
}

/// The uninterrupted save of `rec` on a copy of `flash`, its operations counted from 0:
/// the state the next save starts from.
fn uninterrupted<const PAGE: usize>(flash: &SimFlash<PAGE>, rec: &[u8], k: u32) -> SimFlash<PAGE> {
    let mut probe = flash.clone();
    probe.ops = 0;
    let (r, done) = save(probe, rec);
    r.unwrap_or_else(|e| panic!("save {k}: {e}"));
    done
}

/// Saves `count` records in turn on `pages` pages of `PAGE` bytes, cutting each save at
/// every operation count in both tear modes.
fn power_cuts<const PAGE: usize>(pages: usize, count: u32, every_nth_save: u32) -> Tally {
    let mut tally = Tally::default();
    let mut flash = SimFlash::<PAGE>::new(pages);
    let mut previous: Option<Vec<u8>> = None;
    for k in 1..=count {
        let rec = record(k);
        let done = uninterrupted(&flash, &rec, k);
        let total = done.ops;
        let erases = done.erases - flash.erases;
        tally.pages_erased += erases;
        // Every save that erases a page is cut, and the first two, and every n-th.
        if k % every_nth_save == 0 || k <= 2 || erases > 0 {
            for cut in 0..total {
                for tear in [Tear::Partial, Tear::Scrambled] {
                    let mut f = flash.clone();
                    f.ops = 0;
                    f.cut_after(cut, tear, u64::from(k) << 32 | cut as u64);
                    let (saved, mut f) = save(f, &rec);
                    assert!(saved.is_err(), "save {k} cut after {cut} of {total} operations reported success");
                    tally.cut_in_erase += usize::from(f.torn_erase);
                    f.reboot();
                    let (got, f) = boot(f);
                    let got = got.unwrap_or_else(|e| {
                        panic!("save {k} cut after {cut} ({tear:?}): the boot found no readable model: {e}")
                    });
                    match (&got, &previous) {
                        (Some(r), _) if *r == rec => tally.new += 1,
                        (Some(r), Some(p)) if r == p => tally.old += 1,
                        (Some(_), _) => panic!("save {k} cut after {cut} ({tear:?}): garbage loaded"),
                        (None, Some(_)) => {
                            panic!("save {k} cut after {cut} ({tear:?}): nothing loaded, but model {} was saved", k - 1)
                        }
                        (None, None) => tally.old += 1,
                    }
                    // The store takes the next save and returns it.
                    let next = record(10_000 + k);
                    let rewrites_before = f.rewrites;
                    let (r, f) = save(f, &next);
                    tally.second_writes += usize::from(f.rewrites > rewrites_before);
                    r.unwrap_or_else(|e| panic!("save {k} cut after {cut} ({tear:?}): the next save failed: {e}"));
                    let (got, _) = boot(f);
                    assert_eq!(got, Ok(Some(next)), "save {k} cut after {cut} ({tear:?}): the next save is not loaded");
                    tally.cuts += 1;
                }
            }
        }
        flash = done;
        flash.reboot();
        let (got, f) = boot(flash);
        assert_eq!(got, Ok(Some(rec.clone())), "save {k}: not loaded back");
        flash = f;
        previous = Some(rec);
        tally.saves += 1;
    }
    tally
}

/// Flips every bit of the newest record and of the 8 bytes before it (the queue's item
/// header) in turn: each flip must be caught and the previous model loaded.
fn bit_flips<const PAGE: usize>(pages: usize, saves: u32) -> usize {
    let mut flash = SimFlash::<PAGE>::new(pages);
    for k in 1..=saves {
        let (r, f) = save(flash, &record(k));
        r.unwrap();
        flash = f;
    }
    let (newest, previous) = (record(saves), record(saves - 1));
    let at = flash.mem.windows(newest.len()).rposition(|w| w == newest.as_slice()).expect("the newest record in flash");
    let bits = (at.saturating_sub(8)..at + newest.len()).flat_map(|byte| (0..8).map(move |bit| (byte, bit)));
    let mut n = 0;
    for (byte, bit) in bits {
        let mut f = flash.clone();
        f.mem[byte] ^= 1 << bit;
        let (got, _) = boot(f);
        let got = got.unwrap_or_else(|e| panic!("bit {bit} of byte {byte:#x} flipped: no readable model: {e}"));
        assert!(
            got == Some(previous.clone()),
            "bit {bit} of byte {byte:#x} flipped: loaded {:?} bytes",
            got.map(|r| r.len())
        );
        n += 1;
    }
    n
}

#[test]
fn gesture_records_are_430_bytes() {
    assert_eq!(record(1).len(), 430);
    assert_eq!(<GestureNet as Network>::PARAMS, 103);
    assert!(record(1) != record(2));
}

/// The firmware's layout: four 4 KiB pages (nRF52833), nine records a page, so the
/// 37th save erases the oldest page (80 saves in release wrap around twice).
#[test]
fn a_power_cut_at_every_operation_of_every_save_keeps_a_good_model_4k_pages() {
    let saves = if cfg!(debug_assertions) { 40 } else { 80 };
    let t = power_cuts::<4096>(4, saves, if cfg!(debug_assertions) { 6 } else { 1 });
    println!(
        "power cuts, 4 x 4096-byte pages: {} saves ({} page erases), {} cuts ({} in a page erase): {} left the old model, {} the new; {} next saves wrote a word a second time",
        t.saves, t.pages_erased, t.cuts, t.cut_in_erase, t.old, t.new, t.second_writes
    );
    assert!(t.pages_erased >= 1 && t.cut_in_erase >= 1, "the series must wrap around the range: {t:?}");
}

/// Small pages: two records a page, so every other save erases a page and cuts land in
/// erases often.
#[test]
fn a_power_cut_at_every_operation_of_every_save_keeps_a_good_model_1k_pages() {
    let saves = if cfg!(debug_assertions) { 12 } else { 40 };
    let t = power_cuts::<1024>(4, saves, 1);
    println!(
        "power cuts, 4 x 1024-byte pages: {} saves ({} page erases), {} cuts ({} in a page erase): {} left the old model, {} the new; {} next saves wrote a word a second time",
        t.saves, t.pages_erased, t.cuts, t.cut_in_erase, t.old, t.new, t.second_writes
    );
    assert!(t.pages_erased >= 2 && t.cut_in_erase >= 4, "{t:?}");
}

#[test]
fn a_flipped_bit_in_the_newest_record_falls_back_to_the_previous_model() {
    // Once on a fresh page, once after the range wrapped.
    let a = bit_flips::<4096>(4, 5);
    // After the wrap (41 saves) in release only: in debug it is the slowest case.
    let b = if cfg!(debug_assertions) { 0 } else { bit_flips::<4096>(4, 41) };
    let c = bit_flips::<1024>(4, 9);
    println!("bit flips: {} single-bit flips in the newest record and its item header, each detected", a + b + c);
}

/// Flips every bit of the queue's page markers (the first and last 16 bytes of each
/// page) after the range has wrapped: the newest model still loads, and the next save
/// works and loads back.
#[test]
fn a_flipped_bit_in_a_page_marker_loses_nothing() {
    let mut flash = SimFlash::<4096>::new(4);
    for k in 1..=41 {
        let (r, f) = save(flash, &record(k));
        r.unwrap();
        flash = f;
    }
    let mut n = 0;
    for page in 0..4 {
        let start = page * 4096;
        for byte in (start..start + 16).chain(start + 4096 - 16..start + 4096) {
            for bit in 0..8 {
                let mut f = flash.clone();
                f.mem[byte] ^= 1 << bit;
                let (got, f) = boot(f);
                assert_eq!(got, Ok(Some(record(41))), "bit {bit} of byte {byte:#x} flipped");
                let (saved, f) = save(f, &record(99));
                assert_eq!(saved, Ok(()), "bit {bit} of byte {byte:#x} flipped: the next save failed");
                assert_eq!(boot(f).0, Ok(Some(record(99))), "bit {bit} of byte {byte:#x} flipped: next save lost");
                n += 1;
            }
        }
    }
    println!("page-marker flips: {n} single-bit flips, the newest model loaded and the next save kept each time");
}

#[derive(Debug, Default)]
struct FaultTally {
    saves: usize,
    cases: usize,
    write_errors: usize,
    erase_errors: usize,
    failed_saves: usize,
    retried_saves: usize,
}

/// Which model a boot loaded: `Some(true)` the new one, `Some(false)` the old one.
fn loaded<const PAGE: usize>(
    flash: SimFlash<PAGE>,
    old: &Option<Vec<u8>>,
    new: &[u8],
    what: &str,
) -> (bool, SimFlash<PAGE>) {
    let (got, flash) = boot(flash);
    let got = got.unwrap_or_else(|e| panic!("{what}: no readable model: {e}"));
    match (&got, old) {
        (Some(r), _) if r == new => (true, flash),
        (Some(r), Some(o)) if r == o => (false, flash),
        (None, None) => (false, flash),
        _ => panic!("{what}: the boot loaded {:?} bytes, neither the old model nor the new", got.map(|r| r.len())),
    }
}

/// A failed save says why: a flash error or a record that did not read back.
fn says_what_happened(e: &str, what: &str) {
    assert!(e.contains("flash error") || e.contains("did not read back"), "{what}: unclear error {e:?}");
}

/// Saves `count` records in turn on `pages` pages; each save is run with a write or
/// erase error at every operation, then with a second error at every operation of the
/// retry, and after each faulty save the next save (with an error at every `stride`-th
/// operation) must work or fail with the old model kept.
fn flash_errors<const PAGE: usize>(pages: usize, count: u32, stride: usize) -> FaultTally {
    let mut t = FaultTally::default();
    let mut flash = SimFlash::<PAGE>::new(pages);
    let mut previous: Option<Vec<u8>> = None;
    for k in 1..=count {
        let rec = record(k);
        let done = uninterrupted(&flash, &rec, k);
        for i in 0..done.ops {
            // One error at operation i: the save is retried and succeeds, or says why it failed.
            let mut f = flash.clone();
            f.ops = 0;
            f.fail_at = vec![i];
            let (saved, f) = save(f, &rec);
            let what = format!("save {k}, error at operation {i}");
            t.write_errors += f.failed_writes;
            t.erase_errors += f.failed_erases;
            let retry_ops = f.ops;
            match &saved {
                Ok(()) => t.retried_saves += 1,
                Err(e) => says_what_happened(e, &what),
            }
            let (is_new, f) = loaded(f, &previous, &rec, &what);
            assert!(saved.is_err() || is_new, "{what}: the save succeeded but the old model loaded");
            t.failed_saves += usize::from(saved.is_err());
            t.cases += 1;
            // The next save, with an error at every stride-th operation of it.
            let mut m = 0;
            loop {
                let next = record(20_000 + k);
                let mut g = f.clone();
                g.ops = 0;
                g.fail_at = vec![m];
                (g.failed_writes, g.failed_erases) = (0, 0);
                let (r, g) = save(g, &next);
                let what = format!("{what}, then an error at operation {m} of the next save");
                t.write_errors += g.failed_writes;
                t.erase_errors += g.failed_erases;
                let old = if is_new { Some(rec.clone()) } else { previous.clone() };
                let (next_loaded, _) = loaded(g.clone(), &old, &next, &what);
                match &r {
                    Ok(()) => assert!(next_loaded, "{what}: saved but not loaded"),
                    Err(e) => says_what_happened(e, &what),
                }
                t.failed_saves += usize::from(r.is_err());
                t.cases += 1;
                m += stride;
                if m >= g.ops {
                    break;
                }
            }
            // A second error at every operation of the retry.
            for j in i + 1..retry_ops {
                let mut f = flash.clone();
                f.ops = 0;
                f.fail_at = vec![i, j];
                let (saved, f) = save(f, &rec);
                let what = format!("save {k}, errors at operations {i} and {j}");
                t.write_errors += f.failed_writes;
                t.erase_errors += f.failed_erases;
                if let Err(e) = &saved {
                    says_what_happened(e, &what);
                }
                let (is_new, _) = loaded(f, &previous, &rec, &what);
                assert!(saved.is_err() || is_new, "{what}: the save succeeded but the old model loaded");
                t.failed_saves += usize::from(saved.is_err());
                t.cases += 1;
            }
        }
        flash = done;
        previous = Some(rec);
        t.saves += 1;
    }
    t
}

/// Write and erase errors at every operation of a save, of its retry and of the next
/// save: the last good model always loads, a save that reports success loads, and a
/// failed save says what went wrong.
#[test]
fn a_write_or_erase_error_at_every_operation_never_loses_the_model() {
    // 1 KiB pages: two halves of two pages, two records a page, so saves erase often.
    let (count, stride) = if cfg!(debug_assertions) { (3, 32) } else { (12, 1) };
    let t = flash_errors::<1024>(4, count, stride);
    println!(
        "flash errors, 4 x 1024-byte pages: {} saves, {} cases ({} write errors, {} erase errors injected): {} saves failed and said why, {} saves succeeded on the retry; the last good model loaded every time",
        t.saves, t.cases, t.write_errors, t.erase_errors, t.failed_saves, t.retried_saves
    );
    assert!(t.erase_errors > 0 && t.write_errors > 0 && t.failed_saves > 0 && t.retried_saves > 0, "{t:?}");
}

/// A flash that refuses every write from some operation of a save on (worn out): that
/// save and the next 20 fail and say so, and the last good model loads after each.
#[test]
fn a_worn_out_flash_keeps_the_last_good_model() {
    let mut flash = SimFlash::<1024>::new(4);
    let mut previous: Option<Vec<u8>> = None;
    let (mut cases, mut refused) = (0, 0);
    for k in 1..=6 {
        let rec = record(k);
        let done = uninterrupted(&flash, &rec, k);
        for w in 0..done.ops {
            let mut f = flash.clone();
            f.ops = 0;
            f.worn_from = Some(w);
            let (saved, mut f) = save(f, &rec);
            let what = format!("save {k}, worn out from operation {w}");
            if let Err(e) = &saved {
                says_what_happened(e, &what);
            }
            let (is_new, g) = loaded(f.clone(), &previous, &rec, &what);
            assert!(saved.is_err() || is_new, "{what}: the save succeeded but the old model loaded");
            f.mem = g.mem;
            let good = if is_new { Some(rec.clone()) } else { previous.clone() };
            for n in 0..20 {
                f.failed_writes = 0;
                let (r, g) = save(f, &record(30_000 + n));
                let what = format!("{what}, save {n} after");
                let e = r.err().unwrap_or_else(|| panic!("{what}: a worn-out flash took a save"));
                says_what_happened(&e, &what);
                refused += g.failed_writes;
                let (got_new, g) = loaded(g, &good, &record(30_000 + n), &what);
                assert!(!got_new, "{what}: a refused save loaded");
                f = g;
            }
            cases += 1;
        }
        flash = done;
        previous = Some(rec);
    }
    println!("worn-out flash: {cases} cases (worn from every operation of 6 saves, then 20 more saves each): {refused} writes refused, the last good model loaded after every save");
}

/// A record that passes the queue item's CRC but not the codec's own check (a payload
/// byte changed before it was stored, so the item CRC covers the damage): the boot must
/// refuse it through the codec check and load the model before it.
#[test]
fn a_record_that_fails_only_the_codec_check_is_refused() {
    let (good, mut bad) = (record(1), record(2));
    bad[100] ^= 0x10;
    assert!(!is_model(&bad), "the damaged record must fail the codec check");
    let (r, flash) = save(SimFlash::<4096>::new(4), &good);
    r.unwrap();
    // Stored whole: the item's CRC is computed over the damaged bytes.
    let (r, flash) = save(flash, &bad);
    r.unwrap();
    let (got, _) = boot(flash);
    assert_eq!(got, Ok(Some(good)), "a record failing the codec check was loaded");
    let cases = 1;
    println!("codec check: {cases} record with a good item CRC and a bad codec CRC, refused");
}
