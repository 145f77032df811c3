//! `pipeline`: the whole `Client` pipeline (build, authorize, rate limiter, attempt loop,
//! redirects, body reading, decoding) behind a scripted transport.

use crate::script::{parse_script, run};

/// Runs the script in `data` (see the format in `script.rs`) through a client on a paused
/// clock, and checks what every call returned and every request the transport received:
///
/// * no call panics, and the client is still usable afterwards;
/// * the token goes only to the base URL's origin, in the client's exact header, marked
///   sensitive; no request leaves https; the first request of a call goes to the base URL;
/// * a call makes at most `attempts × 11` requests and ends by its total deadline;
/// * `execute` returns only 2xx answers, bodies within the cap, a rate-limit snapshot that
///   matches the headers; errors never show the token nor a raw control or bidi character
///   in `Display`, and are of the kind the configuration allows (no `Redirect` while following, a `BodyTooLarge` with the configured cap, …);
/// * a typed call's path has its template's segments, none a dot segment;
/// * numbered pages never go backwards; a page stream ends after its first error.
pub fn pipeline(data: &[u8]) {
    let (config, steps) = parse_script(data);
    let _ = run(&config, steps, data);
}
