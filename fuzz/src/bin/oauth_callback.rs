//! AFL++ entry point of the `oauth_callback` target (see `intercom_fuzz_targets::oauth_callback`).
#![forbid(unsafe_code)]

fn main() {
    afl::fuzz!(|data: &[u8]| {
        intercom_fuzz_targets::oauth_callback(data);
    });
}
