//! `poller` Lambda: on its schedule (and whenever invoked), moves queued jobs from Redis
//! `processing_queue` to SQS with no loss window.

use functions::lambda;
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let app = lambda::start(lambda::Role::Poller).await?;
    lambda_runtime::run(service_fn(|_: LambdaEvent<Value>| {
        let app = app.clone();
        async move {
            lambda::handle_schedule(&app)
                .await
                .map_err(lambda_runtime::Error::from)
        }
    }))
    .await
}
