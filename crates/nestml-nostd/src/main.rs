//! `nestml-nostd`: runs [`nestml_nostd::check`] without `std`, `alloc` or a global allocator
//! (so a neuron step cannot allocate: there is nothing to allocate with) and exits with 0 if
//! every result is the expected one, 1 otherwise. Built by `tools/check_nostd.sh`
//! (`cargo build -p nestml-nostd --profile nostd --features binary`), linked with the C
//! library for `main`, `write` and `abort`. If any dependency linked `std`, its panic handler
//! would clash with the one below and the build would fail.

#![no_std]
#![no_main]

use core::ffi::{c_char, c_int};

#[link(name = "c")]
unsafe extern "C" {
    fn write(fd: c_int, buf: *const u8, count: usize) -> isize;
    fn abort() -> !;
}

fn say(fd: c_int, text: &str) {
    // SAFETY: `text` is valid for `text.len()` bytes.
    unsafe { write(fd, text.as_ptr(), text.len()) };
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    say(2, "nestml-nostd: panic\n");
    // SAFETY: C's `abort` has no preconditions.
    unsafe { abort() }
}

/// Named by the unwind tables of the precompiled `core` (built for `panic = "unwind"`); under
/// `panic = "abort"` nothing unwinds, so it is never called.
#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() {}

/// C's `main`, called by the C runtime's start code.
#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    match nestml_nostd::check() {
        Ok(()) => {
            say(1, "nestml-nostd: ok\n");
            0
        }
        Err(what) => {
            say(2, "nestml-nostd: ");
            say(2, what);
            say(2, "\n");
            1
        }
    }
}
