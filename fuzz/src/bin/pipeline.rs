//! AFL++ entry point of the `pipeline` target (see `intercom_fuzz_targets::pipeline`).
#![forbid(unsafe_code)]

fn main() {
    afl::fuzz!(|data: &[u8]| {
        intercom_fuzz_targets::pipeline(data);
    });
}
