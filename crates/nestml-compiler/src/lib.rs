//! The NESTML 9 language front-end: lexing, parsing, semantic analysis and diagnostics.

pub mod diagnostics;
pub mod sema;
pub mod syntax;
