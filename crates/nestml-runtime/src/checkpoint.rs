//! [`Checkpoint`]: the state a run continues from, as a flat list of 64-bit words, so that a
//! network saved after `simulate(a)` and loaded into the same network built anew continues
//! exactly as `simulate(a + b)` would have. Generated neurons and synapses implement it for
//! every field that carries over between steps (model variables, convolution states, input
//! buffers, the adaptive solver's step, …); the runtime's own parts implement it here.

use std::fmt;

/// The state of a value as words (reals and integers by their bits).
pub trait Checkpoint {
    /// Appends the state's words to `out`.
    fn save(&self, out: &mut Vec<u64>);
    /// Reads what [`save`](Checkpoint::save) wrote, advancing `input`.
    fn restore(&mut self, input: &mut &[u64]) -> Result<(), CheckpointError>;
}

/// A checkpoint that does not fit what it is loaded into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointError(pub String);

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "checkpoint does not fit: {}", self.0)
    }
}

impl std::error::Error for CheckpointError {}

/// The next word of `input`.
pub fn word(input: &mut &[u64]) -> Result<u64, CheckpointError> {
    let (&w, rest) = input.split_first().ok_or_else(|| CheckpointError("it ends early".into()))?;
    *input = rest;
    Ok(w)
}

/// Checks that the next word is `expected` (a count or a tag), naming `what`.
pub fn expect(input: &mut &[u64], expected: u64, what: &str) -> Result<(), CheckpointError> {
    let got = word(input)?;
    if got == expected {
        Ok(())
    } else {
        Err(CheckpointError(format!("{what}: {got} in the checkpoint, {expected} here")))
    }
}

/// `Checkpoint` for a scalar stored as one word: `to` gives the word of `self`, `from` the
/// value of word `w`.
macro_rules! one_word {
    ($t:ty, |$v:ident| $to:expr, |$w:ident| $from:expr) => {
        impl Checkpoint for $t {
            fn save(&self, out: &mut Vec<u64>) {
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
one_word!(i64, |v| v as u64, |w| w as i64);
one_word!(u32, |v| v as u64, |w| w as u32);
one_word!(bool, |v| v as u64, |w| w != 0);

impl<T: Checkpoint, const N: usize> Checkpoint for [T; N] {
    fn save(&self, out: &mut Vec<u64>) {
        self.iter().for_each(|x| x.save(out));
    }
    fn restore(&mut self, input: &mut &[u64]) -> Result<(), CheckpointError> {
        self.iter_mut().try_for_each(|x| x.restore(input))
    }
}

/// A vector: its length, then its elements (restored to that length).
impl<T: Checkpoint + Default + Clone> Checkpoint for Vec<T> {
    fn save(&self, out: &mut Vec<u64>) {
        out.push(self.len() as u64);
        self.iter().for_each(|x| x.save(out));
    }
    fn restore(&mut self, input: &mut &[u64]) -> Result<(), CheckpointError> {
        let n = word(input)? as usize;
        if n > input.len() {
            return Err(CheckpointError(format!("a vector of {n} elements in {} words", input.len())));
        }
        self.resize(n, T::default());
        self.iter_mut().try_for_each(|x| x.restore(input))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_misfits_are_errors() {
        let (a, b, c, d) = (-0.1_f64, -7_i64, true, vec![1.5_f64, f64::NAN]);
        let mut out = Vec::new();
        a.save(&mut out);
        b.save(&mut out);
        c.save(&mut out);
        d.save(&mut out);
        [2.0_f64; 3].save(&mut out);
        let mut input = &out[..];
        let (mut a2, mut b2, mut c2, mut d2, mut e2) = (0.0_f64, 0_i64, false, Vec::<f64>::new(), [0.0_f64; 3]);
        a2.restore(&mut input).unwrap();
        b2.restore(&mut input).unwrap();
        c2.restore(&mut input).unwrap();
        d2.restore(&mut input).unwrap();
        e2.restore(&mut input).unwrap();
        assert!(input.is_empty());
        assert_eq!((a2, b2, c2, e2), (a, b, c, [2.0; 3]));
        assert_eq!(d2[0], 1.5);
        assert!(d2[1].is_nan());
        assert!(a2.restore(&mut input).is_err(), "ends early");
        assert!(expect(&mut &[3_u64][..], 4, "neurons").unwrap_err().to_string().contains("neurons: 3 in the checkpoint, 4 here"));
        assert!(Vec::<f64>::new().restore(&mut &[1000_u64][..]).is_err());
    }
}
