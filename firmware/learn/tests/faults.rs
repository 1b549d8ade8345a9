//! Sensor faults, one kind at a time, through the fault-tolerant reader: transient bus
//! errors (embedded-hal-mock and the simulated chip), retries that run out, a chip that
//! stops answering and comes back reset, no new data, stuck output, saturated output, a
//! sensor missing at boot; then a whole learning session with every kind injected at
//! random, which must still reach 0.9 held-out accuracy (QEMU's `--faults`).
//!
//! Run on the host: `cargo test -p nn-learn --target x86_64-unknown-linux-gnu`.

use core::cell::RefCell;

use embedded_hal::i2c::ErrorKind;
use embedded_hal_mock::eh1::delay::NoopDelay;
use embedded_hal_mock::eh1::i2c::{Mock, Transaction};
use nn_learn::accel::NoDelay;
use nn_learn::buffer::ExampleBuffer;
use nn_learn::gesture::Gesture;
use nn_learn::learner::{Held, Learner, Outcome};
use nn_learn::reader::{FaultCounters, Policy, Reader, Reinit, Skip, Skipped};
use nn_learn::sim::chip::{Episode, FaultPlan, SimBus, SimDelay, SimLsm303agr};
use nn_learn::sim::demo::{Demo, DEMO_BUFFER};
use nn_learn::sim::gestures::GestureSim;
use nn_learn::window::{check_window, Window, WindowFault, WINDOW};

const ACC: u8 = 0x19;
const MAG: u8 = 0x1E;

/// What `Accelerometer::new` puts on the bus (see driver_wiring.rs).
fn configuration() -> Vec<Transaction> {
    vec![
        Transaction::write_read(ACC, vec![0x0F], vec![0x33]),
        Transaction::write(ACC, vec![0x23, 0x80]),
        Transaction::write(ACC, vec![0x1F, 0xC0]),
        Transaction::write(MAG, vec![0x62, 0x10]),
        Transaction::write(ACC, vec![0x20, 0x47]),
        Transaction::write(ACC, vec![0x23, 0x88]),
        Transaction::write(ACC, vec![0x23, 0x98]),
    ]
}

/// One sample on the mock bus: status (new data), then the six output bytes.
fn sample_transfers(mg: [i16; 3]) -> [Transaction; 2] {
    let mut out = Vec::new();
    for v in mg {
        out.extend_from_slice(&((v / 2) << 4).to_le_bytes());
    }
    [Transaction::write_read(ACC, vec![0x27], vec![0x08]), Transaction::write_read(ACC, vec![0x28 | 0x80], out)]
}

fn noisy(i: usize) -> [i16; 3] {
    [2 * (i as i16 % 5), -4, 1000 + 2 * (i as i16 % 3)]
}

#[test]
fn mock_a_nack_costs_one_retry_not_the_window() {
    let mut expected = configuration();
    for i in 0..WINDOW {
        if i == 7 {
            // The status read is NACKed once, the output read fails once with a bus error.
            expected.push(Transaction::write_read(ACC, vec![0x27], vec![0x00]).with_error(ErrorKind::Other));
            let [status, out] = sample_transfers(noisy(i));
            expected.push(status.clone());
            expected.push(out.clone().with_error(ErrorKind::Bus));
            expected.push(status);
            expected.push(out);
        } else {
            expected.extend(sample_transfers(noisy(i)));
        }
    }
    let mut i2c = Mock::new(&expected);
    let mut reader = Reader::new(i2c.clone(), Policy::DEFAULT, &mut NoopDelay::new());
    let window = reader.read_window(&mut NoopDelay::new()).unwrap();
    let want: Window = core::array::from_fn(noisy);
    assert_eq!(window, want);
    let c = reader.counters();
    assert_eq!((c.windows, c.skipped, c.bus_errors, c.recovered), (1, 0, 2, 1));
    i2c.done();
}

#[test]
fn mock_retries_run_out_then_the_window_is_skipped() {
    let mut expected = configuration();
    for _ in 0..=Policy::DEFAULT.sample_retries {
        expected.push(Transaction::write_read(ACC, vec![0x27], vec![0x00]).with_error(ErrorKind::ArbitrationLoss));
    }
    let mut i2c = Mock::new(&expected);
    let mut reader = Reader::new(i2c.clone(), Policy::DEFAULT, &mut NoopDelay::new());
    let skipped = reader.read_window(&mut NoopDelay::new()).unwrap_err();
    assert_eq!(skipped, Skipped { reason: Skip::Bus, reinit: Reinit::None });
    let c = reader.counters();
    assert_eq!((c.skipped, c.bus_skips, c.bus_errors, c.recovered), (1, 1, 4, 0));
    i2c.done();
}

