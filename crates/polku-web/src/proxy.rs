//! The client's address behind a reverse proxy.
//!
//! Polku is meant to run behind a TLS-terminating proxy (Caddy, nginx), whose address is then the connecting
//! address of every request: rate limits and sign-in throttling keyed on it would treat every customer as
//! one. The proxy names the client in `Forwarded` (RFC 7239) or `X-Forwarded-For`, but anyone can send those
//! headers, so they are read only when the connection comes from an address in `trusted_proxies`. The
//! chain is then read from the right: each hop a trusted proxy appended is skipped, and the first address
//! not in the list is the client (an address a client wrote into the header itself stands further left
//! and is never reached). When every hop is trusted, the left-most is the client; a hop that is not an
//! address (`unknown`) ends the walk at the proxy before it.

use std::net::IpAddr;

/// Addresses and CIDR ranges whose forwarding headers are believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Parses `10.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`; an entry that is neither names itself in the error.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        let mut out = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let entry = entry.as_ref().trim();
            let bad = || format!("trusted_proxies[{i}]: {entry:?} is not an IP address or CIDR range");
            let (addr, prefix) = match entry.split_once('/') {
                Some((a, p)) => (a, Some(p)),
                None => (entry, None),
            };
            let addr: IpAddr = addr.parse().map_err(|_| bad())?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
                None => max,
            };
            out.push((addr, prefix));
        }
        Ok(TrustedProxies(out))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|(net, prefix)| match (canonical(*net), ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => same_prefix(&n.octets(), &a.octets(), *prefix),
            (IpAddr::V6(n), IpAddr::V6(a)) => same_prefix(&n.octets(), &a.octets(), *prefix),
            _ => false,
        })
    }

    /// The scheme the client used (`https` or `http`) as a trusted proxy says in `Forwarded: proto=` or
    /// `X-Forwarded-Proto` (the right-most value: the one the nearest proxy wrote); `None` from anyone else.
    pub fn scheme(&self, peer: IpAddr, headers: &axum::http::HeaderMap) -> Option<&'static str> {
        if !self.contains(peer) {
            return None;
        }
        let from_forwarded = headers
            .get_all("forwarded")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (k, v) = pair.split_once('=')?;
                    k.trim().eq_ignore_ascii_case("proto").then(|| v.trim().trim_matches('"').to_string())
                })
            })
            .next_back();
        let proto = from_forwarded.or_else(|| {
            headers
                .get_all("x-forwarded-proto")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(|v| v.trim().to_string())
                .next_back()
        })?;
        match proto.to_ascii_lowercase().as_str() {
            "https" => Some("https"),
            "http" => Some("http"),
            _ => None,
        }
    }

    /// The client of a request that arrived from `peer` with these headers.
    pub fn client(&self, peer: IpAddr, headers: &axum::http::HeaderMap) -> IpAddr {
        if !self.contains(peer) {
            return peer;
        }
        let forwarded: Vec<&str> = headers.get_all("forwarded").iter().filter_map(|v| v.to_str().ok()).collect();
        // Each hop is an address, or `None` for what is not one (`unknown`, `_hidden`, garbage).
        let hops: Vec<Option<IpAddr>> = if forwarded.is_empty() {
            let xff = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
            xff.flat_map(|v| v.split(',')).map(|hop| parse_hop(hop.trim())).collect()
        } else {
            forwarded
                .iter()
                .flat_map(|v| v.split(','))
                .map(|element| {
                    element.split(';').find_map(|pair| {
                        let (k, v) = pair.split_once('=')?;
                        k.trim().eq_ignore_ascii_case("for").then(|| parse_hop(v.trim().trim_matches('"'))).flatten()
                    })
                })
                .collect()
        };
        // From the right: skip the hops trusted proxies appended; the first other address is the client. A
        // hop that is not an address ends the walk at the last proxy: what stands left of it is unverified.
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop {
                Some(ip) if self.contains(*ip) => client = *ip,
                Some(ip) => return *ip,
                None => return client,
            }
        }
        client
    }
}

/// One hop as proxies write it: `203.0.113.7`, `203.0.113.7:4711`, `[2001:db8::1]:4711`, `2001:db8::1`.
/// Obfuscated identifiers (`unknown`, `_hidden`) are not addresses and are skipped.
fn parse_hop(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| ip.parse().ok());
    }
    s.rsplit_once(':').and_then(|(ip, port)| port.parse::<u16>().ok().and(ip.parse().ok()))
}

