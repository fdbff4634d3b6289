//! CloudWatch Embedded Metric Format: one JSON document a line on stdout per label set, which
//! CloudWatch Logs turns into metrics (namespace `Falsafa`, dimensions = the Prometheus labels
//! plus the function name). Written by hand: it is a small, stable JSON shape.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

/// Splits `name{a="x",b="y"}` into the name and its labels.
fn parse(series: &str) -> (String, BTreeMap<String, String>) {
    let Some((name, rest)) = series.split_once('{') else {
        return (series.to_string(), BTreeMap::new());
    };
    let labels = rest
        .trim_end_matches('}')
        .split("\",")
        .filter_map(|kv| kv.split_once("=\""))
        .map(|(k, v)| (k.to_string(), v.trim_end_matches('"').to_string()))
        .collect();
    (name.to_string(), labels)
}

/// The EMF documents for `deltas` (histogram buckets are left out: CloudWatch gets the `_sum`
/// and `_count` of each histogram).
pub fn documents(deltas: &[(String, f64)], function: &str, timestamp_ms: i64) -> Vec<Value> {
    let mut by_labels: BTreeMap<BTreeMap<String, String>, Vec<(String, f64)>> = BTreeMap::new();
    for (series, delta) in deltas {
        let (name, labels) = parse(series);
        if name.ends_with("_bucket") {
            continue;
        }
        by_labels.entry(labels).or_default().push((name, *delta));
    }
    by_labels
        .into_iter()
        .map(|(labels, metrics)| {
            let mut doc = Map::new();
            let mut dims = vec![Value::from("function")];
            doc.insert("function".into(), Value::from(function));
            for (k, v) in &labels {
                dims.push(Value::from(k.as_str()));
                doc.insert(k.clone(), Value::from(v.as_str()));
            }
            let defs: Vec<Value> = metrics
                .iter()
                .map(|(name, _)| {
                    let unit = if name.ends_with("_seconds_sum") { "Seconds" } else { "Count" };
                    json!({ "Name": name, "Unit": unit })
                })
                .collect();
            for (name, delta) in metrics {
                doc.insert(name, Value::from(delta));
            }
            doc.insert(
                "_aws".into(),
                json!({
                    "Timestamp": timestamp_ms,
                    "CloudWatchMetrics": [{ "Namespace": "Falsafa", "Dimensions": [dims], "Metrics": defs }]
                }),
            );
            Value::Object(doc)
        })
        .collect()
}

/// Prints the documents for `deltas` to stdout, where Lambda's log capture picks them up.
pub fn write(deltas: &[(String, f64)]) {
    let function =
        std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "falsafa".to_string());
    let now = chrono::Utc::now().timestamp_millis();
    for doc in documents(deltas, &function, now) {
        println!("{doc}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_become_one_document_per_label_set() {
        let deltas = vec![
            (
                r#"http_requests_total{endpoint="/health",method="GET",status_code="200"}"#
                    .to_string(),
                3.0,
            ),
            (
                r#"processing_pipeline_duration_seconds_bucket{phase="index",le="0.5"}"#
                    .to_string(),
                1.0,
            ),
            (
                r#"processing_pipeline_duration_seconds_sum{phase="index"}"#.to_string(),
                0.25,
            ),
            (
                r#"processing_pipeline_duration_seconds_count{phase="index"}"#.to_string(),
                1.0,
            ),
            ("processing_jobs_queued_total".to_string(), 2.0),
        ];
        let docs = documents(&deltas, "falsafa-ops", 1_700_000_000_000);
        assert_eq!(docs.len(), 3, "{docs:#?}");
        let http = docs.iter().find(|d| d.get("endpoint").is_some()).unwrap();
        assert_eq!(http["http_requests_total"], 3.0);
        assert_eq!(http["status_code"], "200");
        assert_eq!(http["function"], "falsafa-ops");
        let aws = &http["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(aws["Namespace"], "Falsafa");
        assert_eq!(
            aws["Dimensions"][0],
            json!(["function", "endpoint", "method", "status_code"])
        );
        let phase = docs.iter().find(|d| d.get("phase").is_some()).unwrap();
        assert_eq!(phase["processing_pipeline_duration_seconds_sum"], 0.25);
        assert!(phase
            .get("processing_pipeline_duration_seconds_bucket")
            .is_none());
        let units: Vec<&str> = phase["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Unit"].as_str().unwrap())
            .collect();
        assert!(units.contains(&"Seconds") && units.contains(&"Count"));
        assert_eq!(
            docs.iter()
                .filter(|d| d.get("processing_jobs_queued_total").is_some())
                .count(),
            1
        );
    }
}
