//! The client's address: the socket peer, or, when the peer is one of
//! `server.trusted_proxies`, the address the proxies say they forwarded for.
use crate::auth::cidr::{unmapped, Cidr};
use axum::http::HeaderMap;
use std::net::IpAddr;

/// Longest `X-Forwarded-For` chain read (a longer one is someone's game).
const MAX_HOPS: usize = 20;

/// Who sent the request. From a trusted proxy, `X-Forwarded-For` is read
/// from the right (each proxy appends the address it heard from), skipping
/// trusted proxies: the first address outside them is the client. Anything
/// to its left was written by the client and is never believed. A chain
/// that is unreadable stops at the last hop that was, and one made only of
/// trusted proxies gives its left-most.
pub fn client_addr(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[Cidr]) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if !is_trusted(peer) {
        return Some(unmapped(peer));
    }
    let mut hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("").split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    if hops.len() > MAX_HOPS {
        hops.drain(..hops.len() - MAX_HOPS);
    }
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            break;
        };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    Some(unmapped(client))
}

/// One `X-Forwarded-For` entry: an address, maybe with a port (`1.2.3.4:5`,
/// `[::1]:5`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    let (host, port) = hop.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(peer: &str, xff: &[&str], trusted: &[&str]) -> String {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        let trusted: Vec<Cidr> = trusted.iter().map(|c| c.parse().unwrap()).collect();
        client_addr(Some(peer.parse().unwrap()), &h, &trusted)
            .unwrap()
            .to_string()
    }

    #[test]
    fn a_peer_that_is_no_trusted_proxy_is_the_client_whatever_it_says() {
        assert_eq!(addr("203.0.113.9", &["10.9.9.9"], &[]), "203.0.113.9");
        assert_eq!(
            addr("203.0.113.9", &["10.9.9.9"], &["10.0.0.0/8"]),
            "203.0.113.9"
        );
    }

    #[test]
    fn through_trusted_proxies_the_right_most_untrusted_hop_is_the_client() {
        let lb = ["10.0.0.0/8"];
        assert_eq!(addr("10.0.0.5", &["198.51.100.7"], &lb), "198.51.100.7");
        // The client wrote the left-most entry itself: never believed.
        assert_eq!(
            addr("10.0.0.5", &["1.1.1.1, 198.51.100.7"], &lb),
            "198.51.100.7"
        );
        // Two proxies deep, over two header lines.
        assert_eq!(
            addr("10.0.0.5", &["1.1.1.1, 198.51.100.7", "10.0.0.9"], &lb),
            "198.51.100.7"
        );
        assert_eq!(addr("10.0.0.5", &["[2001:db8::1]:443"], &lb), "2001:db8::1");
        assert_eq!(
            addr("10.0.0.5", &["198.51.100.7:5000"], &lb),
            "198.51.100.7"
        );
    }

    #[test]
    fn unreadable_or_missing_chains_stop_at_the_last_readable_hop() {
        let lb = ["10.0.0.0/8"];
        assert_eq!(addr("10.0.0.5", &[], &lb), "10.0.0.5");
        assert_eq!(addr("10.0.0.5", &["junk"], &lb), "10.0.0.5");
        assert_eq!(addr("10.0.0.5", &["198.51.100.7, junk"], &lb), "10.0.0.5");
        assert_eq!(addr("10.0.0.5", &["junk, 10.0.0.8"], &lb), "10.0.0.8");
        assert_eq!(addr("::ffff:10.0.0.5", &[], &lb), "10.0.0.5");
    }

    #[test]
    fn a_long_chain_is_read_from_its_right_end_only() {
        let mut chain = vec!["10.0.0.1"; 50];
        chain.insert(0, "1.1.1.1");
        let lb = ["10.0.0.0/8"];
        assert_eq!(addr("10.0.0.5", &[&chain.join(",")], &lb), "10.0.0.1");
    }
}
