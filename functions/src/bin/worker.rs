//! `worker` Lambda: SQS event source (batch size 1, partial batch responses); runs one
//! ingestion job idempotently, and marks dead-lettered jobs' books `failed`.

use aws_lambda_events::event::sqs::SqsEvent;
use functions::lambda;
use lambda_runtime::{service_fn, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let app = lambda::start(lambda::Role::Worker).await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| {
        let app = app.clone();
        async move { Ok::<_, lambda_runtime::Error>(lambda::handle_sqs(&app, event.payload).await) }
    }))
    .await
}
