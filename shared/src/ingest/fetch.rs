//! Stage `fetch`: check a `file_url`, download it with a size cap while streaming, and decode it
//! as UTF-8 text. Also used synchronously by `POST /character/processing`.

use std::net::IpAddr;

use futures::StreamExt;
use reqwest::Url;

use crate::app::App;
use crate::error::FetchError;

/// Parses `file_url` and checks scheme, extension and (unless loopback is allowed) host.
pub fn check_url(file_url: &str, allow_loopback: bool) -> Result<Url, FetchError> {
    let url = Url::parse(file_url).map_err(|e| FetchError::BadUrl(e.to_string()))?;
    let ext = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .and_then(|last| last.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()))
        .unwrap_or_default();
    if ext != "txt" && ext != "md" {
        return Err(FetchError::BadExtension(ext));
    }
    match url.scheme() {
        "https" => {}
        "http" if allow_loopback => {}
        other => {
            return Err(FetchError::Forbidden(format!(
                "scheme {other} (https only)"
            )))
        }
    }
    let host = url
        .host_str()
        .ok_or_else(|| FetchError::BadUrl("no host".into()))?;
    if !allow_loopback && is_local_host(host) {
        return Err(FetchError::Forbidden(format!("host {host} is local")));
    }
    Ok(url)
}

fn is_local_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    if h.eq_ignore_ascii_case("localhost") || h.ends_with(".localhost") {
        return true;
    }
    match h.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => {
            ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified()
        }
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.is_unspecified() || (ip.segments()[0] & 0xfe00) == 0xfc00
        }
        Err(_) => false,
    }
}

/// Downloads `url`, refusing more than `max_bytes` as soon as they arrive.
pub async fn download(
    client: &reqwest::Client,
    url: Url,
    max_bytes: u64,
) -> Result<String, FetchError> {
    let resp = client
        .get(url)
        .send()
        .await
        .map_err(|e| FetchError::Download(e.to_string()))?;
    if !resp.status().is_success() {
        return Err(FetchError::Download(format!("HTTP {}", resp.status())));
    }
    if resp.content_length().is_some_and(|n| n > max_bytes) {
        return Err(FetchError::TooLarge(max_bytes));
    }
    let mut body = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(piece) = stream.next().await {
        let piece = piece.map_err(|e| FetchError::Download(e.to_string()))?;
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
    let url = check_url(file_url, app.config.allow_loopback_urls)?;
    download(&app.http, url, app.config.max_file_bytes).await
}

/// Drops Project Gutenberg's licence header and footer when present.
pub fn strip_front_matter(text: &str) -> &str {
    let mut body = text;
    if let Some(start) = find_marker(body, "*** START OF") {
        if let Some(nl) = body[start..].find('\n') {
            body = &body[start + nl + 1..];
        }
    }
    if let Some(end) = find_marker(body, "*** END OF") {
        body = &body[..end];
    }
    body
}

fn find_marker(text: &str, marker: &str) -> Option<usize> {
    text.find(marker)
        .or_else(|| text.find(&marker.replace("***", "***  ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert!(check_url("https://x.supabase.co/storage/v1/object/b/book.txt", false).is_ok());
        assert!(check_url("https://x.supabase.co/b/book.MD", false).is_ok());
        assert!(matches!(
            check_url("https://x/b/book.pdf", false),
            Err(FetchError::BadExtension(_))
        ));
        assert!(matches!(
            check_url("https://x/b/book", false),
            Err(FetchError::BadExtension(_))
        ));
        assert!(matches!(
            check_url("http://x.co/b.txt", false),
            Err(FetchError::Forbidden(_))
        ));
        assert!(matches!(
            check_url("https://127.0.0.1/b.txt", false),
            Err(FetchError::Forbidden(_))
        ));
        assert!(matches!(
            check_url("https://169.254.169.254/b.txt", false),
            Err(FetchError::Forbidden(_))
        ));
        assert!(matches!(
            check_url("https://localhost/b.txt", false),
            Err(FetchError::Forbidden(_))
        ));
        assert!(check_url("http://127.0.0.1:9/b.txt", true).is_ok());
        assert!(matches!(
            check_url("not a url", true),
            Err(FetchError::BadUrl(_))
        ));
        assert!(matches!(
            check_url("ftp://127.0.0.1/b.txt", true),
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
    }
}
