//! On-device learning under QEMU, with no board attached.
//!
//! The same loop as on the micro:bit — accelerometer windows through the real
//! `lsm303agr` driver → features → labelled buffer → nn-core training → held-out
//! evaluation → model persisted in flash — on QEMU's mps2-an386 (Cortex-M4F,
//! thumbv7em-none-eabihf) or microbit (Cortex-M0, thumbv6m-none-eabi) machine. The
//! accelerometer is a simulated LSM303AGR on an I2C bus, fed by the seeded gesture
//! simulator; the flash is a host file reached through semihosting, so it survives
//! between runs. See `firmware/README.md` for the options, the output lines and the
//! exit codes.
#![no_std]
#![no_main]

mod clock;
mod flash;
mod stack;

use core::cell::RefCell;
use core::ffi::CStr;
use core::fmt;

use cortex_m_rt::{entry, exception, ExceptionFrame};
use nn_core::codec::{self, CodecError};
use nn_core::persist::{ModelStore, PersistError};
use nn_core::sensor::{Demo, DemoError, ExampleBuffer, Gesture, GestureNet, GestureSim, Score, Window, DEMO_BUFFER};
use nn_core::train::EpochReport;
use nn_core::{Model, Network};
use nn_fw_app::accel::{AccelError, Accelerometer, NoDelay};
use nn_fw_app::learner::{Held, Learner, Outcome};
use nn_fw_app::sim::{SimBus, SimError, SimLsm303agr};
use semihosting::println;
use semihosting::process::exit;

use flash::{FlashError, SemihostFlash};

/// Pages of emulated flash given to the model store (4 × 4 KiB, as on the micro:bit).
const FLASH_PAGES: usize = 4;
type Flash = SemihostFlash<FLASH_PAGES>;

/// The accuracy the held-out set must reach, else the exit code is 2.
const MIN_ACCURACY: f32 = 0.9;
/// The same for `--user`, which trains on only 15 examples per class.
const USER_MIN_ACCURACY: f32 = 0.85;
/// Bytes of one encoded model record (and of the buffers that read records back).
const RECORD: usize = 512;
/// The flash file when `--flash` is not given (relative to QEMU's working directory).
const DEFAULT_FLASH: &str = "nn-flash.img";

const TARGET: &str = env!("FW_TARGET");
const MACHINE: &str = if cfg!(target_abi = "eabihf") { "mps2-an386" } else { "microbit" };

/// Exit codes (documented in README.md).
mod code {
    pub const OK: i32 = 0;
    pub const ERROR: i32 = 1;
    pub const LOW_ACCURACY: i32 = 2;
    pub const HARD_FAULT: i32 = 4;
    pub const PANIC: i32 = 5;
}

#[entry]
fn main() -> ! {
    let code = match cortex_m::Peripherals::take() {
        Some(p) => {
            clock::start(p.SYST);
            match session() {
                Ok(code) => code,
                Err(e) => {
                    println!("error: {e}");
                    code::ERROR
                }
            }
        }
        None => code::ERROR,
    };
    exit(code)
}

/// Command-line options (`cargo run --release --bin qemu -- OPTIONS`).
struct Options<'a> {
    flash: &'a str,
    fresh: bool,
    retrain: bool,
    verify: bool,
    calibrate: bool,
    fault: bool,
    user: bool,
    seed: Option<u32>,
    cut_after: Option<u32>,
}

impl<'a> Options<'a> {
    fn parse(args: impl Iterator<Item = &'a str>) -> Result<Self, Fail> {
        let mut o = Options {
            flash: DEFAULT_FLASH,
            fresh: false,
            retrain: false,
            verify: false,
            calibrate: false,
            fault: false,
            user: false,
            seed: None,
            cut_after: None,
        };
        let number = |v: &str| v.parse::<u32>().map_err(|_| Fail::Args("expected a number"));
        // The first word is the program (QEMU passes the kernel path).
        for arg in args.skip(1) {
            match arg.split_once('=') {
                Some(("--flash", v)) => o.flash = v,
                Some(("--seed", v)) => o.seed = Some(number(v)?),
                Some(("--cut-after", v)) => o.cut_after = Some(number(v)?),
                None if arg == "--fresh" => o.fresh = true,
                None if arg == "--retrain" => o.retrain = true,
                None if arg == "--verify" => o.verify = true,
                None if arg == "--calibrate" => o.calibrate = true,
                None if arg == "--fault" => o.fault = true,
                None if arg == "--user" => o.user = true,
                None if arg.is_empty() => {}
                _ => return Err(Fail::Args("unknown option (see firmware/README.md)")),
            }
        }
        Ok(o)
    }
}