/// Reads until a window comes through (at most `limit` attempts); returns it and the skips.
fn read_until_ok<I: embedded_hal::i2c::I2c>(
    reader: &mut Reader<I>,
    chip: &RefCell<SimLsm303agr>,
    limit: usize,
) -> (Window, Vec<Skipped>) {
    let mut skips = Vec::new();
    for _ in 0..limit {
        chip.borrow_mut().start_window(Gesture::Still);
        match reader.read_window(&mut NoDelay) {
            Ok(w) => return (w, skips),
            Err(s) => skips.push(s),
        }
    }
    panic!("no window in {limit} attempts: {skips:?}, {:?}", reader.counters());
}

fn chip_with(plan: FaultPlan) -> RefCell<SimLsm303agr> {
    RefCell::new(SimLsm303agr::with_faults(GestureSim::new(5), plan))
}

#[test]
fn transient_bus_errors_leave_the_data_bit_for_bit() {
    // 5 % of transfers fail; a failed transfer changes nothing on the chip, so the
    // retried reads return exactly the fault-free stream.
    let chip = chip_with(FaultPlan { seed: 9, bus_error_ppm: 50_000, episode_ppm: 0 });
    let mut reader = Reader::new(SimBus(&chip), Policy::DEFAULT, &mut NoDelay);
    let mut reference = GestureSim::new(5);
    for i in 0..60 {
        let g = Gesture::ALL[i % 3];
        chip.borrow_mut().start_window(g);
        assert_eq!(reader.read_window(&mut NoDelay), Ok(reference.window(g)), "window {i}");
    }
    let c = reader.counters();
    let injected = chip.borrow().injected();
    assert!(c.bus_errors > 100 && c.recovered > 100, "{c:?}");
    assert_eq!(c.skipped, 0);
    // Every injected error was met once, at set-up or while reading.
    assert!(injected.bus_errors >= c.bus_errors, "{injected:?} {c:?}");
}

#[test]
fn a_chip_that_stops_answering_is_set_up_again_when_it_returns() {
    let chip = chip_with(FaultPlan::NONE);
    let mut reader = Reader::new(SimBus(&chip), Policy::DEFAULT, &mut NoDelay);
    read_until_ok(&mut reader, &chip, 1);
    // Off the bus for 40 transfers, then back in its power-on state (powered down).
    chip.borrow_mut().inject(Episode::Unresponsive, 40);
    let (window, skips) = read_until_ok(&mut reader, &chip, 100);
    assert_eq!(check_window(&window), Ok(()));
    let k = Policy::DEFAULT.reinit_after as usize;
    // K windows lost to NACKs, then a failed set-up, then offline until it answers.
    assert!(skips[..k].iter().all(|s| s.reason == Skip::Bus), "{skips:?}");
    assert_eq!(skips[k - 1].reinit, Reinit::Failed);
    assert!(skips[k..].iter().all(|s| s.reason == Skip::Offline), "{skips:?}");
    let c = reader.counters();
    assert_eq!(c.reinits, 1);
    assert_eq!(c.bus_skips, k as u32);
    assert_eq!(c.offline as usize, skips.len() - k);
    assert!(c.reinit_failures >= 2, "{c:?}");
    // The chip came back reset and the reader configured it again.
    assert_eq!(chip.borrow().accel_register(0x20), 0x47);
    assert_eq!(chip.borrow().injected().episodes, [1, 0, 0, 0]);
}

#[test]
fn no_new_data_times_out_and_setting_up_again_restarts_the_chip() {
    let chip = chip_with(FaultPlan::NONE);
    let mut reader = Reader::new(SimBus(&chip), Policy::DEFAULT, &mut NoDelay);
    // Hung for far longer than the session: only the re-initialisation ends it.
    chip.borrow_mut().inject(Episode::NoData, u32::MAX);
    let (_, skips) = read_until_ok(&mut reader, &chip, 10);
    let k = Policy::DEFAULT.reinit_after as usize;
    assert_eq!(skips.len(), k);
    assert!(skips.iter().all(|s| s.reason == Skip::Timeout));
    assert_eq!(skips[k - 1].reinit, Reinit::Done);
    let c = reader.counters();
    assert_eq!((c.timeouts, c.reinits, c.windows), (k as u32, 1, 1));
}

