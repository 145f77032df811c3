//! Capturing `tracing` output (as `RUST_LOG=trace` would print it) into a buffer.
//!
//! One subscriber is installed process-wide, once, and writes each event into the buffer of the
//! thread that emitted it (if that thread is capturing). A per-thread default subscriber
//! (`tracing::subscriber::set_default`) would be simpler but is racy when tests run in
//! parallel: a callsite first hit by another test while this one installs its subscriber can
//! have its interest cached as "never", and then this test sees no events at all.

use std::cell::RefCell;
use std::io;
use std::sync::{Arc, Mutex, OnceLock};

use tracing::level_filters::LevelFilter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer;

type Buffer = Arc<Mutex<Vec<u8>>>;

thread_local! {
    /// The capture active on this thread and the most verbose level it records.
    static ACTIVE: RefCell<Option<(Buffer, LevelFilter)>> = const { RefCell::new(None) };
}

/// A shared buffer receiving formatted `tracing` output.
#[derive(Debug, Clone, Default)]
pub struct LogCapture {
    buf: Buffer,
}

/// Stops the capture on this thread when dropped.
#[derive(Debug)]
pub struct CaptureGuard(());

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        ACTIVE.with(|active| active.borrow_mut().take());
    }
}

impl LogCapture {
    /// Captures everything down to TRACE (span open and close events included, so fields
    /// recorded late, such as `status` and `elapsed_ms`, show up, no ANSI colours) emitted on
    /// this thread until the guard drops.
    ///
    /// Capture is per thread: use it from a current-thread runtime (`#[tokio::test]`'s
    /// default), where the client's connection tasks run on the test's thread too.
    pub fn install() -> (Self, CaptureGuard) {
        Self::install_with("trace")
    }

    /// Like [`install`](Self::install) down to another level (`"debug"`, `"info"`, …).
    pub fn install_with(level: &str) -> (Self, CaptureGuard) {
        install_global();
        let level: LevelFilter = level.parse().expect("a level name such as \"debug\"");
        let capture = Self::default();
        ACTIVE.with(|active| *active.borrow_mut() = Some((Arc::clone(&capture.buf), level)));
        (capture, CaptureGuard(()))
    }

    /// Everything written so far.
    pub fn contents(&self) -> String {
        let buf = self.buf.lock().unwrap_or_else(|p| p.into_inner());
        String::from_utf8_lossy(&buf).into_owned()
    }
}

fn install_global() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        // A dynamic filter (it reads the thread-local): its callsites are asked on every event,
        // never cached as "always" or "never" (`filter_fn` would cache them).
        let only_capturing_threads = tracing_subscriber::filter::dynamic_filter_fn(|meta, _| {
            ACTIVE.with(|active| {
                active
                    .borrow()
                    .as_ref()
                    .is_some_and(|(_, level)| level >= meta.level())
            })
        });
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_span_events(FmtSpan::NEW | FmtSpan::CLOSE)
            .with_writer(ThreadWriter)
            .with_filter(only_capturing_threads);
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
            .expect("no other global subscriber in the test process");
    });
}

/// Hands out writers into the current thread's capture buffer (or a sink when none).
struct ThreadWriter;

/// One writer handed out by `ThreadWriter`.
#[derive(Debug)]
struct CaptureWriter {
    buf: Option<Buffer>,
}

impl io::Write for CaptureWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if let Some(buf) = &self.buf {
            buf.lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend_from_slice(data);
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for ThreadWriter {
    type Writer = CaptureWriter;

    fn make_writer(&'a self) -> Self::Writer {
        CaptureWriter {
            buf: ACTIVE.with(|active| active.borrow().as_ref().map(|(buf, _)| Arc::clone(buf))),
        }
    }
}
