//! What generated code names and the user's crate may lack (`::nestml::__private::…`), so
//! that generated code compiles with and without `std`. Not a public API.
//!
//! - `Vec`, `vec!`, `format!` (feature `alloc`): `alloc`'s, for models with resizable vectors
//!   (and, with `alloc`, `SetError::Unknown`'s name).
//! - `print!` and `println!`: NESTML's `print`/`println`; with `std` those of `std`, without
//!   it they evaluate their arguments (as `format_args!`) and print nothing.

#[cfg(feature = "alloc")]
pub use alloc::{format, vec, vec::Vec};

#[cfg(feature = "std")]
pub use std::{print, println};


/// `print!` without `std`: evaluates its arguments and prints nothing.
#[cfg(not(feature = "std"))]
#[macro_export]
#[doc(hidden)]
macro_rules! __nestml_print {
    () => {};
    ($($arg:tt)+) => {{
        let _ = ::core::format_args!($($arg)+);
    }};
}

#[cfg(not(feature = "std"))]
pub use crate::{__nestml_print as print, __nestml_print as println};

#[cfg(test)]
mod tests {
    #[test]
    fn println_evaluates_its_arguments_once() {
        let mut n = 0;
        super::println!("{} {n}", { n += 1; n });
        super::println!();
        assert_eq!(n, 1);
    }
}
