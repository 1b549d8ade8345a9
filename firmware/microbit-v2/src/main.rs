//! BBC micro:bit v2: learns gestures on the device, from its own accelerometer.
//!
//! - **Collect** (at boot when flash holds no model): every 0.64 s window from the
//!   LSM303AGR is labelled by the buttons held through it — none: *still*, A: *shake*,
//!   B: *tilt* — and kept in a class-balanced buffer (at most 40 per class). The LEDs
//!   show the class being recorded, dimmed, and that class's count on the bottom row
//!   (one LED per 3 windows). Once every class has 15 windows (and 15 new ones were
//!   recorded since entering this mode), the device trains.
//! - **Train**: nn-core's recipe (softmax cross-entropy, SGD with momentum, 150 epochs)
//!   on the buffer, a few seconds; the LEDs show a frame. The model is then saved in
//!   flash (nn-core codec with CRC-32, in a `sequential-storage` queue on the last four
//!   pages, safe against a power cut at any moment).
//! - **Predict** (also at boot when a model is in flash): each window's predicted class
//!   is shown bright. Holding A and B together through a window goes back to Collect
//!   (the buffer is kept, so more examples refine the next training).
//! - Holding A and B while the board resets forgets the stored model.
//!
//! - The accelerometer is read through `nn_learn::reader`: a failed I2C transfer is
//!   retried, a window that cannot be completed or fails the quality check (stuck,
//!   saturated) is skipped, and after three failed windows in a row the sensor is set up
//!   again. A missing or dead sensor never stops the board: it logs and keeps trying.
//!
//! The decisions are `nn_learn::learner`'s, tested on the host with a simulated user
//! (`learn/tests/learner.rs`); this file wires the board to it. Logs go out over RTT with
//! defmt (`probe-rs run` prints them), sensor faults included.
#![no_std]
#![no_main]

use core::cell::RefCell;

use cortex_m_rt::entry;
use critical_section::Mutex;
use defmt::{error, info, warn};
use defmt_rtt as _;
use embedded_hal::digital::InputPin;
use microbit::display::nonblocking::{Display, GreyscaleImage};
use microbit::hal::nvmc::Nvmc;
use microbit::hal::twim::{Frequency, Twim};
use microbit::hal::Timer;
use microbit::pac::{self, interrupt};
use microbit::Board;
use nn_core::codec;
use nn_learn::gesture::{Gesture, GestureNet};
use nn_learn::learner::{Held, Learner, Mode, Outcome};
use nn_learn::persist::ModelStore;
use nn_learn::reader::{Policy, Reader, Reinit};
use nn_learn::recipe::Recipe;
use panic_probe as _;

/// First byte of the model store: the last four 4 KiB pages of the 512 KiB flash,
/// which `memory-nrf52833.x` leaves out of the FLASH region.
const STORAGE: usize = 0x0007_C000;
/// Bytes of the model store.
const STORAGE_LEN: usize = 16 * 1024;
/// Bytes of an encoded model record (and of the buffers that read one back).
const RECORD: usize = 512;

type Store = ModelStore<Nvmc<pac::NVMC>>;

static DISPLAY: Mutex<RefCell<Option<Display<pac::TIMER1>>>> = Mutex::new(RefCell::new(None));

