//! AFL++ entry point of the `error_decoder` target (see `intercom_fuzz_targets::error_decoder`).
#![forbid(unsafe_code)]

fn main() {
    afl::fuzz!(|data: &[u8]| {
        intercom_fuzz_targets::error_decoder(data);
    });
}