fn session() -> Result<i32, Fail> {
    let boot_stack = stack::peak();
    let args = semihosting::experimental::env::args::<512>().map_err(|_| Fail::Args("cannot read the command line"))?;
    let opts = Options::parse((&args).filter_map(Result::ok))?;
    let mut demo = Demo::DEFAULT;
    if let Some(seed) = opts.seed {
        demo.data_seed = seed;
        demo.recipe.init_seed = seed;
        demo.recipe.config.seed = seed.wrapping_add(1);
    }
    println!(
        "nn-fw: target={TARGET} machine={MACHINE} seed={} train={} test={} epochs={} params={}",
        demo.data_seed,
        demo.train_windows,
        demo.test_windows,
        demo.recipe.epochs,
        <GestureNet as Network>::PARAMS
    );
    if opts.calibrate {
        calibrate();
    }
    if opts.fault {
        // Proves the failure path: an undefined instruction ends in HardFault, exit 4.
        cortex_m::asm::udf();
    }

    // The accelerometer: a simulated LSM303AGR behind the real driver.
    let chip = RefCell::new(SimLsm303agr::new(GestureSim::new(demo.data_seed)));
    let mut accel = Accelerometer::new(SimBus(&chip), &mut NoDelay)?;
    let mut read = |g: Gesture| -> Result<Window, AccelError<SimError>> {
        chip.try_borrow_mut().map_err(|_| AccelError::Bus(SimError::Busy))?.start_window(g);
        accel.read_window(&mut NoDelay)
    };

    if opts.user {
        return user_session(&demo, &mut read);
    }

    // Boot: open the flash and look for the last good model.
    let mut scratch = [0u8; RECORD];
    let mut record = [0u8; RECORD];
    let mut store = None;
    let mut stored: Option<GestureNet> = None;
    if !opts.verify {
        let mut path = [0u8; 256];
        let path = c_path(opts.flash, &mut path)?;
        let (mut flash, blank) = Flash::open(path)?;
        if let Some(n) = opts.cut_after {
            flash.cut_after(n);
        }
        let mut s = ModelStore::new(flash, 0..Flash::SIZE as u32)?;
        if opts.fresh && !blank {
            s.erase_all()?;
        }
        // Unreadable flash (data another program left, say) is no model: the next save
        // (`save_verified`) erases the range and starts over.
        match s.load_latest(&mut scratch, &mut record, |r| decode_net(r).is_ok()) {
            Ok(Some(r)) => {
                stored = Some(decode_net(r)?);
                println!("boot: flash {} holds a model ({} bytes, crc=0x{:08x})", opts.flash, r.len(), crc_of(r));
            }
            Ok(None) => println!("boot: flash {} holds no model{}", opts.flash, if blank { " (new file)" } else { "" }),
            Err(e) => println!("boot: flash {} holds no readable model ({e})", opts.flash),
        }
        store = Some(s);
    }

    // Collect the labelled training windows.
    let t = clock::instructions();
    let mut buffer = ExampleBuffer::<DEMO_BUFFER>::new();
    demo.collect(&mut buffer, &mut read)?;
    println!(
        "collect: {} windows ({} samples through lsm303agr): still={} shake={} tilt={} in {} instructions",
        buffer.len(),
        chip.try_borrow().map(|c| c.samples()).unwrap_or(0),
        buffer.count(Gesture::Still),
        buffer.count(Gesture::Shake),
        buffer.count(Gesture::Tilt),
        clock::instructions() - t
    );

    // Train, unless a stored model is resumed.
    let mut train_stack = 0;
    let mut train_insns = 0;
    let mut last: Option<EpochReport> = None;
    let (net, source) = match stored {
        Some(net) if !opts.retrain => {
            println!("train: skipped, resuming the model from flash");
            (net, "flash")
        }
        _ => {
            let mut net = demo.recipe.initial_net();
            let mut losses = [0.0f32; 8];
            stack::repaint();
            let t = clock::instructions();
            let every = (demo.recipe.epochs / losses.len() as u32).max(1);
            let report = nn_core::sensor::train(&mut net, &buffer, &demo.recipe, |epoch, r| {
                if epoch % every == 0 {
                    if let Some(slot) = losses.get_mut((epoch / every) as usize) {
                        *slot = r.loss;
                    }
                }
            })
            .map_err(Fail::Net)?;
            train_insns = clock::instructions() - t;
            train_stack = stack::peak();
            for (i, loss) in losses.iter().enumerate() {
                println!("train: epoch {:>4} loss {:.5}", i as u32 * every, loss);
            }
            println!("train: epoch {:>4} loss {:.5} (last)", demo.recipe.epochs - 1, report.loss);
            last = Some(report);
            if let Some(s) = store.as_mut() {
                let len = codec::encode(&net, &mut record).map_err(Fail::Codec)?;
                let bytes = record.get(..len).ok_or(Fail::Codec(CodecError::Shape))?;
                println!("persist: saving the model ({len} bytes, crc=0x{:08x})", crc_of(bytes));
                s.save_verified(bytes, &mut scratch)?;
                println!("persist: saved");
            }
            (net, "trained")
        }
    };
    let len = codec::encode(&net, &mut record).map_err(Fail::Codec)?;
    let model_crc = crc_of(record.get(..len).unwrap_or(&[]));

    // Held-out evaluation, on windows that follow the training ones in the stream.
    let score = demo.evaluate(&net, &mut read)?;
    println!("eval: confusion (rows: truth still/shake/tilt) {:?}", score.confusion);

    if opts.verify {
        let mut params = [0.0f32; <GestureNet as Network>::PARAMS];
        net.copy_params_to(&mut params).map_err(Fail::Net)?;
        println!("verify: begin params={} seed={} target={TARGET}", params.len(), demo.data_seed);
        for (i, p) in params.iter().enumerate() {
            println!("param {i} {:08x}", p.to_bits());
        }
        println!("verify: end model_crc=0x{model_crc:08x}");
    }

    let steps = last.map_or(0, |_| demo.recipe.epochs * buffer.len() as u32);
    let peak = boot_stack.max(stack::peak()).max(train_stack);
    println!(
        "summary: accuracy={:.4} correct={} test={} train={} epochs={} steps={} loss={} source={source} \
         model_crc=0x{model_crc:08x} train_insns={train_insns} insns_per_step={} peak_stack={peak} \
         train_stack={train_stack} stack_size={} target={TARGET} machine={MACHINE}",
        score.accuracy(),
        score.correct(),
        score.total(),
        buffer.len(),
        if last.is_some() { demo.recipe.epochs } else { 0 },
        steps,
        LossField(last.map(|r| r.loss)),
        if steps > 0 { train_insns / u64::from(steps) } else { 0 },
        stack::size(),
    );
    Ok(if score.accuracy() >= MIN_ACCURACY { code::OK } else { code::LOW_ACCURACY })
}

