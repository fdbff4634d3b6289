//! `ops` Lambda: `GET /health` and `GET /metrics` (the fleet's totals in Prometheus text).

use functions::lambda;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let app = lambda::start(lambda::Role::Ops).await?;
    lambda_http::run(shared::http::ops_router(app)).await
}
