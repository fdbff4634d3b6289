//! Stage `fetch`: check a `file_url`, download it with a size cap while streaming, and decode it
//! as UTF-8 text. `POST /character/processing` does not download the book: it probes it
//! (`probe`), bounded in time and bytes, so the intake answers within its function's timeout
//! whatever the file; the worker downloads it whole.

use futures::StreamExt;
use reqwest::Url;

use crate::app::App;
use crate::error::FetchError;

use super::url_guard::{refusal, UrlPolicy};

/// A reqwest failure as a fetch error: the guard's refusals keep their meaning.
fn failed(e: reqwest::Error) -> FetchError {
    refusal(&e).unwrap_or_else(|| FetchError::Download(e.to_string()))
}

/// Parses `file_url` and checks its extension, then scheme, host and address (`url_guard`).
pub fn check_url(file_url: &str, policy: &UrlPolicy) -> Result<Url, FetchError> {
    let url = Url::parse(file_url).map_err(|e| FetchError::BadUrl(e.to_string()))?;
    let ext = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .and_then(|last| last.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()))
        .unwrap_or_default();
    if ext != "txt" && ext != "md" {
        return Err(FetchError::BadExtension(ext));
    }
    policy.check(&url)?;
    Ok(url)
}

/// How much of the file the intake reads to judge it.
pub const PROBE_BYTES: usize = 64 * 1024;

/// The intake's bounded check of a book file: reachable (2xx), not over `max_bytes` (from
/// `Content-Range` of a ranged read, else `Content-Length`), and text (its first
/// `PROBE_BYTES` decode as UTF-8, a character cut at the end allowed, and are not blank). All
/// within `within`. A file whose size the server does not tell is capped by the worker's download.
pub async fn probe(
    client: &reqwest::Client,
    url: Url,
    max_bytes: u64,
    within: std::time::Duration,
) -> Result<(), FetchError> {
    let check = async {
        let resp = client
            .get(url)
            .header(
                reqwest::header::RANGE,
                format!("bytes=0-{}", PROBE_BYTES - 1),
            )
            .send()
            .await
            .map_err(failed)?;
        let status = resp.status();
        if !status.is_success() {
            return Err(FetchError::Download(format!("HTTP {status}")));
        }
        let total = if status == reqwest::StatusCode::PARTIAL_CONTENT {
            resp.headers()
                .get(reqwest::header::CONTENT_RANGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit_once('/'))
                .and_then(|(_, total)| total.trim().parse::<u64>().ok())
        } else {
            resp.content_length()
        };
        if total.is_some_and(|n| n > max_bytes) {
            return Err(FetchError::TooLarge(max_bytes));
        }
        let mut head = Vec::new();
        let mut stream = resp.bytes_stream();
        let mut whole = true;
        while let Some(piece) = stream.next().await {
            head.extend_from_slice(&piece.map_err(failed)?);
            if head.len() >= PROBE_BYTES {
                head.truncate(PROBE_BYTES);
                whole = total.is_some_and(|n| n <= PROBE_BYTES as u64);
                break;
            }
        }
        if head.len() as u64 > max_bytes {
            return Err(FetchError::TooLarge(max_bytes));
        }
        match std::str::from_utf8(&head) {
            Ok(_) => {}
            // a character cut by the read's end is not an encoding error
            Err(e) if e.error_len().is_none() && !whole => {}
            Err(_) => return Err(FetchError::NotUtf8),
        }
        let text = String::from_utf8_lossy(&head);
        if text.trim_start_matches('\u{feff}').trim().is_empty() {
            return Err(FetchError::Empty);
        }
        Ok(())
    };
    tokio::time::timeout(within, check)
        .await
        .map_err(|_| FetchError::Download(format!("no answer within {within:?}")))?
}

/// Downloads `url`, refusing more than `max_bytes` as soon as they arrive.
pub async fn download(
    client: &reqwest::Client,
    url: Url,
    max_bytes: u64,
) -> Result<String, FetchError> {
    let resp = client.get(url).send().await.map_err(failed)?;
    if !resp.status().is_success() {
        return Err(FetchError::Download(format!("HTTP {}", resp.status())));
    }
    if resp.content_length().is_some_and(|n| n > max_bytes) {
        return Err(FetchError::TooLarge(max_bytes));
    }
    let mut body = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(piece) = stream.next().await {
        let piece = piece.map_err(failed)?;
        if body.len() as u64 + piece.len() as u64 > max_bytes {
            return Err(FetchError::TooLarge(max_bytes));
        }
        body.extend_from_slice(&piece);
    }
    decode(body)
}