/// The micro:bit's interaction (`nn_fw_app::learner`) driven by a simulated user: the
/// windows of the session's stream, each labelled by the button the README says to
/// hold, until the learner trains; then 150 windows with no button, predicted.
fn user_session(
    demo: &Demo,
    read: &mut impl FnMut(Gesture) -> Result<Window, AccelError<SimError>>,
) -> Result<i32, Fail> {
    let mut learner = Learner::new(demo.recipe, None);
    let mut windows = 0usize;
    let mut trained = None;
    while trained.is_none() && windows < 1000 {
        let g = Demo::gesture(windows);
        let held = match g {
            Gesture::Still => Held::None,
            Gesture::Shake => Held::A,
            Gesture::Tilt => Held::B,
        };
        windows += 1;
        if let Outcome::ReadyToTrain { .. } = learner.on_window(&read(g)?, held).map_err(Fail::Net)? {
            stack::repaint();
            let t = clock::instructions();
            let report = learner.train().map_err(Fail::Net)?;
            trained = Some((report.loss, clock::instructions() - t, stack::peak()));
        }
    }
    let Some((loss, insns, train_stack)) = trained else {
        return Err(Fail::Session("the simulated user never got the board to train"));
    };
    let mut score = Score::default();
    for i in 0..demo.test_windows {
        let truth = Demo::gesture(windows + i);
        if let Outcome::Predicted { gesture, .. } = learner.on_window(&read(truth)?, Held::None).map_err(Fail::Net)? {
            score.record(truth, gesture);
        }
    }
    println!("user: confusion (rows: truth still/shake/tilt) {:?}", score.confusion);
    println!(
        "summary: mode=user accuracy={:.4} correct={} test={} collected={windows} examples={} loss={loss:.5} \
         train_insns={insns} train_stack={train_stack} target={TARGET} machine={MACHINE}",
        score.accuracy(),
        score.correct(),
        score.total(),
        learner.buffer().len(),
    );
    Ok(if score.accuracy() >= USER_MIN_ACCURACY { code::OK } else { code::LOW_ACCURACY })
}

