//! On-device learning under QEMU, with no board attached.
//!
//! The same loop as on the micro:bit — accelerometer windows through the real
//! `lsm303agr` driver → features → labelled buffer → nn-core training → held-out
//! evaluation → model persisted in flash — on QEMU's mps2-an386 (Cortex-M4F,
//! thumbv7em-none-eabihf) or microbit (Cortex-M0, thumbv6m-none-eabi) machine. The
//! accelerometer is a simulated LSM303AGR on an I2C bus, fed by the seeded gesture
//! simulator; the flash is a host file reached through semihosting, so it survives
//! between runs. The accelerometer is read through the fault-tolerant
//! `nn_learn::reader`, so a sensor fault skips a window and never ends the run;
//! `--faults` makes the simulated chip misbehave, and `--long-run N` trains online for N
//! windows while watching accuracy, finiteness, stack and RAM. See `firmware/README.md`
//! for the options, the output lines and the exit codes.
#![no_std]
#![no_main]

mod anomaly;
mod clock;
mod flash;
mod replay;
mod stack;
mod watchdog;

use core::cell::RefCell;
use core::ffi::CStr;
use core::fmt;

use cortex_m_rt::{entry, exception, ExceptionFrame};
use nn_core::codec::{self, CodecError};
use nn_core::train::EpochReport;
use nn_core::{Model, Network};
use nn_learn::buffer::{Example, ExampleBuffer};
use nn_learn::gesture::{Gesture, GestureNet, Score};
use nn_learn::learner::{Held, Learner, Outcome};
use nn_learn::online::{self, Online};
use nn_learn::persist::{ModelStore, PersistError};
use nn_learn::reader::{FaultCounters, Policy, Reader, Skipped};
use nn_learn::recipe::WORK;
use nn_learn::sim::chip::{FaultPlan, SimBus, SimDelay, SimLsm303agr};
use nn_learn::sim::demo::{Demo, DemoError, DEMO_BUFFER};
use nn_learn::sim::gestures::GestureSim;
use nn_learn::sim::longrun;
use nn_learn::window::{checked_features, Window, WindowFault};
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
/// Windows in a row the sensor may fail before the run gives up on it.
const MAX_ATTEMPTS: u32 = 200;
/// Skipped windows reported one by one; later ones are only counted.
const MAX_REPORTS: u32 = 40;
/// Held-out accuracy `--long-run` may lose between the first 1 % and the end: three
/// windows of 150.
const LONG_RUN_TOLERANCE: f32 = 0.02;
/// Training steps of `--long-run` without a number.
const LONG_RUN_DEFAULT: u32 = 1_000_000;

const TARGET: &str = env!("FW_TARGET");
const MACHINE: &str = if cfg!(target_abi = "eabihf") { "mps2-an386" } else { "microbit" };