#[entry]
fn main() -> ! {
    let Some(board) = Board::take() else { halt("peripherals already taken") };
    let mut timer = Timer::new(board.TIMER0);
    let display = Display::new(board.TIMER1, board.display_pins);
    critical_section::with(|cs| DISPLAY.borrow_ref_mut(cs).replace(display));
    // SAFETY: the TIMER1 handler only touches DISPLAY, inside a critical section.
    unsafe { pac::NVIC::unmask(pac::Interrupt::TIMER1) };

    let mut button_a = board.buttons.button_a;
    let mut button_b = board.buttons.button_b;
    let i2c = Twim::new(board.TWIM0, board.i2c_internal.into(), Frequency::K100);
    let mut sensor = Reader::new(i2c, Policy::DEFAULT, &mut timer);
    if !sensor.is_online() {
        warn!("accelerometer: not answering at boot; trying again every window");
    }
    let mut store = match ModelStore::new(Nvmc::new(board.NVMC, storage()), 0..STORAGE_LEN as u32) {
        Ok(s) => s,
        Err(e) => halt_with("model store", e),
    };

    if held(&mut button_a, &mut button_b) == Held::Both {
        warn!("A+B held at reset: forgetting the stored model");
        show(&FORGET);
        if let Err(e) = store.erase_all() {
            error!("erase failed: {}", e);
        }
        embedded_hal::delay::DelayNs::delay_ms(&mut timer, 1000);
    }

    let stored = load(&mut store);
    // Saves that failed (flash write or erase errors); the last good model stays in flash.
    let mut failed_saves = 0u32;
    info!("boot: {}", if stored.is_some() { "model from flash, predicting" } else { "no model in flash, collecting" });
    let mut learner = Learner::new(Recipe::DEFAULT, stored);
    if learner.mode() == Mode::Collect {
        show(&collect_image(Gesture::Still, 0));
    }

    loop {
        let before = held(&mut button_a, &mut button_b);
        let reinits = sensor.counters().reinits;
        let window = match sensor.read_window(&mut timer) {
            Ok(w) => {
                if sensor.counters().reinits != reinits {
                    info!("sensor: set up again, back online; {}", sensor.counters());
                }
                w
            }
            Err(skipped) => {
                warn!("sensor: window skipped: {}", skipped);
                let counters = sensor.counters();
                // The totals now and then, and whenever the sensor was set up again.
                if skipped.reinit != Reinit::None || counters.skipped % 16 == 1 {
                    info!("sensor: {}", counters);
                }
                continue;
            }
        };
        let buttons = held(&mut button_a, &mut button_b);
        if buttons != before {
            continue; // a button changed mid-window: the label is unclear
        }
        match learner.on_window(&window, buttons) {
            Ok(Outcome::Collected { label, counts }) => {
                info!("collect: {} (still {} shake {} tilt {})", label, counts[0], counts[1], counts[2]);
                show(&collect_image(label, counts[label.index()]));
            }
            Ok(Outcome::ReadyToTrain { label, counts }) => {
                info!("collect: {} (still {} shake {} tilt {}): training", label, counts[0], counts[1], counts[2]);
                show(&TRAINING);
                match learner.train() {
                    Ok(report) => {
                        info!("train: {} examples, loss {=f32}", learner.buffer().len(), report.loss);
                        if let Some(net) = learner.net() {
                            save(&mut store, net, &mut failed_saves);
                        }
                    }
                    Err(e) => error!("train: {}", e),
                }
            }
            Ok(Outcome::Predicted { gesture, probabilities: p }) => {
                info!("predict: {} (p = {=f32} {=f32} {=f32})", gesture, p[0], p[1], p[2]);
                show(&icon(gesture, 9));
            }
            Ok(Outcome::BackToCollect) => {
                info!("A+B: back to collecting ({} examples kept)", learner.buffer().len());
                show(&collect_image(Gesture::Still, learner.buffer().count(Gesture::Still)));
            }
            Ok(Outcome::Ignored) => {}
            // The reader already skips such windows; the learner checks again.
            Ok(Outcome::Rejected { fault }) => warn!("window rejected: {}", fault),
            Err(e) => error!("window: {}", e),
        }
    }
}

/// Encodes `net` with nn-core's codec (CRC-32), stores it and reads it back; a failure
/// is logged and counted in `failed_saves`.
fn save(store: &mut Store, net: &GestureNet, failed_saves: &mut u32) {
    let mut record = [0u8; RECORD];
    let mut scratch = [0u8; RECORD];
    let decodes = |r: &[u8]| codec::decode(r).and_then(|d| d.load_into(&mut GestureNet::default())).is_ok();
    match codec::encode(net, &mut record) {
        // Verified: the pages may hold what an earlier program (MicroPython's file
        // system, say) left there; then the half being written is erased and written again.
        Ok(len) => match store.save_verified(&record[..len], &mut scratch, decodes) {
            Ok(()) => info!("persist: saved {} bytes", len),
            Err(e) => {
                *failed_saves = failed_saves.saturating_add(1);
                error!("persist: save failed ({}), the last good model is kept; failed saves: {}", e, *failed_saves);
            }
        },
        Err(e) => error!("encode: {}", e),
    }
}