/// A network decoded from a record, if the record is a valid model of the right shape.
fn decode_net(record: &[u8]) -> Result<GestureNet, Fail> {
    let mut net = GestureNet::default();
    codec::decode(record).and_then(|d| d.load_into(&mut net)).map_err(Fail::Codec)?;
    Ok(net)
}

/// The codec's CRC-32: the last four bytes of a record.
fn crc_of(record: &[u8]) -> u32 {
    match record.len().checked_sub(4).and_then(|at| record.get(at..)) {
        Some([a, b, c, d]) => u32::from_le_bytes([*a, *b, *c, *d]),
        _ => 0,
    }
}

fn c_path<'b>(path: &str, buf: &'b mut [u8; 256]) -> Result<&'b CStr, Fail> {
    let bytes = path.as_bytes();
    let dst = buf.get_mut(..bytes.len()).ok_or(Fail::Args("--flash path too long"))?;
    dst.copy_from_slice(bytes);
    let with_nul = buf.get(..bytes.len() + 1).ok_or(Fail::Args("--flash path too long"))?;
    CStr::from_bytes_with_nul(with_nul).map_err(|_| Fail::Args("--flash path has a NUL byte"))
}

/// Checks [`clock::instructions`] on a loop of exactly `2 n` instructions.
fn calibrate() {
    let n: u32 = 5_000_000;
    let t = clock::instructions();
    // SAFETY: a register-only countdown loop.
    unsafe {
        core::arch::asm!("1:", "subs r0, #1", "bne 1b", inout("r0") n => _, options(nomem, nostack));
    }
    let counted = clock::instructions() - t;
    println!("calibrate: a loop of {} instructions counted as {counted} (core clock {} Hz)", 2 * n, clock::CORE_HZ);
}

/// Everything that can stop a session.
enum Fail {
    Args(&'static str),
    Session(&'static str),
    Accel(AccelError<SimError>),
    Flash(FlashError),
    Persist(PersistError),
    Codec(CodecError),
    Net(nn_core::Error),
    Demo(DemoError<AccelError<SimError>>),
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fail::Args(m) => write!(f, "arguments: {m}"),
            Fail::Session(m) => f.write_str(m),
            Fail::Accel(e) => write!(f, "accelerometer: {e}"),
            Fail::Flash(e) => write!(f, "flash file: {e:?}"),
            Fail::Persist(e) => write!(f, "model store: {e}"),
            Fail::Codec(e) => write!(f, "model record: {e}"),
            Fail::Net(e) => write!(f, "network: {e}"),
            Fail::Demo(e) => write!(f, "{e}"),
        }
    }
}

impl From<AccelError<SimError>> for Fail {
    fn from(e: AccelError<SimError>) -> Self {
        Fail::Accel(e)
    }
}
impl From<FlashError> for Fail {
    fn from(e: FlashError) -> Self {
        Fail::Flash(e)
    }
}
impl From<PersistError> for Fail {
    fn from(e: PersistError) -> Self {
        Fail::Persist(e)
    }
}
impl From<DemoError<AccelError<SimError>>> for Fail {
    fn from(e: DemoError<AccelError<SimError>>) -> Self {
        Fail::Demo(e)
    }
}

/// Peripheral interrupts of the QEMU machines (32 on both): none is used, all go to the
/// default handler. cortex-m-rt's `device` feature expects the binary to provide them.
#[link_section = ".vector_table.interrupts"]
#[no_mangle]
static __INTERRUPTS: [unsafe extern "C" fn(); 32] = [DefaultHandler; 32];

extern "C" {
    fn DefaultHandler();
}

#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    println!("hardfault: pc=0x{:08x} lr=0x{:08x}", frame.pc(), frame.lr());
    exit(code::HARD_FAULT)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    println!("panic: {info}");
    exit(code::PANIC)
}

/// The last epoch's loss in the summary, or `none` when nothing was trained.
struct LossField(Option<f32>);

impl fmt::Display for LossField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(loss) => write!(f, "{loss:.5}"),
            None => f.write_str("none"),
        }
    }
}
