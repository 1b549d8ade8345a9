//! The replay stream: a labelled recording and its replay configuration as bytes, for a
//! device to replay what the host replays (`nn replay --device-stream`, QEMU's
//! `--replay=FILE` through semihosting). One format, written and read here, so the host
//! and the device cannot disagree about it.
//!
//! Little-endian throughout:
//!
//! | bytes | field |
//! |---|---|
//! | 4 | magic `NNRS` |
//! | 1 | version, 1 |
//! | 1 | axes |
//! | 1 | classes |
//! | 1 | split kind: 0 every k-th window of a class, 1 one session, 2 sessions from |
//! | 4 | split value (k, or the session id) |
//! | 2 | window, samples |
//! | 2 | hop, samples |
//! | 4 | counts per unit, `f32` bits |
//! | 4 | records that follow |
//!
//! then per record: class (1 byte), session (4), and `axes` counts (4 each, `i32`).

use core::fmt;

use crate::replay::{Record, Split};

/// Bytes of the header.
pub const HEADER: usize = 24;
const MAGIC: &[u8; 4] = b"NNRS";
const VERSION: u8 = 1;

/// What the header of a replay stream says.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Header {
    /// Axes per record.
    pub axes: u8,
    /// Classes of the recording.
    pub classes: u8,
    /// Which windows are held out.
    pub split: Split,
    /// Samples per window.
    pub window: u16,
    /// Samples between window starts.
    pub hop: u16,
    /// Counts per unit of every axis.
    pub counts_per_unit: f32,
    /// Records that follow.
    pub records: u32,
}

/// Why bytes are not a replay stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum StreamError {
    /// Fewer bytes than a header, or than the records it announces.
    Truncated,
    /// Not `NNRS`, or another version.
    NotAStream,
    /// An unknown split kind.
    Split,
    /// The stream's axes differ from the reader's.
    Axes {
        /// What the reader was built for.
        expected: u8,
        /// What the stream holds.
        found: u8,
    },
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Truncated => f.write_str("the replay stream is truncated"),
            StreamError::NotAStream => f.write_str("not a replay stream (NNRS version 1)"),
            StreamError::Split => f.write_str("unknown split kind in the replay stream"),
            StreamError::Axes { expected, found } => {
                write!(f, "the stream has {found} axes, this build replays {expected}")
            }
        }
    }
}

impl core::error::Error for StreamError {}

/// Bytes of one record of `axes` axes.
pub const fn record_len(axes: usize) -> usize {
    5 + 4 * axes
}

impl Header {
    /// The header's bytes.
    pub fn encode(&self) -> [u8; HEADER] {
        let mut out = [0u8; HEADER];
        let (kind, value) = match self.split {
            Split::EveryKth(k) => (0u8, u32::from(k)),
            Split::Session(s) => (1, s),
            Split::SessionsFrom(s) => (2, s),
        };
        let fields: [&[u8]; 10] = [
            MAGIC,
            &[VERSION],
            &[self.axes],
            &[self.classes],
            &[kind],
            &value.to_le_bytes(),
            &self.window.to_le_bytes(),
            &self.hop.to_le_bytes(),
            &self.counts_per_unit.to_bits().to_le_bytes(),
            &self.records.to_le_bytes(),
        ];
        let mut at = 0;
        for field in fields {
            for &b in field {
                if let Some(slot) = out.get_mut(at) {
                    *slot = b;
                }
                at += 1;
            }
        }
        out
    }

    /// Reads a header from the start of `bytes`.
    pub fn decode(bytes: &[u8]) -> Result<Header, StreamError> {
        let b = bytes.get(..HEADER).ok_or(StreamError::Truncated)?;
        let u32_at = |i: usize| b.get(i..i + 4).map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]));
        let u16_at = |i: usize| b.get(i..i + 2).map_or(0, |s| u16::from_le_bytes([s[0], s[1]]));
        if b.get(..4) != Some(&MAGIC[..]) || b.get(4) != Some(&VERSION) {
            return Err(StreamError::NotAStream);
        }
        let byte = |i: usize| b.get(i).copied().unwrap_or(0);
        let value = u32_at(8);
        let split = match byte(7) {
            0 => Split::EveryKth(u16::try_from(value).map_err(|_| StreamError::Split)?),
            1 => Split::Session(value),
            2 => Split::SessionsFrom(value),
            _ => return Err(StreamError::Split),
        };
        Ok(Header {
            axes: byte(5),
            classes: byte(6),
            split,
            window: u16_at(12),
            hop: u16_at(14),
            counts_per_unit: f32::from_bits(u32_at(16)),
            records: u32_at(20),
        })
    }
}

