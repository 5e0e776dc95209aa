//! A client as limits count it: one IPv4 address, or one IPv6 subscriber, who usually holds a
//! whole /64 (counting its addresses one by one would give them 2^64 tries).

use std::net::{IpAddr, Ipv6Addr};

/// The address that stands for `ip`'s client: itself for IPv4 (and IPv4 mapped into IPv6),
/// its /64 for IPv6.
pub fn client_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_slash_64_is_one_client() {
        let of = |s: &str| client_of(s.parse().unwrap()).to_string();
        assert_eq!(of("2001:db8:1:2::1"), of("2001:db8:1:2:ffff::9"));
        assert_ne!(of("2001:db8:1:2::1"), of("2001:db8:1:3::1"));
        assert_eq!(of("::ffff:10.0.0.1"), "10.0.0.1");
        assert_eq!(of("10.0.0.1"), "10.0.0.1");
    }
}