/// Exit codes (documented in README.md).
mod code {
    pub const OK: i32 = 0;
    pub const ERROR: i32 = 1;
    pub const LOW_ACCURACY: i32 = 2;
    pub const HARD_FAULT: i32 = 4;
    pub const PANIC: i32 = 5;
    pub const LONG_RUN_VIOLATION: i32 = 6;
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
    hang: bool,
    user: bool,
    faults: bool,
    long_run: Option<u32>,
    seed: Option<u32>,
    cut_after: Option<u32>,
    flash_fail: [Option<u32>; 2],
    flash_worn: Option<u32>,
    replay: Option<&'a str>,
    record: bool,
    anomaly: bool,
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
            hang: false,
            user: false,
            faults: false,
            long_run: None,
            seed: None,
            cut_after: None,
            flash_fail: [None; 2],
            flash_worn: None,
            replay: None,
            record: false,
            anomaly: false,
        };
        let number = |v: &str| v.parse::<u32>().map_err(|_| Fail::Args("expected a number"));
        // The first word is the program (QEMU passes the kernel path).
        let mut args = args.skip(1).peekable();
        while let Some(arg) = args.next() {
            match arg.split_once('=') {
                Some(("--flash", v)) => o.flash = v,
                Some(("--seed", v)) => o.seed = Some(number(v)?),
                Some(("--cut-after", v)) => o.cut_after = Some(number(v)?),
                // `--flash-fail=N` or `--flash-fail=N,M`: those flash operations fail.
                Some(("--flash-fail", v)) => {
                    let mut ops = v.split(',');
                    o.flash_fail = [ops.next().map(number).transpose()?, ops.next().map(number).transpose()?];
                }
                Some(("--flash-worn", v)) => o.flash_worn = Some(number(v)?),
                Some(("--replay", v)) => o.replay = Some(v),
                Some(("--long-run", v)) => o.long_run = Some(number(v)?),
                // `--long-run N` as well as `--long-run=N`; alone, the default.
                None if arg == "--long-run" => {
                    o.long_run = Some(match args.next_if(|a| a.parse::<u32>().is_ok()) {
                        Some(v) => number(v)?,
                        None => LONG_RUN_DEFAULT,
                    })
                }
                None if arg == "--faults" => o.faults = true,
                None if arg == "--fresh" => o.fresh = true,
                None if arg == "--retrain" => o.retrain = true,
                None if arg == "--verify" => o.verify = true,
                None if arg == "--calibrate" => o.calibrate = true,
                None if arg == "--fault" => o.fault = true,
                None if arg == "--hang" => o.hang = true,
                None if arg == "--user" => o.user = true,
                None if arg == "--record" => o.record = true,
                None if arg == "--anomaly" => o.anomaly = true,
                None if arg.is_empty() => {}
                _ => return Err(Fail::Args("unknown option (see firmware/README.md)")),
            }
        }
        if o.faults && o.verify {
            return Err(Fail::Args("--verify checks the fault-free session; it cannot be combined with --faults"));
        }
        if o.long_run == Some(0) {
            return Err(Fail::Args("--long-run needs at least one step"));
        }
        if o.hang && !watchdog::EXISTS {
            return Err(Fail::Args("--hang needs mps2-an386's watchdog (Cortex-M4F build)"));
        }
        Ok(o)
    }
}

/// The simulated LSM303AGR behind the fault-tolerant reader: windows of a chosen gesture.
struct Sensor<'c> {
    chip: &'c RefCell<SimLsm303agr>,
    reader: Reader<SimBus<'c>>,
    reported: u32,
    /// Faults are being injected (`--faults`).
    faulty: bool,
}

impl<'c> Sensor<'c> {
    fn new(chip: &'c RefCell<SimLsm303agr>, faulty: bool) -> Self {
        let reader = Reader::new(SimBus(chip), Policy::DEFAULT, &mut SimDelay::new(chip));
        Sensor { chip, reader, reported: 0, faulty }
    }

    /// The next window of `gesture` that the reader accepts: every attempt starts a new
    /// window of that gesture on the chip; skipped ones are reported (the first
    /// [`MAX_REPORTS`]) and counted. Gives up after [`MAX_ATTEMPTS`] in a row.
    fn read(&mut self, gesture: Gesture) -> Result<Window, Fail> {
        for _ in 0..MAX_ATTEMPTS {
            self.chip.try_borrow_mut().map_err(|_| Fail::Session("the simulated chip is busy"))?.start_window(gesture);
            let reinits = self.reader.counters().reinits;
            match self.reader.read_window(&mut SimDelay::new(self.chip)) {
                Ok(w) => {
                    if self.reader.counters().reinits != reinits && self.reported < MAX_REPORTS {
                        println!("sensor: set up again, back online");
                    }
                    return Ok(w);
                }
                Err(skipped) => self.report(gesture, skipped),
            }
        }
        Err(Fail::SensorGone(self.reader.counters()))
    }

    #[inline(never)]
    fn report(&mut self, gesture: Gesture, skipped: Skipped) {
        self.reported = self.reported.saturating_add(1);
        if self.reported <= MAX_REPORTS {
            let c = self.reader.counters();
            println!("sensor: window {} ({gesture}) skipped: {skipped}", c.windows + c.skipped);
        }
        if self.reported == MAX_REPORTS {
            println!("sensor: further skipped windows are counted, not printed");
        }
    }

    fn counters(&self) -> FaultCounters {
        self.reader.counters()
    }

    fn samples(&self) -> u32 {
        self.chip.try_borrow().map(|c| c.samples()).unwrap_or(0)
    }

