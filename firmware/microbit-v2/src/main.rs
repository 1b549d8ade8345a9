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
//! - It never hangs and never stays down (see `README.md`): a watchdog (16 s) resets a
//!   board that stops making progress, a panic or HardFault resets it at once in release
//!   builds, the I2C bus is cleared and its peripheral created again before every
//!   set-up of the sensor, and at boot the model is resumed from flash. The buttons are
//!   read at every poll of the sensor, so a short press inside a window is seen.
//!
//! The decisions are `nn_learn::learner`'s, tested on the host with a simulated user
//! (`learn/tests/learner.rs`); this file wires the board to it. Logs go out over RTT with
//! defmt (`probe-rs run` prints them), sensor faults included.
#![no_std]
#![no_main]

mod approtect;
mod boot;
mod fault;
mod recovery;
mod stack;
mod watchdog;

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
use nn_learn::accel::FullScale;
use nn_learn::buttons::{ButtonLatch, ButtonWindow};
use nn_learn::gesture::{Gesture, GestureNet};
use nn_learn::learner::{Held, Learner, Mode, Outcome};
use nn_learn::persist::ModelStore;
use nn_learn::reader::{Policy, Reader, Reinit};
use nn_learn::recipe::Recipe;
use recovery::TwimRecovery;

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
    stack::paint();
    let Some(board) = Board::take() else { halt("peripherals already taken") };
    let debug_port = approtect::keep_debug_port_open(&board.FICR, &board.UICR, &board.NVMC);
    if debug_port == approtect::DebugPort::UicrWritten {
        info!("boot: UICR.APPROTECT set to HwDisabled; resetting for it to take effect");
        cortex_m::peripheral::SCB::sys_reset();
    }
    boot::enable_instruction_cache(&board.NVMC);
    let cause = boot::reset_cause(&board.POWER);
    let (mut dog, started) = watchdog::start(board.WDT);
    info!("boot: reset cause {}, debug port {}, watchdog {} ({} s)", cause, debug_port, started, watchdog::TIMEOUT_S);
    let mut timer = Timer::new(board.TIMER0);
    let display = Display::new(board.TIMER1, board.display_pins);
    critical_section::with(|cs| DISPLAY.borrow_ref_mut(cs).replace(display));
    // SAFETY: the TIMER1 handler only touches DISPLAY, inside a critical section.
    unsafe { pac::NVIC::unmask(pac::Interrupt::TIMER1) };

    let mut button_a = board.buttons.button_a;
    let mut button_b = board.buttons.button_b;
    let i2c = Twim::new(board.TWIM0, board.i2c_internal.into(), Frequency::K100);
    let recovery = TwimRecovery::new(Frequency::K100);
    let mut sensor = Reader::with_recovery(i2c, Policy::DEFAULT, FullScale::BOARD, recovery, &mut timer);
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
    dog.pet();

    let stored = load(&mut store);
    // Saves that failed (flash write or erase errors); the last good model stays in flash.
    let mut failed_saves = 0u32;
    info!("boot: {}", if stored.is_some() { "model from flash, predicting" } else { "no model in flash, collecting" });
    let mut learner = Learner::new(Recipe::DEFAULT, stored);
    if learner.mode() == Mode::Collect {
        show(&collect_image(Gesture::Still, 0));
    }

    let mut latch = ButtonLatch::new();
    loop {
        dog.pet();
        let reinits = sensor.counters().reinits;
        let each_poll = || {
            dog.pet();
            latch.record(pressed(&mut button_a), pressed(&mut button_b));
        };
        let window = match sensor.read_window_with(&mut timer, each_poll) {
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
                    let r = sensor.recovery();
                    info!("sensor: {}; i2c recoveries {} (freed {}, failed {})", counters, r.runs, r.freed, r.failed);
                }
                latch.finish();
                continue;
            }
        };
        let buttons = match latch.finish() {
            ButtonWindow::Steady(held) => held,
            // A button changed during the window, even briefly: the label is unclear.
            ButtonWindow::Changed { pressed } => {
                info!("buttons: changed during the window ({} pressed at some point), window dropped", pressed);
                continue;
            }
            ButtonWindow::Unread => continue,
        };
        match learner.on_window(&window, buttons) {
            Ok(Outcome::Collected { label, counts }) => {
                info!("collect: {} (still {} shake {} tilt {})", label, counts[0], counts[1], counts[2]);
                show(&collect_image(label, counts[label.index()]));
            }
            Ok(Outcome::ReadyToTrain { label, counts }) => {
                info!("collect: {} (still {} shake {} tilt {}): training", label, counts[0], counts[1], counts[2]);
                show(&TRAINING);
                // Training does not pet: the watchdog's timeout covers it (watchdog.rs).
                dog.pet();
                let trained = learner.train();
                dog.pet();
                let (stack_size, stack_peak) = stack::high_water();
                info!("stack: peak {} of {} bytes", stack_peak, stack_size);
                match trained {
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
    Held::from_buttons(pressed(a), pressed(b))
}

/// A button is pressed now (one that cannot be read counts as released).
fn pressed(button: &mut impl InputPin) -> bool {
    button.is_low().unwrap_or(false)
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

/// Shows an X and stops (the probe keeps the log); the watchdog resets the board after
/// its timeout, and the next boot tries again.
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
