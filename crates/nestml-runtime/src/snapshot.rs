//! State snapshots through serde (feature `serde`): a generated neuron or synapse, or the
//! [`NestmlRng`], serializes as its model name and its [`Checkpoint`] words, so that a
//! controller can save its neurons (JSON, bincode, …) and continue from them bit for bit. The
//! generated `Serialize`/`Deserialize` impls call [`serialize`] and [`deserialize`].

use crate::checkpoint::Checkpoint;
use crate::rng::NestmlRng;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use alloc::borrow::Cow;
use alloc::{format, vec::Vec};

pub use serde;

/// What a snapshot holds.
#[derive(Serialize, Deserialize)]
struct Snapshot<'a> {
    model: Cow<'a, str>,
    words: Vec<u64>,
}

/// Serializes `value` of model `model` as its checkpoint.
pub fn serialize<T: Checkpoint, S: Serializer>(model: &str, value: &T, s: S) -> Result<S::Ok, S::Error> {
    let mut words = Vec::new();
    value.save(&mut words);
    Snapshot { model: Cow::Borrowed(model), words }.serialize(s)
}

/// Restores a snapshot of model `model` into `value` (a value of the same model, e.g. its
/// default); a snapshot of another model, or one that does not fit, is an error.
pub fn deserialize<'de, T: Checkpoint, D: Deserializer<'de>>(model: &str, mut value: T, d: D) -> Result<T, D::Error> {
    let snapshot = Snapshot::deserialize(d)?;
    if snapshot.model != model {
        return Err(D::Error::custom(format!("a snapshot of `{}`, not of `{model}`", snapshot.model)));
    }
    let mut input = snapshot.words.as_slice();
    value.restore(&mut input).map_err(D::Error::custom)?;
    if !input.is_empty() {
        return Err(D::Error::custom(format!("the snapshot of `{model}` has {} words too many", input.len())));
    }
    Ok(value)
}

impl Serialize for NestmlRng {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize("NestmlRng", self, s)
    }
}

impl<'de> Deserialize<'de> for NestmlRng {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize("NestmlRng", NestmlRng::seed_from_u64(0), d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_random_stream_continues_from_its_snapshot() {
        let mut rng = NestmlRng::with_stream(7, 3);
        for _ in 0..5 {
            rng.normal(0.0, 1.0);
        }
        let json = serde_json::to_string(&rng).unwrap();
        let mut copy: NestmlRng = serde_json::from_str(&json).unwrap();
        for _ in 0..10 {
            assert_eq!(rng.uniform01().to_bits(), copy.uniform01().to_bits());
        }
    }

    #[test]
    fn a_snapshot_of_another_model_is_refused() {
        let json = r#"{"model":"iaf_psc_exp_neuron","words":[1,2]}"#;
        let err = serde_json::from_str::<NestmlRng>(json).unwrap_err().to_string();
        assert!(err.contains("`iaf_psc_exp_neuron`, not of `NestmlRng`"), "{err}");
    }
}
