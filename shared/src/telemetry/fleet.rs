//! Fleet totals: each instance adds what its counters and histograms gained since its last flush
//! to the shared `FleetMetrics` store (Redis in production), and `/metrics` renders the sums, so
//! the shim reports the whole fleet although Lambda instances come and go. Gauges describe one
//! instance at one moment, so they are reported locally and not summed. Each flush also writes
//! the same deltas as CloudWatch EMF when `METRICS_EMF=1`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use prometheus::proto::{LabelPair, MetricFamily, MetricType};

use crate::error::StoreError;
use crate::ports::FleetMetrics;

use super::{emf, Metrics};

/// What has been flushed so far, to compute the next deltas.
#[derive(Default)]
pub struct FlushState {
    flushed: Mutex<HashMap<String, f64>>,
    last: Mutex<Option<Instant>>,
}

fn series(name: &str, labels: &[LabelPair], extra: Option<(&str, String)>) -> String {
    let mut pairs: Vec<(String, String)> = labels
        .iter()
        .map(|l| (l.name().to_string(), l.value().to_string()))
        .collect();
    if let Some((k, v)) = extra {
        pairs.push((k.to_string(), v));
    }
    if pairs.is_empty() {
        return name.to_string();
    }
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("{name}{{{}}}", body.join(","))
}

fn le(bound: f64) -> String {
    if bound.is_infinite() {
        "+Inf".into()
    } else {
        bound.to_string()
    }
}

/// Every summable sample of `families` (counters and histogram series) with its current value.
pub fn samples(families: &[MetricFamily]) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for f in families {
        let name = f.name();
        for m in f.get_metric() {
            let labels = m.get_label();
            match f.get_field_type() {
                MetricType::COUNTER => {
                    out.push((series(name, labels, None), m.get_counter().get_value()))
                }
                MetricType::HISTOGRAM => {
                    let h = m.get_histogram();
                    let bucket = format!("{name}_bucket");
                    for b in h.get_bucket() {
                        let key = series(&bucket, labels, Some(("le", le(b.upper_bound()))));
                        out.push((key, b.cumulative_count() as f64));
                    }
                    let inf = series(&bucket, labels, Some(("le", "+Inf".into())));
                    out.push((inf, h.get_sample_count() as f64));
                    out.push((
                        series(&format!("{name}_sum"), labels, None),
                        h.get_sample_sum(),
                    ));
                    out.push((
                        series(&format!("{name}_count"), labels, None),
                        h.get_sample_count() as f64,
                    ));
                }
                _ => {}
            }
        }
    }
    out
}

impl Metrics {
    /// Adds what changed since the last flush to `fleet` (and writes it as EMF when enabled).
    /// On a store error nothing is marked flushed, so the next flush carries it.
    pub async fn flush(&self, fleet: &dyn FleetMetrics) -> Result<usize, StoreError> {
        let now = samples(&self.registry.gather());
        let deltas: Vec<(String, f64)> = {
            let flushed = self.fleet.flushed.lock().map_err(|_| poisoned())?;
            now.iter()
                .filter_map(|(k, v)| {
                    let d = v - flushed.get(k).copied().unwrap_or(0.0);
                    (d != 0.0).then(|| (k.clone(), d))
                })
                .collect()
        };
        if let Ok(mut last) = self.fleet.last.lock() {
            *last = Some(Instant::now());
        }
        if deltas.is_empty() {
            return Ok(0);
        }
        fleet.add(&deltas).await?;
        let mut flushed = self.fleet.flushed.lock().map_err(|_| poisoned())?;
        for (k, d) in &deltas {
            *flushed.entry(k.clone()).or_default() += d;
        }
        if self.emf {
            emf::write(&deltas);
        }
        Ok(deltas.len())
    }

    /// True when no flush happened within `every` (request paths flush in the background then).
    pub fn flush_due(&self, every: Duration) -> bool {
        self.fleet
            .last
            .lock()
            .map(|l| l.is_none_or(|t| t.elapsed() >= every))
            .unwrap_or(false)
    }

    /// The Prometheus text of the fleet's totals, plus this instance's gauges.
    pub fn render_fleet(&self, totals: &[(String, f64)]) -> String {
        let families = self.registry.gather();
        let mut out = String::new();
        for f in &families {
            let name = f.name();
            let kind = match f.get_field_type() {
                MetricType::COUNTER => "counter",
                MetricType::HISTOGRAM => "histogram",
                _ => "gauge",
            };
            let _ = writeln!(out, "# HELP {name} {}", f.help());
            let _ = writeln!(out, "# TYPE {name} {kind}");
            if kind == "gauge" {
                for m in f.get_metric() {
                    let _ = writeln!(
                        out,
                        "{} {}",
                        series(name, m.get_label(), None),
                        m.get_gauge().get_value()
                    );
                }
                continue;
            }
            // Group a family's series by label set; buckets in ascending `le`, then sum, count.
            let mut rows: BTreeMap<(u8, String, u64), (&str, f64)> = BTreeMap::new();
            for (key, value) in totals {
                let Some((suffix, labels)) = split_series(key, name) else {
                    continue;
                };
                let (rank, bound) = match suffix {
                    "" => (0, 0.0),
                    "_bucket" => (0, le_of(labels)),
                    "_sum" => (1, 0.0),
                    "_count" => (2, 0.0),
                    _ => continue,
                };
                let group = strip_le(labels);
                rows.insert((rank, group, bound.to_bits()), (key.as_str(), *value));
            }
            let mut ordered: Vec<_> = rows.into_iter().collect();
            ordered.sort_by(|a, b| {
                (a.0 .1.as_str(), a.0 .0)
                    .cmp(&(b.0 .1.as_str(), b.0 .0))
                    .then(f64::from_bits(a.0 .2).total_cmp(&f64::from_bits(b.0 .2)))
            });
            for (_, (key, value)) in ordered {
                let _ = writeln!(out, "{key} {value}");
            }
        }
        out
    }
}

fn poisoned() -> StoreError {
    StoreError::Unavailable("metrics state poisoned".into())
}

/// `("_bucket", "{…}")` when `key` is a series of family `name`.
fn split_series<'a>(key: &'a str, name: &str) -> Option<(&'a str, &'a str)> {
    let rest = key.strip_prefix(name)?;
    let (suffix, labels) = match rest.find('{') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    matches!(suffix, "" | "_bucket" | "_sum" | "_count").then_some((suffix, labels))
}

fn le_of(labels: &str) -> f64 {
    labels
        .split("le=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .map(|v| {
            if v == "+Inf" {
                f64::INFINITY
            } else {
                v.parse().unwrap_or(f64::INFINITY)
            }
        })
        .unwrap_or(0.0)
}

fn strip_le(labels: &str) -> String {
    match labels.find(",le=\"").or_else(|| labels.find("le=\"")) {
        Some(i) => labels[..i].to_string(),
        None => labels.to_string(),
    }
}
