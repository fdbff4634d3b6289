//! `poller` Lambda: on its schedule (and whenever invoked), moves queued jobs from Redis
//! `processing_queue` to SQS with no loss window; then marks the books of dead-lettered jobs
//! `failed`, leaving the messages in the dead-letter queue for an operator.

use functions::lambda;
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let app = lambda::start(lambda::Role::Poller).await?;
    let dlq = std::sync::Arc::new(lambda::dead_letters(&app).await);
    lambda_runtime::run(service_fn(|_: LambdaEvent<Value>| {
        let (app, dlq) = (app.clone(), dlq.clone());
        async move {
            if let Some(dlq) = dlq.as_ref() {
                lambda::sweep_dead_letters(&app, dlq).await;
            }
            lambda::handle_schedule(&app)
                .await
                .map_err(lambda_runtime::Error::from)
        }
    }))
    .await
}
