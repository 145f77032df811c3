//! AFL++ entry point of the `webhook` target (see `intercom_fuzz_targets::webhook`).
#![forbid(unsafe_code)]

fn main() {
    afl::fuzz!(|data: &[u8]| {
        intercom_fuzz_targets::webhook(data);
    });
}
