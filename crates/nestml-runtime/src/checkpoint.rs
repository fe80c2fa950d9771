//! [`Checkpoint`]: the state a run continues from, as a flat list of 64-bit words, so that a
//! network saved after `simulate(a)` and loaded into the same network built anew continues
//! exactly as `simulate(a + b)` would have. Generated neurons and synapses implement it for
//! every field that carries over between steps (model variables, convolution states, input
//! buffers, the adaptive solver's step, …); the runtime's own parts implement it here.
//!
//! Words go to a [`WordSink`]: a `Vec<u64>` (feature `alloc`) or, without an allocator, a
//! [`WordBuf`] over a fixed buffer.

#[cfg(feature = "alloc")]
use alloc::{format, string::String, vec::Vec};
use core::fmt;

/// The state of a value as words (reals and integers by their bits).
pub trait Checkpoint {
    /// Appends the state's words to `out`.
    fn save(&self, out: &mut dyn WordSink);
    /// Reads what [`save`](Checkpoint::save) wrote, advancing `input`.
    fn restore(&mut self, input: &mut &[u64]) -> Result<(), CheckpointError>;
}

/// Where [`Checkpoint::save`] writes.
pub trait WordSink {
    /// Appends one word.
    fn push(&mut self, word: u64);
}

#[cfg(feature = "alloc")]
impl WordSink for Vec<u64> {
    #[inline]
    fn push(&mut self, word: u64) {
        Vec::push(self, word)
    }
}

/// A [`WordSink`] over a fixed buffer, for builds without an allocator: it fills the buffer
/// and counts the words that did not fit.
#[derive(Debug)]
pub struct WordBuf<'a> {
    words: &'a mut [u64],
    len: usize,
}

impl<'a> WordBuf<'a> {
    /// An empty checkpoint in `words`.
    pub fn new(words: &'a mut [u64]) -> Self {
        WordBuf { words, len: 0 }
    }

    /// The words written, or an error if the buffer was too small (the error says how many
    /// words were needed).
    pub fn finish(self) -> Result<&'a [u64], CheckpointError> {
        if self.len <= self.words.len() {
            Ok(&self.words[..self.len])
        } else {
            Err(CheckpointError::Buffer { needed: self.len, len: self.words.len() })
        }
    }
}

impl WordSink for WordBuf<'_> {
    #[inline]
    fn push(&mut self, word: u64) {
        if let Some(w) = self.words.get_mut(self.len) {
            *w = word;
        }
        self.len += 1;
    }
}

/// A checkpoint that does not fit what it is loaded into, or a buffer it does not fit into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckpointError {
    /// The words end before the state does.
    EndsEarly,
    /// A count or tag in the checkpoint differs from the value loaded into.
    Mismatch {
        /// What the word is (`neurons`, …).
        what: &'static str,
        /// The word in the checkpoint.
        got: u64,
        /// The value here.
        expected: u64,
    },
    /// A word that is no valid value of what it encodes.
    Invalid {
        /// What the word is (`random generator kind`, …).
        what: &'static str,
        /// The word in the checkpoint.
        got: u64,
    },
    /// A [`WordBuf`] too small for the state.
    Buffer {
        /// The words the state needs.
        needed: usize,
        /// The buffer's length.
        len: usize,
    },
    /// Anything else, described.
    #[cfg(feature = "alloc")]
    Other(String),
}

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckpointError::EndsEarly => write!(f, "checkpoint does not fit: it ends early"),
            CheckpointError::Mismatch { what, got, expected } => {
                write!(f, "checkpoint does not fit: {what}: {got} in the checkpoint, {expected} here")
            }
            CheckpointError::Invalid { what, got } => write!(f, "checkpoint does not fit: {what} {got}"),
            CheckpointError::Buffer { needed, len } => {
                write!(f, "checkpoint needs {needed} words, the buffer has {len}")
            }
            #[cfg(feature = "alloc")]
            CheckpointError::Other(message) => write!(f, "checkpoint does not fit: {message}"),
        }
    }
}

impl core::error::Error for CheckpointError {}

/// The next word of `input`.
pub fn word(input: &mut &[u64]) -> Result<u64, CheckpointError> {
    let (&w, rest) = input.split_first().ok_or(CheckpointError::EndsEarly)?;
    *input = rest;
    Ok(w)
}

/// Checks that the next word is `expected` (a count or a tag), naming `what`.
pub fn expect(input: &mut &[u64], expected: u64, what: &'static str) -> Result<(), CheckpointError> {
    let got = word(input)?;
    if got == expected {
        Ok(())
    } else {
        Err(CheckpointError::Mismatch { what, got, expected })
    }
}

