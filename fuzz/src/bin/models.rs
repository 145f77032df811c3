//! AFL++ entry point of the `models` target (see `intercom_fuzz_targets::models`).
#![forbid(unsafe_code)]

fn main() {
    afl::fuzz!(|data: &[u8]| {
        intercom_fuzz_targets::models(data);
    });
}
