//! Telemetry: tracing set-up (text or JSON logs) and the Prometheus metrics of the original,
//! under their original names (CONTRACT.md, Observability).

use prometheus::{
    Counter, CounterVec, Encoder, Gauge, GaugeVec, HistogramOpts, HistogramVec, Opts, Registry,
    TextEncoder,
};
use tracing_subscriber::EnvFilter;

pub mod emf;
pub mod fleet;

/// Installs the global subscriber once. `RUST_LOG` overrides `default_filter`;
/// `LOG_FORMAT=json` gives one JSON object a line.
pub fn init_tracing(default_filter: &str) {
    init_tracing_as(default_filter, false)
}

/// As `init_tracing`, with JSON logs unless `LOG_FORMAT=text` when `json_by_default` (Lambda).
pub fn init_tracing_as(default_filter: &str, json_by_default: bool) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let json = match std::env::var("LOG_FORMAT") {
        Ok(v) => v == "json",
        Err(_) => json_by_default,
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// The metric families, registered in a registry of their own (one per `App`).
pub struct Metrics {
    pub registry: Registry,
    pub http_requests_total: CounterVec,
    pub http_request_duration_seconds: HistogramVec,
    pub http_requests_in_progress: GaugeVec,
    pub processing_jobs_queued_total: Counter,
    pub processing_jobs_processed_total: CounterVec,
    pub processing_characters_extracted_total: Counter,
    pub processing_characters_processed_total: CounterVec,
    pub processing_pipeline_duration_seconds: HistogramVec,
    pub processing_active_workers: Gauge,
    /// Write each flush as CloudWatch EMF on stdout (`METRICS_EMF=1`, set on Lambda).
    pub emf: bool,
    fleet: fleet::FlushState,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let http_requests_total = CounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by method, endpoint and status",
            ),
            &["method", "endpoint", "status_code"],
        )
        .expect("valid metric");
        let http_request_duration_seconds = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency to response headers",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["method", "endpoint"],
        )
        .expect("valid metric");
        let http_requests_in_progress = GaugeVec::new(
            Opts::new("http_requests_in_progress", "HTTP requests being handled"),
            &["method", "endpoint"],
        )
        .expect("valid metric");
        let processing_jobs_queued_total = Counter::new(
            "processing_jobs_queued_total",
            "Jobs pushed to processing_queue",
        )
        .expect("valid metric");
        let processing_jobs_processed_total = CounterVec::new(
            Opts::new(
                "processing_jobs_processed_total",
                "Ingestion jobs finished by status",
            ),
            &["status"],
        )
        .expect("valid metric");
        let processing_characters_extracted_total = Counter::new(
            "processing_characters_extracted_total",
            "Characters found by extraction",
        )
        .expect("valid metric");
        let processing_characters_processed_total = CounterVec::new(
            Opts::new(
                "processing_characters_processed_total",
                "Characters whose prompt was built, by status",
            ),
            &["status"],
        )
        .expect("valid metric");
        let processing_pipeline_duration_seconds = HistogramVec::new(
            HistogramOpts::new(
                "processing_pipeline_duration_seconds",
                "Ingestion phase durations",
            )
            .buckets(vec![
                0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
            ]),
            &["phase"],
        )
        .expect("valid metric");
        let processing_active_workers =
            Gauge::new("processing_active_workers", "Ingestion jobs running now")
                .expect("valid metric");
        for c in [
            Box::new(http_requests_total.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(http_request_duration_seconds.clone()),
            Box::new(http_requests_in_progress.clone()),
            Box::new(processing_jobs_queued_total.clone()),
            Box::new(processing_jobs_processed_total.clone()),
            Box::new(processing_characters_extracted_total.clone()),
            Box::new(processing_characters_processed_total.clone()),
            Box::new(processing_pipeline_duration_seconds.clone()),
            Box::new(processing_active_workers.clone()),
        ] {
            registry.register(c).expect("unique metric names");
        }
        Metrics {
            registry,
            http_requests_total,
            http_request_duration_seconds,
            http_requests_in_progress,
            processing_jobs_queued_total,
            processing_jobs_processed_total,
            processing_characters_extracted_total,
            processing_characters_processed_total,
            processing_pipeline_duration_seconds,
            processing_active_workers,
            emf: false,
            fleet: fleet::FlushState::default(),
        }
    }

    /// Also writes every flush as CloudWatch EMF.
    pub fn with_emf(mut self, on: bool) -> Self {
        self.emf = on;
        self
    }

    /// The Prometheus text exposition of every family.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }

    /// Records a pipeline phase (`booknlp|extract|prompt|index`).
    pub fn phase(&self, phase: &str, secs: f64) {
        self.processing_pipeline_duration_seconds
            .with_label_values(&[phase])
            .observe(secs);
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
