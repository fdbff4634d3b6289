//! The dead-letter queue, read without consuming it: the poller looks at what is there (each
//! message received with a zero visibility timeout, so it stays visible for an operator and for
//! the queue-depth alarm) and marks those books `failed`. Redrive is the operator's: SQS
//! "Start DLQ redrive" moves the messages back to the job queue once the cause is fixed.

use aws_sdk_sqs::Client;

use crate::error::StoreError;

pub struct SqsDeadLetters {
    client: Client,
    queue_url: String,
}

impl SqsDeadLetters {
    pub fn new(client: Client, queue_url: &str) -> Self {
        SqsDeadLetters {
            client,
            queue_url: queue_url.to_string(),
        }
    }

    /// Region and credentials from the usual AWS environment; `endpoint` overrides the URL.
    pub async fn from_env(queue_url: &str, endpoint: Option<&str>) -> Self {
        Self::new(
            super::sqs_dispatch::client_from_env(endpoint).await,
            queue_url,
        )
    }

    /// Up to ten message bodies from the queue, left visible.
    pub async fn peek(&self) -> Result<Vec<String>, StoreError> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(10)
            .visibility_timeout(0)
            .send()
            .await
            .map_err(|e| StoreError::Unavailable(format!("sqs: {e}")))?;
        Ok(out
            .messages
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| m.body)
            .collect())
    }
}