    /// With `--faults`, the `faults:` line: what the chip injected and what the reader met.
    fn print_faults(&self) {
        if !self.faulty {
            return;
        }
        if let Ok(chip) = self.chip.try_borrow() {
            println!("faults: injected {} / met {}", chip.injected(), self.reader.counters());
        }
    }
}

fn session() -> Result<i32, Fail> {
    let boot_stack = stack::peak();
    let args = semihosting::experimental::env::args::<512>().map_err(|_| Fail::Args("cannot read the command line"))?;
    let opts = Options::parse((&args).filter_map(Result::ok))?;
    if opts.anomaly {
        return anomaly::session();
    }
    if let Some(stream) = opts.replay {
        let mut path = [0u8; 256];
        return replay::session(c_path(stream, &mut path)?);
    }
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

    // The accelerometer: a simulated LSM303AGR behind the real driver and the
    // fault-tolerant reader; with --faults, a chip that misbehaves.
    let plan = if opts.faults { FaultPlan::demo(demo.data_seed) } else { FaultPlan::NONE };
    if opts.faults {
        println!(
            "faults: seed={:#010x} bus_error_ppm={} episode_ppm={} (unresponsive, no data, stuck, saturated)",
            plan.seed, plan.bus_error_ppm, plan.episode_ppm
        );
    }
    let chip = RefCell::new(SimLsm303agr::with_faults(GestureSim::new(demo.data_seed), plan));
    let mut sensor = Sensor::new(&chip, opts.faults);

    let code = if opts.record {
        record_session(&mut sensor)?
    } else if opts.user {
        user_session(&demo, &mut sensor)?
    } else if let Some(steps) = opts.long_run {
        long_run(&demo, steps, &mut sensor)?
    } else {
        scripted_session(&opts, &demo, &mut sensor, boot_stack)?
    };
    Ok(code)
}

/// The `--verify` protocol for a model behind an input scaling (`--replay`,
/// `--anomaly`): `verify: begin`, one `param` line per value (the network's parameters in
/// nn-core's flat order, then the scaling's means and scales), and `verify: end` with
/// their fingerprint (`nn_core::codec::fingerprint`).
fn print_verify(seed: u32, net: &impl Model, scaling: &nn_core::scaling::InputScaling<impl AsRef<[f32]>>) {
    let values = || {
        let params = (0..net.depth()).flat_map(|l| net.weights(l).iter().chain(net.biases(l)));
        params.chain(scaling.mean()).chain(scaling.scale()).copied()
    };
    println!("verify: begin params={} seed={seed} target={TARGET}", values().count());
    for (i, p) in values().enumerate() {
        println!("param {i} {:08x}", p.to_bits());
    }
    println!("verify: end fingerprint=0x{:08x}", nn_core::codec::fingerprint(values()));
}

/// Rounds of `--record`: each records [`RECORD_WINDOWS`] windows of every gesture.
const RECORD_ROUNDS: usize = 2;
/// Consecutive windows of one gesture in a `--record` round (a stretch of one label).
const RECORD_WINDOWS: usize = 4;

/// `--record`: the recording mode of the micro:bit, on the simulated chip. Every sample
/// the reader accepts goes out as an `nnrec` line (docs/recording-format.md), labelled by
/// the gesture being simulated: [`RECORD_ROUNDS`] rounds of still, shake and tilt,
/// [`RECORD_WINDOWS`] windows each, in one session. `nn record --from-log` turns the
/// output into a recording file.
#[inline(never)]
fn record_session(sensor: &mut Sensor<'_>) -> Result<i32, Fail> {
    println!(
        "nnrec v1 rate_hz={} axes=ax[mg],ay[mg],az[mg] labels=still,shake,tilt range={}..{}",
        nn_learn::window::SAMPLE_RATE_HZ,
        -i32::from(nn_learn::window::FULL_SCALE_MG) - 2,
        nn_learn::window::FULL_SCALE_MG
    );
    let mut seq = 0u32;
    for _ in 0..RECORD_ROUNDS {
        for gesture in Gesture::ALL {
            for _ in 0..RECORD_WINDOWS {
                for [x, y, z] in sensor.read(gesture)? {
                    println!("nnrec 0 {seq} {} {x} {y} {z}", gesture.index());
                    seq += 1;
                }
            }
        }
    }
    println!("nnrec end 0 {seq}");
    Ok(code::OK)
}

