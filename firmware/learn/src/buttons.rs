//! The buttons over a window: read at every poll of the sensor, not only at the window's
//! two ends, so that a press shorter than a window is seen.
//!
//! A window is labelled by the buttons held *through* it; a window during which a button
//! was pressed or released, even briefly, has no clear label and is dropped. The board
//! records the buttons into a [`ButtonLatch`] at every poll of the accelerometer
//! ([`crate::reader::Reader::read_window_with`], about every millisecond) and asks it at
//! the end of the window.

use crate::learner::Held;

/// What the buttons did over one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ButtonWindow {
    /// The same buttons were held at every read (`Held::None`: none was touched).
    Steady(Held),
    /// A button was pressed or released during the window; `pressed` holds each button
    /// that was down at some read.
    Changed {
        /// The buttons down at one read or more.
        pressed: Held,
    },
    /// The buttons were not read during the window.
    Unread,
}

/// Latches the buttons' states over a window (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ButtonLatch {
    /// Each button down at some read.
    any: [bool; 2],
    /// Each button down at every read.
    all: [bool; 2],
    reads: u32,
}

impl ButtonLatch {
    /// A latch for a new window.
    pub const fn new() -> Self {
        ButtonLatch { any: [false; 2], all: [true; 2], reads: 0 }
    }

    /// Records one read of the buttons (true: pressed).
    pub fn record(&mut self, a: bool, b: bool) {
        for ((any, all), now) in self.any.iter_mut().zip(self.all.iter_mut()).zip([a, b]) {
            *any |= now;
            *all &= now;
        }
        self.reads = self.reads.saturating_add(1);
    }

    /// Reads recorded since the window began.
    pub fn reads(&self) -> u32 {
        self.reads
    }

    /// What the buttons did since the window began; starts the next window.
    pub fn finish(&mut self) -> ButtonWindow {
        let [any_a, any_b] = self.any;
        let [all_a, all_b] = self.all;
        let result = if self.reads == 0 {
            ButtonWindow::Unread
        } else if self.any == self.all {
            ButtonWindow::Steady(Held::from_buttons(all_a, all_b))
        } else {
            ButtonWindow::Changed { pressed: Held::from_buttons(any_a, any_b) }
        };
        *self = Self::new();
        result
    }
}

impl Default for ButtonLatch {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plays `reads` (a, b) into a fresh latch and finishes the window.
    fn window(reads: &[(bool, bool)]) -> ButtonWindow {
        let mut latch = ButtonLatch::new();
        reads.iter().for_each(|&(a, b)| latch.record(a, b));
        latch.finish()
    }

    const UP: (bool, bool) = (false, false);
    const A: (bool, bool) = (true, false);
    const B: (bool, bool) = (false, true);
    const AB: (bool, bool) = (true, true);

    #[test]
    fn steady_buttons_label_the_window() {
        assert_eq!(window(&[UP; 40]), ButtonWindow::Steady(Held::None));
        assert_eq!(window(&[A; 40]), ButtonWindow::Steady(Held::A));
        assert_eq!(window(&[B; 40]), ButtonWindow::Steady(Held::B));
        assert_eq!(window(&[AB; 40]), ButtonWindow::Steady(Held::Both));
        assert_eq!(window(&[]), ButtonWindow::Unread);
    }

    /// Issue 15: a press inside the window, released before its end, was missed when the
    /// buttons were read only at the two ends.
    #[test]
    fn a_short_press_inside_the_window_is_seen() {
        let mut reads = [UP; 640];
        reads[300..320].fill(A); // 20 ms of A in a 640 ms window
        assert_eq!(window(&reads), ButtonWindow::Changed { pressed: Held::A });
        // The two ends alone agree, and would have labelled it "still".
        assert_eq!(window(&[reads[0], reads[639]]), ButtonWindow::Steady(Held::None));
        let mut reads = [A; 640];
        reads[10] = UP; // A let go for one read
        assert_eq!(window(&reads), ButtonWindow::Changed { pressed: Held::A });
        let mut reads = [B; 640];
        reads[600..].fill(AB); // A added near the end
        assert_eq!(window(&reads), ButtonWindow::Changed { pressed: Held::Both });
    }

    #[test]
    fn finishing_starts_a_new_window() {
        let mut latch = ButtonLatch::new();
        latch.record(true, false);
        latch.record(false, false);
        assert_eq!(latch.reads(), 2);
        assert_eq!(latch.finish(), ButtonWindow::Changed { pressed: Held::A });
        assert_eq!(latch.reads(), 0);
        latch.record(false, true);
        assert_eq!(latch.finish(), ButtonWindow::Steady(Held::B));
    }
}