/// One record's bytes, written into `out` (which must hold [`record_len`] bytes).
pub fn encode_record<const AXES: usize>(record: &Record<AXES>, out: &mut [u8]) -> Result<(), StreamError> {
    let out = out.get_mut(..record_len(AXES)).ok_or(StreamError::Truncated)?;
    let mut bytes = out.iter_mut();
    let mut put = |b: &[u8]| b.iter().for_each(|&b| bytes.next().into_iter().for_each(|slot| *slot = b));
    put(&[record.class]);
    put(&record.session.to_le_bytes());
    record.sample.iter().for_each(|v| put(&v.to_le_bytes()));
    Ok(())
}

/// Reads one record of `AXES` axes from the start of `bytes`.
pub fn decode_record<const AXES: usize>(bytes: &[u8]) -> Result<Record<AXES>, StreamError> {
    let b = bytes.get(..record_len(AXES)).ok_or(StreamError::Truncated)?;
    let i32_at = |i: usize| b.get(i..i + 4).map_or(0, |s| i32::from_le_bytes([s[0], s[1], s[2], s[3]]));
    let mut sample = [0i32; AXES];
    for (axis, v) in sample.iter_mut().enumerate() {
        *v = i32_at(5 + 4 * axis);
    }
    Ok(Record { class: b.first().copied().unwrap_or(0), session: i32_at(1) as u32, sample })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_records_round_trip() {
        let h = Header {
            axes: 6,
            classes: 4,
            split: Split::SessionsFrom(40),
            window: 20,
            hop: 10,
            counts_per_unit: 1000.0,
            records: 2,
        };
        assert_eq!(Header::decode(&h.encode()), Ok(h));
        for split in [Split::EveryKth(4), Split::Session(u32::MAX)] {
            let h = Header { split, ..h };
            assert_eq!(Header::decode(&h.encode()), Ok(h));
        }
        let r = Record { class: 3, session: 0xdead_beef, sample: [i32::MIN, -1, 0, 1, 1000, i32::MAX] };
        let mut bytes = [0u8; record_len(6)];
        encode_record(&r, &mut bytes).unwrap();
        assert_eq!(decode_record::<6>(&bytes), Ok(r));
        // Hand-checked layout: class, then the session little-endian.
        assert_eq!(bytes[..5], [3, 0xef, 0xbe, 0xad, 0xde]);
    }

    #[test]
    fn bad_bytes_are_refused() {
        let good = Header {
            axes: 1,
            classes: 2,
            split: Split::EveryKth(4),
            window: 8,
            hop: 4,
            counts_per_unit: 1.0,
            records: 0,
        }
        .encode();
        assert_eq!(Header::decode(&good[..HEADER - 1]), Err(StreamError::Truncated));
        let mut bad = good;
        bad[0] = b'X';
        assert_eq!(Header::decode(&bad), Err(StreamError::NotAStream));
        let mut bad = good;
        bad[4] = 2;
        assert_eq!(Header::decode(&bad), Err(StreamError::NotAStream));
        let mut bad = good;
        bad[7] = 3;
        assert_eq!(Header::decode(&bad), Err(StreamError::Split));
        let mut bad = good;
        bad[7] = 0;
        bad[10] = 1; // k = 65536 does not fit the every-k-th split
        assert_eq!(Header::decode(&bad), Err(StreamError::Split));
        assert_eq!(decode_record::<2>(&[0; 12]), Err(StreamError::Truncated));
        assert_eq!(
            encode_record(&Record { class: 0, session: 0, sample: [0; 2] }, &mut [0; 12]),
            Err(StreamError::Truncated)
        );
    }
}