/// `Checkpoint` for a scalar stored as one word: `to` gives the word of `self`, `from` the
/// value of word `w`.
macro_rules! one_word {
    ($t:ty, |$v:ident| $to:expr, |$w:ident| $from:expr) => {
        impl Checkpoint for $t {
            fn save(&self, out: &mut dyn WordSink) {
                let $v = *self;
                out.push($to);
            }
            fn restore(&mut self, input: &mut &[u64]) -> Result<(), CheckpointError> {
                let $w = word(input)?;
                *self = $from;
                Ok(())
            }
        }
    };
}

one_word!(f64, |v| v.to_bits(), |w| f64::from_bits(w));
// An `f32` in the low half; a wider word (an `f64`'s bits) is no `f32`.
one_word!(f32, |v| v.to_bits() as u64, |w| f32::from_bits(
    u32::try_from(w).map_err(|_| CheckpointError::Invalid { what: "f32", got: w })?
));
one_word!(i64, |v| v as u64, |w| w as i64);
one_word!(u32, |v| v as u64, |w| w as u32);
one_word!(bool, |v| v as u64, |w| w != 0);

impl<T: Checkpoint, const N: usize> Checkpoint for [T; N] {
    fn save(&self, out: &mut dyn WordSink) {
        self.iter().for_each(|x| x.save(out));
    }
    fn restore(&mut self, input: &mut &[u64]) -> Result<(), CheckpointError> {
        self.iter_mut().try_for_each(|x| x.restore(input))
    }
}

/// A vector: its length, then its elements (restored to that length).
#[cfg(feature = "alloc")]
impl<T: Checkpoint + Default + Clone> Checkpoint for Vec<T> {
    fn save(&self, out: &mut dyn WordSink) {
        out.push(self.len() as u64);
        self.iter().for_each(|x| x.save(out));
    }
    fn restore(&mut self, input: &mut &[u64]) -> Result<(), CheckpointError> {
        let n = word(input)? as usize;
        if n > input.len() {
            return Err(CheckpointError::Other(format!("a vector of {n} elements in {} words", input.len())));
        }
        self.resize(n, T::default());
        self.iter_mut().try_for_each(|x| x.restore(input))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::string::ToString;

    #[test]
    fn values_round_trip_through_a_fixed_buffer_and_misfits_are_errors() {
        let (a, b, c, u) = (-0.1_f64, -7_i64, true, 9_u32);
        let mut words = [0_u64; 7];
        let mut out = WordBuf::new(&mut words);
        a.save(&mut out);
        b.save(&mut out);
        c.save(&mut out);
        u.save(&mut out);
        [2.0_f64; 3].save(&mut out);
        let mut input = out.finish().unwrap();
        let (mut a2, mut b2, mut c2, mut u2, mut e2) = (0.0_f64, 0_i64, false, 0_u32, [0.0_f64; 3]);
        a2.restore(&mut input).unwrap();
        b2.restore(&mut input).unwrap();
        c2.restore(&mut input).unwrap();
        u2.restore(&mut input).unwrap();
        e2.restore(&mut input).unwrap();
        assert!(input.is_empty());
        assert_eq!((a2, b2, c2, u2, e2), (a, b, c, u, [2.0; 3]));
        assert_eq!(a2.restore(&mut input), Err(CheckpointError::EndsEarly));
        assert!(expect(&mut &[3_u64][..], 4, "neurons").unwrap_err().to_string().contains("neurons: 3 in the checkpoint, 4 here"));
        let mut small = [0_u64; 2];
        let mut out = WordBuf::new(&mut small);
        [1.0_f64; 3].save(&mut out);
        assert_eq!(out.finish(), Err(CheckpointError::Buffer { needed: 3, len: 2 }));
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn vectors_round_trip_with_their_length() {
        let d = alloc::vec![1.5_f64, f64::NAN];
        let mut out = Vec::new();
        d.save(&mut out);
        assert_eq!(out.len(), 3);
        let mut d2 = Vec::<f64>::new();
        d2.restore(&mut &out[..]).unwrap();
        assert_eq!(d2[0], 1.5);
        assert!(d2[1].is_nan());
        assert!(Vec::<f64>::new().restore(&mut &[1000_u64][..]).is_err());
    }

    #[test]
    fn f32_is_one_word_of_its_bits_and_wider_words_are_invalid() {
        let mut words = [0_u64; 2];
        let mut out = WordBuf::new(&mut words);
        (-0.1_f32).save(&mut out);
        f32::NAN.save(&mut out);
        let mut input = out.finish().unwrap();
        assert_eq!(input[0], (-0.1_f32).to_bits() as u64);
        let (mut a, mut b) = (0.0_f32, 0.0_f32);
        a.restore(&mut input).unwrap();
        b.restore(&mut input).unwrap();
        assert!(a == -0.1 && b.is_nan());
        let w = 0.5_f64.to_bits();
        assert_eq!(a.restore(&mut &[w][..]), Err(CheckpointError::Invalid { what: "f32", got: w }));
    }
}
