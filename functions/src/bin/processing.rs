//! `processing` Lambda: `POST /character/processing` behind an authenticated function URL.
//! Validates, queues the job and hands it to SQS before answering 202.

use functions::lambda;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let app = lambda::start(lambda::Role::Processing).await?;
    lambda_http::run(shared::http::processing_router(app)).await
}
