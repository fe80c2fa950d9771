// The path is relative to the Cargo.toml of the crate being compiled; this file does not exist.
nestml::include_nestml!("models/does_not_exist.nestml");

fn main() {}