/// An IPv4 address a dual-stack listener reports as `::ffff:a.b.c.d` is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn same_prefix(net: &[u8], addr: &[u8], prefix: u8) -> bool {
    let (whole, rest) = (usize::from(prefix / 8), prefix % 8);
    if net[..whole] != addr[..whole] {
        return false;
    }
    rest == 0 || {
        let mask = 0xffu8 << (8 - rest);
        net[whole] & mask == addr[whole] & mask
    }
}

#[cfg(test)]
mod tests {
    use super::TrustedProxies;
    use axum::http::HeaderMap;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn entries_are_addresses_or_ranges_and_bad_ones_are_named() {
        let t = TrustedProxies::parse(&["10.0.0.0/8", "192.168.1.5", "fd00::/8", " ::1 "]).unwrap();
        for (addr, trusted) in [
            ("10.200.3.4", true),
            ("11.0.0.1", false),
            ("192.168.1.5", true),
            ("192.168.1.6", false),
            ("fd12::1", true),
            ("fe80::1", false),
            ("::1", true),
            ("::ffff:10.1.2.3", true),
        ] {
            assert_eq!(t.contains(ip(addr)), trusted, "{addr}");
        }
        let odd = TrustedProxies::parse(&["172.16.0.0/12"]).unwrap();
        assert!(odd.contains(ip("172.31.255.255")) && !odd.contains(ip("172.32.0.0")));
        for bad in ["10.0.0.0/33", "proxy.local", "10.0.0.0/", "::/129"] {
            let err = TrustedProxies::parse(&["10.0.0.1", bad]).unwrap_err();
            assert!(err.starts_with("trusted_proxies[1]: "), "{err}");
        }
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let t = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
        let proxy = ip("10.0.0.2");
        // Straight from a client: its headers are not believed.
        let spoof = headers(&[("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(t.client(ip("203.0.113.9"), &spoof), ip("203.0.113.9"));
        // Through the proxy: the proxy appended the real address after what the client wrote.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9")]);
        assert_eq!(t.client(proxy, &h), ip("203.0.113.9"));
        // Two trusted proxies in a row.
        let h = headers(&[("x-forwarded-for", "203.0.113.9, 10.0.0.7")]);
        assert_eq!(t.client(proxy, &h), ip("203.0.113.9"));
        // RFC 7239 wins over X-Forwarded-For, with quoted IPv6 and ports, several header lines.
        let h = headers(&[
            ("forwarded", "for=\"[2001:db8::7]:4711\";proto=https"),
            ("forwarded", "for=10.0.0.9"),
            ("x-forwarded-for", "198.51.100.1"),
        ]);
        assert_eq!(t.client(proxy, &h), ip("2001:db8::7"));
        // Every hop trusted: the left-most; no header at all: the proxy itself; garbage is skipped.
        let h = headers(&[("x-forwarded-for", "10.1.1.1, 10.0.0.7")]);
        assert_eq!(t.client(proxy, &h), ip("10.1.1.1"));
        assert_eq!(t.client(proxy, &HeaderMap::new()), proxy);
        let h = headers(&[("x-forwarded-for", "unknown, 203.0.113.9:8080")]);
        assert_eq!(t.client(proxy, &h), ip("203.0.113.9"));
        // A hop the proxy could not name: what a client wrote before it is not believed.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, unknown")]);
        assert_eq!(t.client(proxy, &h), proxy);
        // Nobody trusted (the default): headers never matter.
        assert_eq!(TrustedProxies::default().client(proxy, &h), proxy);
    }

    #[test]
    fn the_scheme_is_read_from_trusted_proxies_only() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
        let headers = |pairs: &[(&'static str, &str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.append(*k, v.parse().unwrap());
            }
            h
        };
        let xfp = headers(&[("x-forwarded-proto", "https")]);
        assert_eq!(proxies.scheme(ip("10.1.2.3"), &xfp), Some("https"));
        assert_eq!(proxies.scheme(ip("192.0.2.1"), &xfp), None, "not a proxy");
        // The right-most value is the nearest proxy's; Forwarded wins over X-Forwarded-Proto.
        assert_eq!(proxies.scheme(ip("10.1.2.3"), &headers(&[("x-forwarded-proto", "https, http")])), Some("http"));
        let both = headers(&[("forwarded", "for=192.0.2.7;proto=https"), ("x-forwarded-proto", "http")]);
        assert_eq!(proxies.scheme(ip("10.1.2.3"), &both), Some("https"));
        assert_eq!(proxies.scheme(ip("10.1.2.3"), &headers(&[("x-forwarded-proto", "gopher")])), None);
        assert_eq!(proxies.scheme(ip("10.1.2.3"), &HeaderMap::new()), None);
    }
}