/// The scripted session (`Demo`): boot from flash, collect, train, save, evaluate.
#[inline(never)]
fn scripted_session(opts: &Options<'_>, demo: &Demo, sensor: &mut Sensor<'_>, boot_stack: usize) -> Result<i32, Fail> {
    // Boot: open the flash and look for the last good model.
    let mut scratch = [0u8; RECORD];
    let mut record = [0u8; RECORD];
    let mut store = None;
    let mut stored: Option<GestureNet> = None;
    // --faults is a check of the sensor path: it leaves the flash alone.
    if !opts.verify && !opts.faults {
        let mut path = [0u8; 256];
        let path = c_path(opts.flash, &mut path)?;
        let (mut flash, blank) = Flash::open(path)?;
        if let Some(n) = opts.cut_after {
            flash.cut_after(n);
        }
        flash.fail_at(opts.flash_fail);
        if let Some(n) = opts.flash_worn {
            flash.worn_from(n);
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
    demo.collect(&mut buffer, |g| sensor.read(g))?;
    println!(
        "collect: {} windows ({} samples through lsm303agr): still={} shake={} tilt={} in {} instructions",
        buffer.len(),
        sensor.samples(),
        buffer.count(Gesture::Still),
        buffer.count(Gesture::Shake),
        buffer.count(Gesture::Tilt),
        clock::instructions() - t
    );

    // Train, unless a stored model is resumed.
    // Saves that failed (flash errors); the last good model stays in flash.
    let mut failed_saves = 0u32;
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
            let report = nn_learn::recipe::train(&mut net, &buffer, &demo.recipe, |epoch, r| {
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
                match s.save_verified(bytes, &mut scratch, |r| decode_net(r).is_ok()) {
                    Ok(()) => {
                        println!("persist: saved");
                        if opts.hang {
                            // The sensor's next transfer never ends; the watchdog resets the
                            // machine, and the next boot resumes this model from flash.
                            watchdog::arm();
                            println!("hang: watchdog armed, the I2C bus hangs from now on");
                            sensor
                                .chip
                                .try_borrow_mut()
                                .map_err(|_| Fail::Session("the simulated chip is busy"))?
                                .hang_bus();
                        }
                    }
                    Err(e) => {
                        failed_saves += 1;
                        println!(
                            "persist: save failed ({e}), the last good model is kept; failed saves: {failed_saves}"
                        );
                    }
                }
            }
            (net, "trained")
        }
    };
    let len = codec::encode(&net, &mut record).map_err(Fail::Codec)?;
    let model_crc = crc_of(record.get(..len).unwrap_or(&[]));

    // Held-out evaluation, on windows that follow the training ones in the stream.
    let score = demo.evaluate(&net, |g| sensor.read(g))?;
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

    sensor.print_faults();
    let steps = last.map_or(0, |_| demo.recipe.epochs * buffer.len() as u32);
    let peak = boot_stack.max(stack::peak()).max(train_stack);
    println!(
        "summary: accuracy={:.4} correct={} test={} train={} epochs={} steps={} loss={} source={source} \
         model_crc=0x{model_crc:08x} train_insns={train_insns} insns_per_step={} peak_stack={peak} \
         train_stack={train_stack} stack_size={} target={TARGET} machine={MACHINE} failed_saves={failed_saves} \
         faults={} {}",
        score.accuracy(),
        score.correct(),
        score.total(),
        buffer.len(),
        if last.is_some() { demo.recipe.epochs } else { 0 },
        steps,
        LossField(last.map(|r| r.loss)),
        if steps > 0 { train_insns / u64::from(steps) } else { 0 },
        stack::size(),
        if opts.faults { "on" } else { "off" },
        sensor.counters(),
    );
    Ok(if score.accuracy() >= MIN_ACCURACY { code::OK } else { code::LOW_ACCURACY })
}

/// The micro:bit's interaction (`nn_learn::learner`) driven by a simulated user: the
/// windows of the session's stream, each labelled by the button the README says to
/// hold, until the learner trains; then 150 windows with no button, predicted.
#[inline(never)]
fn user_session(demo: &Demo, sensor: &mut Sensor<'_>) -> Result<i32, Fail> {
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
        if let Outcome::ReadyToTrain { .. } = learner.on_window(&sensor.read(g)?, held).map_err(Fail::Net)? {
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
        if let Outcome::Predicted { gesture, .. } =
            learner.on_window(&sensor.read(truth)?, Held::None).map_err(Fail::Net)?
        {
            score.record(truth, gesture);
        }
    }
    println!("user: confusion (rows: truth still/shake/tilt) {:?}", score.confusion);
    sensor.print_faults();
    println!(
        "summary: mode=user accuracy={:.4} correct={} test={} collected={windows} examples={} loss={loss:.5} \
         train_insns={insns} train_stack={train_stack} target={TARGET} machine={MACHINE} {}",
        score.accuracy(),
        score.correct(),
        score.total(),
        learner.buffer().len(),
        sensor.counters(),
    );
    Ok(if score.accuracy() >= USER_MIN_ACCURACY { code::OK } else { code::LOW_ACCURACY })
}

/// `--long-run N`: N online training steps, one per window read through the sensor path
/// (`nn_learn::online`), from a fresh network. Held-out accuracy on a fixed set of
/// windows (the first 150 of the stream, never trained on) is measured after 1 % of the
/// steps and every 10 %; every parameter is checked finite after every step; the stack
/// is painted before the first step and its high-water mark read after 1 % of the steps
/// and at the end. Violations (exit code 6, or 2 for accuracy): a refused or non-finite
/// step, a stack that grew after the first 1 %, held-out accuracy at the end below 0.9
/// or more than [`LONG_RUN_TOLERANCE`] below its value after the first 1 %. (Single
/// measurements early in the run swing by several points while the rate is high, see
/// `nn_learn::online`; the lowest one of the second half is reported.)
#[inline(never)]
fn long_run(demo: &Demo, steps: u32, sensor: &mut Sensor<'_>) -> Result<i32, Fail> {
    let mut held_out = ExampleBuffer::<{ longrun::HELD_OUT }>::new();
    for i in 0..longrun::HELD_OUT {
        let label = Demo::gesture(i);
        let features = checked_features(&sensor.read(label)?).map_err(Fail::Window)?;
        held_out.push(Example { features, label }).map_err(|_| Fail::Session("held-out buffer full"))?;
    }
    let mut net = demo.recipe.initial_net();
    let mut work = [0.0f32; WORK];
    let mut learner = Online::new(&demo.recipe, &net, &mut work).map_err(Fail::Net)?;
    let first = steps.div_ceil(100);
    let every = (steps / 10).max(1);
    let ram = stack::static_ram();
    println!(
        "longrun: begin steps={steps} held_out={} first={first} every={every} static_ram={ram} heap=0 \
         stack_size={} target={TARGET} machine={MACHINE}",
        held_out.len(),
        stack::size()
    );

    let (mut refused, mut non_finite) = (0u32, 0u32);
    let (mut loss_sum, mut loss_n) = (0.0f32, 0u32);
    let (mut acc_first, mut acc_min, mut acc_max, mut acc_min_late) = (0.0f32, 1.0f32, 0.0f32, 1.0f32);
    let mut stack_first = 0;
    let mut insns_first = 0;
    stack::repaint();
    let t = clock::instructions();
    for i in 0..steps {
        let label = longrun::gesture_of_step(i);
        // Everything a step does runs with interrupts masked: SysTick (one wrap every
        // 671 M instructions on the M4F, a step is about 0.3 M) is taken between steps,
        // so the stack figure is the code's own, not where an exception happened to land.
        let step = cortex_m::interrupt::free(|_| -> Result<Result<f32, nn_core::Error>, Fail> {
            let features = checked_features(&sensor.read(label)?).map_err(Fail::Window)?;
            let result = learner.step(&mut net, &Example { features, label });
            if !online::all_finite(&net) {
                non_finite = non_finite.saturating_add(1);
            }
            Ok(result)
        })?;
        match step {
            Ok(loss) => {
                loss_sum += loss;
                loss_n += 1;
            }
            Err(_) => refused = refused.saturating_add(1),
        }
        let done = i + 1;
        if longrun::is_checkpoint(done, steps) {
            let score = online::score(&net, &held_out).map_err(Fail::Net)?;
            let acc = score.accuracy();
            acc_min = acc_min.min(acc);
            acc_max = acc_max.max(acc);
            if done > steps / 2 {
                acc_min_late = acc_min_late.min(acc);
            }
            println!(
                "longrun: step={done} accuracy={acc:.4} loss={:.5} rate={:.6} finite={} instructions={}",
                if loss_n > 0 { loss_sum / loss_n as f32 } else { 0.0 },
                learner.learning_rate(),
                if non_finite == 0 && refused == 0 { "yes" } else { "NO" },
                clock::instructions() - t,
            );
            (loss_sum, loss_n) = (0.0, 0);
            // After the line: the first 1 % then includes everything a checkpoint does.
            if done == first {
                acc_first = acc;
                stack_first = stack::peak();
                insns_first = clock::instructions() - t;
                println!("longrun: peak stack after the first {first} steps: {stack_first} bytes");
            }
        }
    }
    let insns = clock::instructions() - t;
    let stack_end = stack::peak();
    let acc_end = online::score(&net, &held_out).map_err(Fail::Net)?.accuracy();
    let mut record = [0u8; RECORD];
    let len = codec::encode(&net, &mut record).map_err(Fail::Codec)?;
    let model_crc = crc_of(record.get(..len).unwrap_or(&[]));

    let mut violations = 0u32;
    let mut violation = |what: fmt::Arguments<'_>| {
        violations += 1;
        println!("longrun: VIOLATION {what}");
    };
    if refused > 0 || non_finite > 0 {
        violation(format_args!("{refused} refused steps, {non_finite} steps left a non-finite parameter"));
    }
    if stack_end != stack_first {
        violation(format_args!("peak stack grew from {stack_first} (after 1 %) to {stack_end} bytes"));
    }
    let low = acc_end < MIN_ACCURACY || acc_end < acc_first - LONG_RUN_TOLERANCE;
    if low {
        violation(format_args!("held-out accuracy {acc_end:.4} at the end, {acc_first:.4} after the first 1 %"));
    }
    sensor.print_faults();
    println!(
        "longrun: steps={steps} accuracy_first={acc_first:.4} accuracy_end={acc_end:.4} accuracy_min={acc_min:.4} \
         accuracy_max={acc_max:.4} accuracy_min_second_half={acc_min_late:.4} refused={refused} \
         non_finite={non_finite} stack_first={stack_first} stack_end={stack_end} static_ram={ram} heap=0 \
         ram_first={} ram_end={} model_crc=0x{model_crc:08x} instructions={insns} insns_per_step={} \
         insns_first={insns_first} violations={violations} target={TARGET} machine={MACHINE} faults={} {}",
        ram + stack_first,
        ram + stack_end,
        insns / u64::from(steps),
        if sensor.faulty { "on" } else { "off" },
        sensor.counters(),
    );
    Ok(if violations == 0 {
        code::OK
    } else if low && refused == 0 && non_finite == 0 && stack_end == stack_first {
        code::LOW_ACCURACY
    } else {
        code::LONG_RUN_VIOLATION
    })
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
#[derive(Debug)]
enum Fail {
    Args(&'static str),
    Session(&'static str),
    SensorGone(FaultCounters),
    Window(WindowFault),
    Flash(FlashError),
    Persist(PersistError),
    Codec(CodecError),
    Net(nn_core::Error),
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fail::Args(m) => write!(f, "arguments: {m}"),
            Fail::Session(m) => f.write_str(m),
            Fail::SensorGone(c) => write!(f, "accelerometer: no usable window in {MAX_ATTEMPTS} attempts ({c})"),
            Fail::Window(e) => write!(f, "unusable window: {e}"),
            Fail::Flash(e) => write!(f, "flash file: {e:?}"),
            Fail::Persist(e) => write!(f, "model store: {e}"),
            Fail::Codec(e) => write!(f, "model record: {e}"),
            Fail::Net(e) => write!(f, "network: {e}"),
        }
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
impl From<DemoError<Fail>> for Fail {
    fn from(e: DemoError<Fail>) -> Self {
        match e {
            DemoError::Read(f) => f,
            DemoError::Window(w) => Fail::Window(w),
            DemoError::Net(e) => Fail::Net(e),
            _ => Fail::Session("the example buffer is full"),
        }
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
