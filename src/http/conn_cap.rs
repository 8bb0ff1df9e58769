//! The cap on open connections per client address (`--max-connections-per-ip`), checked as
//! each connection is accepted (see [`super::conn::accept`]).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Open connections per client network (an IPv4 address or an IPv6 /64), shared by all
/// workers. Without it one address could take every connection the workers accept.
pub struct PerIp {
    max: usize,
    trusted: Vec<IpAddr>,
    open: Mutex<HashMap<IpAddr, usize>>,
}

impl PerIp {
    /// `max` 0 turns the cap off; `trusted` peers (reverse proxies) are never capped.
    pub fn new(max: usize, trusted: &[IpAddr]) -> Arc<Self> {
        Arc::new(PerIp {
            max,
            trusted: trusted.iter().map(IpAddr::to_canonical).collect(),
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A place for one more connection from `peer` (`Ok(None)`: not counted), or `Err` with
    /// the network that is at the cap.
    pub fn admit(self: &Arc<Self>, peer: IpAddr) -> Result<Option<IpSlot>, IpAddr> {
        let peer = peer.to_canonical();
        if self.max == 0 || self.trusted.contains(&peer) {
            return Ok(None);
        }
        let net = crate::rate_limit::network_of(peer);
        let mut open = self.open.lock().expect("per-ip lock");
        let count = open.entry(net).or_insert(0);
        if *count >= self.max {
            return Err(net);
        }
        *count += 1;
        Ok(Some(IpSlot {
            counter: self.clone(),
            net,
        }))
    }

    pub fn max(&self) -> usize {
        self.max
    }

    /// Connections currently counted for `peer`'s network.
    pub fn open(&self, peer: IpAddr) -> usize {
        let net = crate::rate_limit::network_of(peer.to_canonical());
        let open = self.open.lock().expect("per-ip lock");
        open.get(&net).copied().unwrap_or(0)
    }
}

/// One counted connection; dropping it (the connection ends) gives the place back.
pub struct IpSlot {
    counter: Arc<PerIp>,
    net: IpAddr,
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut open = self.counter.open.lock().expect("per-ip lock");
        if let Some(count) = open.get_mut(&self.net) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.net);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_cap_and_a_place_back_when_a_connection_ends() {
        let per_ip = PerIp::new(2, &[]);
        let peer: IpAddr = "192.0.2.7".parse().unwrap();
        let first = per_ip.admit(peer).unwrap();
        let _second = per_ip.admit(peer).unwrap();
        assert_eq!(per_ip.admit(peer).err(), Some(peer));
        assert!(per_ip.admit("192.0.2.8".parse().unwrap()).is_ok());
        drop(first);
        assert_eq!(per_ip.open(peer), 1);
        assert!(per_ip.admit(peer).is_ok());
    }

    #[test]
    fn one_ipv6_network_shares_one_cap_and_trusted_proxies_have_none() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let per_ip = PerIp::new(1, &[proxy]);
        let _held = per_ip.admit("2001:db8::1".parse().unwrap()).unwrap();
        assert!(per_ip.admit("2001:db8::2".parse().unwrap()).is_err());
        assert!(per_ip.admit("2001:db8:0:1::1".parse().unwrap()).is_ok());
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        for _ in 0..3 {
            assert!(matches!(per_ip.admit(proxy), Ok(None)));
            assert!(matches!(per_ip.admit(mapped), Ok(None)));
        }
    }

    #[test]
    fn a_cap_of_zero_counts_nothing() {
        let per_ip = PerIp::new(0, &[]);
        assert!(matches!(
            per_ip.admit("192.0.2.7".parse().unwrap()),
            Ok(None)
        ));
    }
}
