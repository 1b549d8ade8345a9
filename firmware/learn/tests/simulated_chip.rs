//! The simulated LSM303AGR behind the real `lsm303agr` driver: the driver decodes
//! exactly the samples the gesture simulator produced.
//!
//! Run on the host: `cargo test -p nn-learn --target x86_64-unknown-linux-gnu`.

use core::cell::RefCell;

use embedded_hal::i2c::I2c;
use nn_learn::accel::{Accelerometer, NoDelay};
use nn_learn::gesture::Gesture;
use nn_learn::sim::chip::{SimBus, SimError, SimLsm303agr};
use nn_learn::sim::gestures::GestureSim;

#[test]
fn driver_reads_the_simulator_bit_for_bit() {
    let chip = RefCell::new(SimLsm303agr::new(GestureSim::new(11)));
    let mut accel = Accelerometer::new(SimBus(&chip), &mut NoDelay).unwrap();
    let mut reference = GestureSim::new(11);
    for round in 0..30 {
        let g = Gesture::ALL[round % 3];
        chip.borrow_mut().start_window(g);
        let read = accel.read_window(&mut NoDelay).unwrap();
        assert_eq!(read, reference.window(g), "window {round} ({g})");
    }
    assert_eq!(chip.borrow().samples(), 30 * nn_learn::window::WINDOW as u32);
}

#[test]
fn configuration_lands_in_the_registers() {
    let chip = RefCell::new(SimLsm303agr::new(GestureSim::new(1)));
    let _accel = Accelerometer::new(SimBus(&chip), &mut NoDelay).unwrap();
    let c = chip.borrow();
    assert_eq!(c.accel_register(0x20), 0x47);
    assert_eq!(c.accel_register(0x23), 0x98);
}

#[test]
fn powered_down_chip_has_no_data() {
    let chip = RefCell::new(SimLsm303agr::new(GestureSim::new(1)));
    let mut bus = SimBus(&chip);
    let mut status = [0xFF];
    bus.write_read(0x19, &[0x27], &mut status).unwrap();
    assert_eq!(status, [0]);
}

#[test]
fn other_addresses_do_not_answer() {
    let chip = RefCell::new(SimLsm303agr::new(GestureSim::new(1)));
    let mut bus = SimBus(&chip);
    let mut buf = [0];
    assert_eq!(bus.write_read(0x50, &[0], &mut buf), Err(SimError::NoDevice));
    assert_eq!(bus.read(0x19, &mut buf), Err(SimError::NoRegister));
}

#[test]
fn normal_mode_at_8g_encodes_10_bits() {
    // CTRL_REG1_A = 50 Hz, CTRL_REG4_A = ±8 g, HR off: 16 mg per digit, shifted by 6.
    let chip = RefCell::new(SimLsm303agr::new(GestureSim::new(2)));
    let mut bus = SimBus(&chip);
    bus.write(0x19, &[0x20, 0x47]).unwrap();
    bus.write(0x19, &[0x23, 0x20]).unwrap();
    let mut reference = GestureSim::new(2);
    let expected = reference.sample();
    let mut out = [0u8; 6];
    bus.write_read(0x19, &[0xA8], &mut out).unwrap();
    for axis in 0..3 {
        let raw = i16::from_le_bytes([out[2 * axis], out[2 * axis + 1]]);
        assert_eq!(raw & 0x3F, 0);
        let mg = i32::from(raw >> 6) * 16;
        assert!((mg - i32::from(expected[axis])).abs() <= 8, "axis {axis}: {mg} vs {:?}", expected);
    }
}

#[test]
fn session_through_the_driver_trains_the_reference_model() {
    // What the QEMU firmware does, on the host: windows through the simulated chip and
    // the real driver, then nn-core's recipe. It must give the host reference's bits.
    use nn_core::{Model, Network};
    use nn_learn::buffer::ExampleBuffer;
    use nn_learn::gesture::GestureNet;
    use nn_learn::sim::demo::{Demo, DEMO_BUFFER};

    let demo = Demo::DEFAULT;
    let chip = RefCell::new(SimLsm303agr::new(GestureSim::new(demo.data_seed)));
    let mut accel = Accelerometer::new(SimBus(&chip), &mut NoDelay).unwrap();
    let mut read = |g: Gesture| {
        chip.borrow_mut().start_window(g);
        accel.read_window(&mut NoDelay)
    };
    let mut buffer = ExampleBuffer::<DEMO_BUFFER>::new();
    demo.collect(&mut buffer, &mut read).unwrap();
    let mut net = demo.recipe.initial_net();
    nn_learn::recipe::train(&mut net, &buffer, &demo.recipe, |_, _| {}).unwrap();
    let score = demo.evaluate(&net, &mut read).unwrap();

    let (reference, reference_score) = demo.reference().unwrap();
    let bits = |n: &GestureNet| {
        let mut p = [0.0f32; <GestureNet as Network>::PARAMS];
        n.copy_params_to(&mut p).unwrap();
        p.map(f32::to_bits)
    };
    assert_eq!(bits(&net), bits(&reference));
    assert_eq!(score, reference_score);
    assert!(score.accuracy() >= 0.9, "accuracy {}", score.accuracy());
}
