//! Benchmarks for intercom-rs (not published).
//!
//! A measurement harness, not library code: setup failures (a port that will not bind, a
//! fixture that does not decode) stop the run with `expect` and a message, on purpose.
//!
//! * [`server`]: a canned loopback Intercom (`/me`, `/contacts/{id}`, cursor-paged `/contacts`),
//!   plain HTTP/1.1 or, with [`tls`], HTTPS offering HTTP/2 and HTTP/1.1.
//! * [`clients`]: the raw hyper-util comparator and the SDK, doing the same work.
//! * [`budget`]: clients against the sandbox's rate limit, counting every answer.
//! * the `intercom-bench` binary runs one client per process (so peak RSS is per client) and
//!   prints one `RESULT {json}` line; `cargo xtask bench` drives it and prints the tables.
//! * `benches/micro.rs`: criterion micro-benchmarks.
#![forbid(unsafe_code)]

pub mod budget;
pub mod clients;
pub mod fixture;
pub mod plain;
pub mod server;
pub mod tls;

/// Peak resident set size of this process in KiB (`VmHWM` in `/proc/self/status`), or 0 where
/// `/proc` is not available.
pub fn peak_rss_kib() -> u64 {
    proc_status_kib("VmHWM:")
}

/// Current resident set size in KiB (`VmRSS`).
pub fn rss_kib() -> u64 {
    proc_status_kib("VmRSS:")
}

fn proc_status_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The median of `samples` (0 for none).
pub fn median(samples: &[f64]) -> f64 {
    let mut s: Vec<f64> = samples.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => 0.0,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}
