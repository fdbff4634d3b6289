//! Fleet metrics port: counters and histogram series summed across every instance (Lambda
//! instances are short-lived, so each adds its deltas and `/metrics` reads the totals).
//! Series are keyed by their Prometheus sample name with labels, e.g.
//! `http_requests_total{endpoint="/health",method="GET",status_code="200"}`.

use async_trait::async_trait;

use crate::error::StoreError;

#[async_trait]
pub trait FleetMetrics: Send + Sync {
    /// Adds each delta to its series, in one round trip.
    async fn add(&self, deltas: &[(String, f64)]) -> Result<(), StoreError>;
    /// Every series and its total.
    async fn totals(&self) -> Result<Vec<(String, f64)>, StoreError>;
}
