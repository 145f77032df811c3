//! Fuzz targets for intercom-rs.
//!
//! Each target is a plain function `fn(&[u8])` that must return normally for every input: a
//! panic is a bug, either in the library (a crash a hostile server or a careless user could
//! cause) or in a property the target asserts about it. The same functions run
//!
//! * under AFL++ (coverage-guided, on the stable toolchain), one binary per target in the
//!   `fuzz/` package beside the workspace, driven by `cargo xtask fuzz`;
//! * as ordinary tests of this crate (`cargo xtask test`): random bytes through proptest, and
//!   every committed corpus file and regression input replayed.
//!
//! The targets, and what each asserts besides "no panic", are listed in [`TARGETS`] and
//! described in `docs/fuzzing.md`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod base_url;
mod error_decoder;
mod models;
mod oauth_callback;
mod path_segment;
mod pipeline;
mod script;
mod search;
mod webhook;

pub use base_url::base_url;
pub use error_decoder::error_decoder;
pub use models::{model_type_names, models};
pub use oauth_callback::oauth_callback;
pub use path_segment::path_segment;
pub use pipeline::pipeline;
pub use search::search;
pub use webhook::webhook;

/// A fuzz target: must return normally for every input.
pub type Target = fn(&[u8]);

/// Every target by name, in the order `cargo xtask fuzz` runs them.
pub const TARGETS: &[(&str, Target)] = &[
    ("pipeline", pipeline),
    ("models", models),
    ("error_decoder", error_decoder),
    ("webhook", webhook),
    ("oauth_callback", oauth_callback),
    ("base_url", base_url),
    ("path_segment", path_segment),
    ("search", search),
];

/// The target called `name`, if there is one.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}
