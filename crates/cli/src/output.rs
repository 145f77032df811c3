//! Output: JSON on stdout (pretty on a terminal, compact otherwise), messages on stderr.

use std::io::{IsTerminal, Write};

use serde::Serialize;

use crate::fail::Failure;

/// `-v` logs requests (debug), `-vv` everything (trace). Tokens never appear: the
/// Authorization header is a sensitive value that prints as `Sensitive`.
pub fn init_tracing(verbose: u8) {
    let filter = match verbose {
        0 => return,
        1 => "intercom_transport=debug,intercom_cli=debug,intercom_sandbox=info",
        _ => "trace",
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_target(true)
        .try_init();
}

fn pretty() -> bool {
    std::io::stdout().is_terminal()
}

fn render<T: Serialize + ?Sized>(value: &T) -> Result<String, Failure> {
    let text = if pretty() {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    text.map_err(|e| Failure::usage(format!("could not render JSON: {e}")))
}

/// Prints one JSON value and a newline.
pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<(), Failure> {
    let text = render(value)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(())
}

/// Prints a response body: re-rendered when it is JSON, as is otherwise.
pub fn body(bytes: &[u8]) -> Result<(), Failure> {
    if bytes.is_empty() {
        return Ok(());
    }
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(value) => json(&value),
        Err(_) => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            if !bytes.ends_with(b"\n") {
                out.write_all(b"\n")?;
            }
            Ok(())
        }
    }
}

/// Writes a JSON array one element at a time, so long listings stream in flat memory.
pub struct ArrayWriter {
    count: u64,
    progress: bool,
}

impl ArrayWriter {
    pub fn start() -> Result<Self, Failure> {
        write!(std::io::stdout().lock(), "[")?;
        Ok(Self {
            count: 0,
            progress: std::io::stderr().is_terminal(),
        })
    }

    pub fn push<T: Serialize>(&mut self, item: &T) -> Result<(), Failure> {
        let text = render(item)?;
        let mut out = std::io::stdout().lock();
        if self.count > 0 {
            write!(out, ",")?;
        }
        if pretty() {
            writeln!(out)?;
        }
        write!(out, "{text}")?;
        self.count += 1;
        if self.progress && self.count.is_multiple_of(50) {
            eprint!("\rfetched {} …", self.count);
        }
        Ok(())
    }

    pub fn finish(self) -> Result<u64, Failure> {
        let mut out = std::io::stdout().lock();
        if pretty() && self.count > 0 {
            writeln!(out)?;
        }
        writeln!(out, "]")?;
        if self.progress {
            eprintln!("\rfetched {} in all", self.count);
        }
        Ok(self.count)
    }
}
