//! AFL++ entry point of the `path_segment` target (see `intercom_fuzz_targets::path_segment`).
#![forbid(unsafe_code)]

fn main() {
    afl::fuzz!(|data: &[u8]| {
        intercom_fuzz_targets::path_segment(data);
    });
}