fn episode_is_skipped(episode: Episode, fault: WindowFault) -> FaultCounters {
    let chip = chip_with(FaultPlan::NONE);
    let mut reader = Reader::new(SimBus(&chip), Policy::DEFAULT, &mut NoDelay);
    read_until_ok(&mut reader, &chip, 1);
    // Three windows' worth of reads (two transfers a sample).
    chip.borrow_mut().inject(episode, 3 * 2 * WINDOW as u32);
    let (window, skips) = read_until_ok(&mut reader, &chip, 10);
    assert_eq!(check_window(&window), Ok(()));
    // Three whole windows fall inside the episode: skipped, then a re-initialisation
    // (which does not cure these faults); the window that straddles its end passes.
    assert_eq!(skips.len(), 3, "{skips:?}");
    assert!(skips.iter().all(|s| s.reason == Skip::Window(fault)), "{skips:?}");
    assert_eq!(skips[2].reinit, Reinit::Done);
    reader.counters()
}

#[test]
fn stuck_output_is_skipped() {
    let c = episode_is_skipped(Episode::Stuck, WindowFault::Stuck);
    assert_eq!((c.stuck, c.saturated, c.skipped, c.reinits), (3, 0, 3, 1));
}

#[test]
fn saturated_output_is_skipped() {
    let c = episode_is_skipped(Episode::Saturated, WindowFault::Saturated);
    assert_eq!((c.stuck, c.saturated, c.skipped, c.reinits), (0, 3, 3, 1));
}

#[test]
fn a_sensor_missing_at_boot_is_not_fatal() {
    let chip = chip_with(FaultPlan::NONE);
    chip.borrow_mut().inject(Episode::Unresponsive, 5);
    let mut reader = Reader::new(SimBus(&chip), Policy::DEFAULT, &mut NoDelay);
    assert!(!reader.is_online());
    let (_, skips) = read_until_ok(&mut reader, &chip, 20);
    assert!(!skips.is_empty() && skips.iter().all(|s| s.reason == Skip::Offline));
    assert!(reader.is_online());
    assert_eq!(reader.counters().reinits, 1);
}

#[test]
fn the_learner_rejects_a_bad_window() {
    let mut learner = Learner::new(nn_learn::recipe::Recipe::DEFAULT, None);
    let stuck = [[0, 0, 1000]; WINDOW];
    assert_eq!(learner.on_window(&stuck, Held::A).unwrap(), Outcome::Rejected { fault: WindowFault::Stuck });
    assert!(learner.buffer().is_empty());
}

/// The scripted session of QEMU's `--faults`: every window read through the reader from a
/// chip that follows [`FaultPlan::demo`]; a skipped window is replaced by a new window of
/// the same gesture.
#[test]
fn a_session_with_every_fault_still_learns() {
    let demo = Demo::DEFAULT;
    let chip =
        RefCell::new(SimLsm303agr::with_faults(GestureSim::new(demo.data_seed), FaultPlan::demo(demo.data_seed)));
    let mut reader = Reader::new(SimBus(&chip), Policy::DEFAULT, &mut SimDelay::new(&chip));
    let mut read = |g: Gesture| -> Result<Window, Skipped> {
        let mut last = None;
        for _ in 0..200 {
            chip.borrow_mut().start_window(g);
            match reader.read_window(&mut SimDelay::new(&chip)) {
                Ok(w) => return Ok(w),
                Err(s) => last = Some(s),
            }
        }
        Err(last.unwrap())
    };
    let mut buffer = ExampleBuffer::<DEMO_BUFFER>::new();
    demo.collect(&mut buffer, &mut read).unwrap();
    let mut net = demo.recipe.initial_net();
    nn_learn::recipe::train(&mut net, &buffer, &demo.recipe, |_, _| {}).unwrap();
    let score = demo.evaluate(&net, &mut read).unwrap();
    let c = reader.counters();
    let injected = chip.borrow().injected();
    println!("faults: accuracy {} {c} / injected {injected}", score.accuracy());
    assert!(score.accuracy() >= 0.9, "accuracy {}", score.accuracy());
    assert_eq!(c.windows, (demo.train_windows + demo.test_windows) as u32);
    assert!(injected.episodes.iter().all(|&n| n > 0), "{injected}");
    assert!(c.recovered > 0 && c.timeouts > 0 && c.stuck > 0 && c.saturated > 0 && c.reinits > 0, "{c}");
    assert!(c.bus_skips + c.offline > 0, "{c}");
}
