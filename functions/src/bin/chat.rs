//! `chat` Lambda: `POST /character/chat` behind a function URL in `RESPONSE_STREAM` mode, so the
//! SSE events reach the reader as they are generated.

use functions::lambda;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let app = lambda::start(lambda::Role::Chat).await?;
    lambda_http::run_with_streaming_response(shared::http::chat_router(app)).await
}
