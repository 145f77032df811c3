//! AFL++ entry point of the `search` target (see `intercom_fuzz_targets::search`).
#![forbid(unsafe_code)]

fn main() {
    afl::fuzz!(|data: &[u8]| {
        intercom_fuzz_targets::search(data);
    });
}
