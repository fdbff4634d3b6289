//! Where the backend may fetch a book from. A `file_url` must be https (http and loopback only in
//! local development), name an allowlisted host (the Supabase project's own by default), and
//! reach only public addresses: literal IPs are checked here, names are checked after DNS
//! resolution by `GuardedResolver` (so a name that resolves to 169.254.169.254 or 10.0.0.5 never
//! gets a connection), and every redirect is checked again before it is followed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;

use crate::error::FetchError;

/// Most redirects a download follows.
const MAX_REDIRECTS: usize = 5;

/// What a `file_url` may point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlPolicy {
    /// `http://` and loopback addresses (never private or link-local ones) are accepted.
    pub allow_loopback: bool,
    /// Hosts a file may come from (lower case); `None` means any public host.
    pub allowed_hosts: Option<Vec<String>>,
}

/// The IPv4 address an IPv6 address carries, for every form that routes to one: IPv4-mapped
/// (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), SIIT (`::ffff:0:a.b.c.d`), NAT64
/// (`64:ff9b::/96`), 6to4 (`2002:AABB:CCDD::/48`) and Teredo (`2001:0::/32`, the client address
/// inverted). A Teredo address yields its client; its server is checked by `is_public` too.
pub fn embedded_ipv4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let last = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, ..] | [0, 0, 0, 0, 0xffff, 0, ..] => Some(last),
        [0, 0, 0, 0, 0, 0, ..] if !(s[6] == 0 && s[7] <= 1) => Some(last),
        [0x64, 0xff9b, 0, 0, 0, 0, ..] => Some(last),
        [0x2002, a, b, ..] => Some(Ipv4Addr::new(
            (a >> 8) as u8,
            a as u8,
            (b >> 8) as u8,
            b as u8,
        )),
        [0x2001, 0, ..] => Some(Ipv4Addr::from(!u32::from(last))),
        _ => None,
    }
}

/// True for addresses anyone on the internet could reach: not loopback, private, link-local
/// (cloud metadata), shared/CGNAT, unspecified, multicast, broadcast, documentation or
/// unique-local. An IPv6 address that embeds an IPv4 address (`embedded_ipv4`) is judged as
/// that address; local-use NAT64 (`64:ff9b:1::/48`) is never public.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0)
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            let seg = v6.segments();
            if let Some(v4) = embedded_ipv4(v6) {
                let teredo_server = (seg[0] == 0x2001 && seg[1] == 0).then(|| {
                    Ipv4Addr::new(
                        (seg[2] >> 8) as u8,
                        seg[2] as u8,
                        (seg[3] >> 8) as u8,
                        seg[3] as u8,
                    )
                });
                return is_public(IpAddr::V4(v4))
                    && teredo_server.is_none_or(|server| is_public(IpAddr::V4(server)));
            }
            if seg[0] == 0x64 && seg[1] == 0xff9b && seg[2] == 1 {
                return false;
            }
            let first = seg[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

impl UrlPolicy {
    /// May a connection go to `ip`?
    pub fn address_allowed(&self, ip: IpAddr) -> bool {
        is_public(ip) || (self.allow_loopback && ip.is_loopback())
    }

    /// Scheme, host allowlist and literal addresses of `url` (the first request and every
    /// redirect). Names are resolved and checked by `GuardedResolver`.
    pub fn check(&self, url: &Url) -> Result<(), FetchError> {
        match url.scheme() {
            "https" => {}
            "http" if self.allow_loopback => {}
            other => {
                return Err(FetchError::Forbidden(format!(
                    "scheme {other} (https only)"
                )))
            }
        }
        let host = url
            .host_str()
            .ok_or_else(|| FetchError::BadUrl("no host".into()))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        if let Some(allowed) = &self.allowed_hosts {
            if !allowed.contains(&host) {
                return Err(FetchError::Forbidden(format!(
                    "host {host} is not on the allowlist"
                )));
            }
        }
        // Names (`localhost` included) are judged by their addresses, in `GuardedResolver`.
        if let Ok(ip) = host.parse::<IpAddr>() {
            if !self.address_allowed(ip) {
                return Err(FetchError::Forbidden(format!("address {ip} is not public")));
            }
        }
        Ok(())
    }

    /// The download client: guarded DNS, checked redirects, timeouts.
    pub fn client(&self, timeout: Duration) -> reqwest::Result<reqwest::Client> {
        let redirects = self.clone();
        reqwest::Client::builder()
            // A proxy from the environment would make the connection for us, to addresses the
            // resolver check never sees: downloads always go direct.
            .no_proxy()
            .connect_timeout(Duration::from_secs(10))
            .timeout(timeout)
            .dns_resolver(Arc::new(GuardedResolver {
                policy: self.clone(),
            }))
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= MAX_REDIRECTS {
                    return attempt.error(FetchError::Forbidden("too many redirects".into()));
                }
                match redirects.check(attempt.url()) {
                    Ok(()) => attempt.follow(),
                    Err(e) => attempt.error(e),
                }
            }))
            .build()
    }
}

