//! Job dispatch over Amazon SQS: the poller sends each job as one message; the `worker` Lambda
//! consumes the queue (batch size 1). The capacity gate is the event source's maximum
//! concurrency, so from here capacity is unbounded. `endpoint_url` points it at moto locally.

use async_trait::async_trait;
use aws_sdk_sqs::Client;

use crate::domain::Job;
use crate::error::StoreError;
use crate::ports::JobDispatch;

/// The AWS SDK's HTTPS client on rustls with ring, the one crypto provider of every other
/// client here (the SDK's default would link aws-lc-rs as well).
pub fn https_client() -> aws_sdk_sqs::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// An SQS client from the usual AWS environment (region, credentials), with timeouts on every
/// call; `endpoint` overrides the URL (moto locally).
pub async fn client_from_env(endpoint: Option<&str>) -> Client {
    let mut loader =
        aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(https_client());
    if let Some(e) = endpoint {
        loader = loader.endpoint_url(e);
    }
    let conf = loader
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_timeout(std::time::Duration::from_secs(10))
                .connect_timeout(std::time::Duration::from_secs(3))
                .build(),
        )
        .load()
        .await;
    Client::new(&conf)
}

pub struct SqsDispatch {
    client: Client,
    queue_url: String,
}

impl SqsDispatch {
    /// Region and credentials come from the usual AWS environment; `endpoint` overrides the URL.
    pub async fn from_env(queue_url: &str, endpoint: Option<&str>) -> Self {
        SqsDispatch {
            client: client_from_env(endpoint).await,
            queue_url: queue_url.to_string(),
        }
    }

    pub fn new(client: Client, queue_url: &str) -> Self {
        SqsDispatch {
            client,
            queue_url: queue_url.to_string(),
        }
    }
}

#[async_trait]
impl JobDispatch for SqsDispatch {
    fn capacity(&self) -> usize {
        usize::MAX
    }

    async fn dispatch(&self, job: Job) -> Result<(), StoreError> {
        let body = serde_json::to_string(&job)?;
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .send()
            .await
            .map_err(|e| {
                StoreError::Unavailable(format!(
                    "sqs: {}",
                    aws_sdk_sqs::error::DisplayErrorContext(e)
                ))
            })?;
        Ok(())
    }
}
