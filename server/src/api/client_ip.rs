//! The client's address for per-address limits: the TCP peer, unless the peer is a configured
//! trusted proxy (`--trusted-proxy`), in which case the right-most address in `X-Forwarded-For`
//! that is not itself a trusted proxy. Entries to the left of that were written by the client and
//! are never believed, so a spoofed header cannot move a flood onto someone else's budget.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// Who sent this request, for rate limiting.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(&canonical(*ip)));
    if !is_trusted(&peer) {
        return peer;
    }
    // Every X-Forwarded-For line, in order, as one comma-separated list (RFC 7230 §3.2.2).
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match parse_hop(hop) {
            // A proxy of ours passed it on: the hop to its left is who it heard from.
            Some(ip) if is_trusted(&ip) => client = ip,
            Some(ip) => return canonical(ip),
            // An unreadable entry where one of our proxies should have written: keep the last
            // address we can vouch for rather than guess.
            None => return client,
        }
    }
    client
}

/// `203.0.113.7`, `2001:db8::1`, `[2001:db8::1]:443` or `203.0.113.7:5000`.
fn parse_hop(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    s.parse::<std::net::SocketAddr>().ok().map(|a| a.ip())
}

/// IPv4-mapped IPv6 (`::ffff:10.0.0.1`, what a dual-stack socket reports) compares as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().expect("header"));
        }
        h
    }

    fn proxies() -> Vec<IpNet> {
        vec!["10.0.0.0/8".parse().expect("net")]
    }

    #[test]
    fn an_untrusted_peer_is_its_own_address_whatever_it_claims() {
        let h = xff(&["198.51.100.1"]);
        assert_eq!(
            client_ip(ip("203.0.113.9"), &h, &proxies()),
            ip("203.0.113.9")
        );
        assert_eq!(client_ip(ip("203.0.113.9"), &h, &[]), ip("203.0.113.9"));
    }

    #[test]
    fn a_trusted_proxy_names_the_client_on_the_right() {
        let h = xff(&["198.51.100.1"]);
        assert_eq!(
            client_ip(ip("10.1.2.3"), &h, &proxies()),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn entries_the_client_wrote_on_the_left_are_ignored() {
        let h = xff(&["1.1.1.1, 2.2.2.2", "198.51.100.1"]);
        assert_eq!(
            client_ip(ip("10.1.2.3"), &h, &proxies()),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_walked_through() {
        let h = xff(&["198.51.100.1, 10.9.9.9"]);
        assert_eq!(
            client_ip(ip("10.1.2.3"), &h, &proxies()),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn missing_or_unreadable_headers_fall_back_to_the_last_trusted_hop() {
        assert_eq!(
            client_ip(ip("10.1.2.3"), &HeaderMap::new(), &proxies()),
            ip("10.1.2.3")
        );
        let h = xff(&["198.51.100.1, junk"]);
        assert_eq!(client_ip(ip("10.1.2.3"), &h, &proxies()), ip("10.1.2.3"));
        let h = xff(&["junk, 10.9.9.9"]);
        assert_eq!(client_ip(ip("10.1.2.3"), &h, &proxies()), ip("10.9.9.9"));
    }

    #[test]
    fn ports_brackets_and_mapped_addresses_are_understood() {
        let h = xff(&["[2001:db8::7]:443"]);
        assert_eq!(client_ip(ip("10.1.2.3"), &h, &proxies()), ip("2001:db8::7"));
        let h = xff(&["198.51.100.1:5000"]);
        assert_eq!(
            client_ip(ip("::ffff:10.1.2.3"), &h, &proxies()),
            ip("198.51.100.1")
        );
    }
}