/// Resolves names with the system resolver and keeps only addresses the policy allows; a name
/// with none left fails before any connection is made.
struct GuardedResolver {
    policy: UrlPolicy,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = all
                .iter()
                .copied()
                .filter(|a| policy.address_allowed(a.ip()))
                .collect();
            if allowed.is_empty() {
                let e = FetchError::Forbidden(format!("host {host} resolves to no public address"));
                return Err(Box::new(e) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// The guard's own refusal inside a reqwest error (DNS or redirect), if that is what it was.
pub fn refusal(e: &reqwest::Error) -> Option<FetchError> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(f) = s.downcast_ref::<FetchError>() {
            return Some(f.clone());
        }
        source = s.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(loopback: bool, hosts: Option<&[&str]>) -> UrlPolicy {
        UrlPolicy {
            allow_loopback: loopback,
            allowed_hosts: hosts.map(|h| h.iter().map(|s| s.to_string()).collect()),
        }
    }

    fn check(p: &UrlPolicy, url: &str) -> Result<(), FetchError> {
        p.check(&Url::parse(url).unwrap())
    }

    #[test]
    fn only_public_addresses_are_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:169.254.169.254",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "104.18.1.1", "2606:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn every_ipv6_form_that_embeds_a_private_ipv4_is_private() {
        for ip in [
            "::ffff:10.0.0.1",                      // IPv4-mapped
            "::127.0.0.1",                          // IPv4-compatible
            "::a9fe:a9fe",                          // IPv4-compatible, 169.254.169.254
            "::ffff:0:127.0.0.1",                   // SIIT IPv4-translated
            "64:ff9b::127.0.0.1",                   // NAT64
            "64:ff9b::a9fe:a9fe",                   // NAT64 to the metadata service
            "64:ff9b:1::8.8.8.8",                   // local-use NAT64: never public
            "2002:7f00:1::",                        // 6to4 of 127.0.0.1
            "2002:a9fe:a9fe::1",                    // 6to4 of 169.254.169.254
            "2002:c0a8:101:1::1",                   // 6to4 of 192.168.1.1
            "2001:0:4136:e378:8000:63bf:80ff:fffe", // Teredo, client 127.0.0.1
            "2001:0:a00:1::1",                      // Teredo, server 10.0.0.1
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        // The same forms around public addresses stay public.
        for ip in [
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
            "2002:808:808::1",
            "2001:0:4136:e378:8000:63bf:f7f7:f7f7",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
        assert_eq!(
            embedded_ipv4("2001:0:4136:e378:8000:63bf:80ff:fffe".parse().unwrap()),
            Some(Ipv4Addr::LOCALHOST)
        );
        assert_eq!(embedded_ipv4("2606:4700::1111".parse().unwrap()), None);
    }

    #[test]
    fn the_allowlist_and_scheme_are_enforced() {
        let p = policy(false, Some(&["proj.supabase.co"]));
        assert!(check(&p, "https://proj.supabase.co/storage/v1/object/b.txt").is_ok());
        assert!(check(&p, "https://PROJ.supabase.co/b.txt").is_ok());
        assert!(check(&p, "https://evil.example/b.txt").is_err());
        assert!(check(&p, "http://proj.supabase.co/b.txt").is_err());
        let open = policy(false, None);
        assert!(check(&open, "https://books.example/b.txt").is_ok());
        assert!(check(&open, "https://169.254.169.254/b.txt").is_err());
        assert!(check(&open, "https://[::1]/b.txt").is_err());
    }

    #[test]
    fn loopback_mode_allows_loopback_but_never_private_or_metadata() {
        let p = policy(true, None);
        assert!(check(&p, "http://127.0.0.1:9/b.txt").is_ok());
        assert!(check(&p, "http://localhost:9/b.txt").is_ok());
        assert!(check(&p, "http://169.254.169.254/b.txt").is_err());
        assert!(check(&p, "http://10.0.0.5/b.txt").is_err());
        let listed = policy(true, Some(&["127.0.0.1", "169.254.169.254"]));
        assert!(check(&listed, "http://169.254.169.254/b.txt").is_err());
        assert!(check(&listed, "http://localhost:9/b.txt").is_err());
    }

    async fn resolve(p: &UrlPolicy, host: &str) -> Result<Vec<SocketAddr>, String> {
        let resolver = GuardedResolver { policy: p.clone() };
        let name: Name = host.parse().unwrap();
        resolver
            .resolve(name)
            .await
            .map(|a| a.collect())
            .map_err(|e| e.to_string())
    }

    #[tokio::test]
    async fn names_are_judged_by_the_addresses_they_resolve_to() {
        let err = resolve(&policy(false, None), "localhost")
            .await
            .unwrap_err();
        assert!(err.contains("no public address"), "{err}");
        let ok = resolve(&policy(true, None), "localhost").await.unwrap();
        assert!(ok.iter().all(|a| a.ip().is_loopback()) && !ok.is_empty());
    }
}
