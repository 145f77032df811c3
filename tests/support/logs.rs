//! Capturing `tracing` output (as `RUST_LOG=trace` would print it) into a buffer.

use std::io;
use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// A shared buffer receiving formatted `tracing` output.
#[derive(Debug, Clone, Default)]
pub struct LogCapture {
    buf: Arc<Mutex<Vec<u8>>>,
}

impl LogCapture {
    /// Installs a TRACE-level fmt subscriber (no ANSI colours, span open and close events
    /// included so fields recorded late, such as `status` and `elapsed_ms`, show up) as the
    /// thread's default and returns the buffer with the guard that uninstalls it.
    ///
    /// The default is per thread: use it from a current-thread runtime (`#[tokio::test]`'s
    /// default), where the client's connection tasks run on the test's thread too.
    pub fn install() -> (Self, tracing::subscriber::DefaultGuard) {
        Self::install_with("trace")
    }

    /// Like [`install`](Self::install) with another `RUST_LOG`-style filter (`"debug"`, …).
    pub fn install_with(filter: &str) -> (Self, tracing::subscriber::DefaultGuard) {
        let capture = Self::default();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::new(filter))
            .with_ansi(false)
            .with_span_events(FmtSpan::NEW | FmtSpan::CLOSE)
            .with_writer(capture.clone())
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        (capture, guard)
    }

    /// Everything written so far.
    pub fn contents(&self) -> String {
        let buf = self.buf.lock().unwrap_or_else(|p| p.into_inner());
        String::from_utf8_lossy(&buf).into_owned()
    }
}

/// One writer handed out by [`LogCapture`].
#[derive(Debug)]
pub struct CaptureWriter {
    buf: Arc<Mutex<Vec<u8>>>,
}

impl io::Write for CaptureWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogCapture {
    type Writer = CaptureWriter;

    fn make_writer(&'a self) -> Self::Writer {
        CaptureWriter {
            buf: Arc::clone(&self.buf),
        }
    }
}