/// UTF-8 (a BOM is dropped); anything else is refused.
pub fn decode(body: Vec<u8>) -> Result<String, FetchError> {
    let mut s = String::from_utf8(body).map_err(|_| FetchError::NotUtf8)?;
    if s.starts_with('\u{feff}') {
        s.drain(..3);
    }
    if s.trim().is_empty() {
        return Err(FetchError::Empty);
    }
    Ok(s)
}

/// The worker's download of a queued job's file.
#[tracing::instrument(skip(app), name = "ingest.fetch")]
pub async fn fetch_book(app: &App, file_url: &str) -> Result<String, FetchError> {
    let url = check_url(file_url, &app.url_policy)?;
    download(&app.http, url, app.config.max_file_bytes).await
}

/// Drops Project Gutenberg's licence header and footer when present, in the current form
/// ("*** START OF THE PROJECT GUTENBERG EBOOK X ***") and the older ones ("***START OF THIS
/// PROJECT GUTENBERG EBOOK", "End of the Project Gutenberg EBook of X").
pub fn strip_front_matter(text: &str) -> &str {
    let mut body = text;
    if let Some(start) = marker_line(body, "START OF") {
        if let Some(nl) = body[start..].find('\n') {
            body = &body[start + nl + 1..];
        }
    }
    if let Some(end) = marker_line(body, "END OF") {
        body = &body[..end];
    }
    body
}

/// Where the first line holding `what` ("START OF") followed by "Project Gutenberg" begins,
/// in any case. Searched on an ASCII upper-case copy, whose byte offsets are the text's.
fn marker_line(text: &str, what: &str) -> Option<usize> {
    let upper = text.to_ascii_uppercase();
    let mut from = 0;
    while let Some(i) = upper[from..].find(what) {
        let at = from + i;
        let line_start = upper[..at].rfind('\n').map_or(0, |n| n + 1);
        let line_end = upper[at..].find('\n').map_or(upper.len(), |n| at + n);
        let rest = &upper[at + what.len()..line_end];
        let opens = upper[line_start..at]
            .trim_start_matches(['*', ' '])
            .is_empty();
        if opens && rest.contains("PROJECT GUTENBERG") {
            return Some(line_start);
        }
        from = at + what.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        let strict = UrlPolicy {
            allow_loopback: false,
            allowed_hosts: None,
        };
        let dev = UrlPolicy {
            allow_loopback: true,
            allowed_hosts: None,
        };
        assert!(check_url(
            "https://x.supabase.co/storage/v1/object/b/book.txt",
            &strict
        )
        .is_ok());
        assert!(check_url("https://x.supabase.co/b/book.MD", &strict).is_ok());
        assert!(matches!(
            check_url("https://x/b/book.pdf", &strict),
            Err(FetchError::BadExtension(_))
        ));
        assert!(matches!(
            check_url("https://x/b/book", &strict),
            Err(FetchError::BadExtension(_))
        ));
        for forbidden in [
            "http://x.co/b.txt",
            "https://127.0.0.1/b.txt",
            "https://169.254.169.254/b.txt",
        ] {
            assert!(
                matches!(check_url(forbidden, &strict), Err(FetchError::Forbidden(_))),
                "{forbidden}"
            );
        }
        assert!(check_url("http://127.0.0.1:9/b.txt", &dev).is_ok());
        assert!(matches!(
            check_url("not a url", &dev),
            Err(FetchError::BadUrl(_))
        ));
        assert!(matches!(
            check_url("ftp://127.0.0.1/b.txt", &dev),
            Err(FetchError::Forbidden(_))
        ));
    }

    #[test]
    fn decoding_refuses_binary_and_empty() {
        assert_eq!(decode(b"\xef\xbb\xbfHello".to_vec()).unwrap(), "Hello");
        assert!(matches!(
            decode(vec![0xff, 0xfe, 0x00]),
            Err(FetchError::NotUtf8)
        ));
        assert!(matches!(decode(b"  \n".to_vec()), Err(FetchError::Empty)));
    }

    #[test]
    fn gutenberg_matter_is_stripped() {
        let t = "licence\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\nStory.\n*** END OF THE PROJECT GUTENBERG EBOOK X ***\nmore licence";
        assert_eq!(strip_front_matter(t).trim(), "Story.");
        assert_eq!(strip_front_matter("Just a story."), "Just a story.");
        // older forms: no space after the stars, "THIS", and a mixed-case end line
        let old = "Title: X\r\n***START OF THIS PROJECT GUTENBERG EBOOK X***\r\nStory.\r\n\
                   End of the Project Gutenberg EBook of X\r\n\r\n*** END OF THIS PROJECT \
                   GUTENBERG EBOOK X ***\r\nlicence";
        assert_eq!(strip_front_matter(old).trim(), "Story.");
        // a story that says "the end of" in a line is left whole
        let plain = "At the end of the lane stood Project Gutenberg's house.\nStory.";
        assert_eq!(strip_front_matter(plain), plain);
    }
}