/// The newest stored model that decodes to a [`GestureNet`].
fn load(store: &mut Store) -> Option<GestureNet> {
    let mut scratch = [0u8; RECORD];
    let mut record = [0u8; RECORD];
    let mut net = GestureNet::default();
    let decodes = |r: &[u8], net: &mut GestureNet| codec::decode(r).and_then(|d| d.load_into(net)).is_ok();
    match store.load_latest(&mut scratch, &mut record, |r| decodes(r, &mut GestureNet::default())) {
        Ok(Some(r)) if decodes(r, &mut net) => Some(net),
        Ok(_) => None,
        Err(e) => {
            error!("load: {}", e);
            None
        }
    }
}

/// The 16 KiB of flash the model store owns.
fn storage() -> &'static mut [u8] {
    // SAFETY: STORAGE..STORAGE + STORAGE_LEN is on-chip flash that memory.x keeps out
    // of the FLASH region, so no code or data is there; this is called once, so the
    // slice is the only reference to it.
    unsafe { core::slice::from_raw_parts_mut(STORAGE as *mut u8, STORAGE_LEN) }
}

/// The buttons as they are now (a button that cannot be read counts as released).
fn held(a: &mut impl InputPin, b: &mut impl InputPin) -> Held {
    Held::from_buttons(a.is_low().unwrap_or(false), b.is_low().unwrap_or(false))
}

const STILL: [[u8; 5]; 5] = [[0, 0, 0, 0, 0], [0, 1, 1, 1, 0], [0, 1, 0, 1, 0], [0, 1, 1, 1, 0], [0, 0, 0, 0, 0]];
const SHAKE: [[u8; 5]; 5] = [[1, 0, 0, 0, 1], [0, 1, 0, 1, 0], [0, 0, 1, 0, 0], [0, 1, 0, 1, 0], [1, 0, 0, 0, 1]];
const TILT: [[u8; 5]; 5] = [[0, 0, 1, 1, 1], [0, 0, 0, 1, 1], [0, 0, 1, 0, 1], [0, 1, 0, 0, 0], [1, 0, 0, 0, 0]];
const TRAINING: GreyscaleImage =
    GreyscaleImage::new(&[[5, 5, 5, 5, 5], [5, 0, 0, 0, 5], [5, 0, 0, 0, 5], [5, 0, 0, 0, 5], [5, 5, 5, 5, 5]]);
const FORGET: GreyscaleImage =
    GreyscaleImage::new(&[[9, 0, 0, 0, 9], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [9, 0, 0, 0, 9]]);

/// The class's icon at `brightness` (0–9).
fn icon(g: Gesture, brightness: u8) -> GreyscaleImage {
    let shape = match g {
        Gesture::Still => STILL,
        Gesture::Shake => SHAKE,
        Gesture::Tilt => TILT,
    };
    GreyscaleImage::new(&shape.map(|row| row.map(|on| on * brightness)))
}

/// Collect mode: the class's icon dimmed, its count on the bottom row (one LED per 3).
fn collect_image(g: Gesture, count: usize) -> GreyscaleImage {
    let shape = match g {
        Gesture::Still => STILL,
        Gesture::Shake => SHAKE,
        Gesture::Tilt => TILT,
    };
    let mut img = shape.map(|row| row.map(|on| on * 2));
    let lit = (count / 3).min(5);
    for (x, led) in img[4].iter_mut().enumerate() {
        *led = if x < lit { 9 } else { 0 };
    }
    GreyscaleImage::new(&img)
}

fn show(image: &GreyscaleImage) {
    critical_section::with(|cs| {
        if let Some(d) = DISPLAY.borrow_ref_mut(cs).as_mut() {
            d.show(image);
        }
    });
}

fn halt_with(what: &str, e: impl core::fmt::Debug) -> ! {
    error!("{}: {}", what, defmt::Debug2Format(&e));
    halt(what)
}

/// Shows an X and stops (the probe keeps the log).
fn halt(why: &str) -> ! {
    error!("halted: {}", why);
    show(&icon(Gesture::Shake, 9));
    loop {
        cortex_m::asm::wfi();
    }
}

#[interrupt]
fn TIMER1() {
    critical_section::with(|cs| {
        if let Some(d) = DISPLAY.borrow_ref_mut(cs).as_mut() {
            d.handle_display_event();
        }
    });
}
