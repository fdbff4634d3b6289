//! A client for `POST /character/chat`: sends the body and yields the parsed SSE events.

use eventsource_stream::Eventsource;
use futures::StreamExt;
use serde_json::Value;

/// What a chat request came back as.
#[derive(Debug)]
pub enum ChatOutcome {
    /// HTTP error before the stream (status, JSON body).
    Rejected(u16, Value),
    /// The stream's events (`data` JSON), in order.
    Streamed(Vec<Value>),
}

/// Posts a chat message and calls `on_event` for each SSE event as it arrives.
pub async fn chat(
    client: &reqwest::Client,
    url: &str,
    body: &Value,
    mut on_event: impl FnMut(&Value),
) -> anyhow::Result<ChatOutcome> {
    let resp = client.post(url).json(body).send().await?;
    let status = resp.status();
    if !status.is_success() {
        let v = resp.json::<Value>().await.unwrap_or(Value::Null);
        return Ok(ChatOutcome::Rejected(status.as_u16(), v));
    }
    let mut events = resp.bytes_stream().eventsource();
    let mut out = Vec::new();
    while let Some(ev) = events.next().await {
        let ev = ev?;
        let v: Value = serde_json::from_str(&ev.data)?;
        on_event(&v);
        out.push(v);
    }
    Ok(ChatOutcome::Streamed(out))
}
