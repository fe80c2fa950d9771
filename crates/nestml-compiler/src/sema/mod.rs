//! Semantic analysis: units, types, symbols and context conditions.

pub mod units;
