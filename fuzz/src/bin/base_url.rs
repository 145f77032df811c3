//! AFL++ entry point of the `base_url` target (see `intercom_fuzz_targets::base_url`).
#![forbid(unsafe_code)]

fn main() {
    afl::fuzz!(|data: &[u8]| {
        intercom_fuzz_targets::base_url(data);
    });
}
