//! `--bind`: an address and a port. A port alone (`--bind 8081`) is the usual slip; the error
//! shows the form that works instead of "invalid socket address syntax". A port in use says
//! so, with a free-port suggestion.

use std::net::SocketAddr;

pub fn parse(value: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = value.parse() {
        return Ok(addr);
    }
    let port = value.trim().trim_start_matches(':');
    if port.parse::<u16>().is_ok() {
        return Err(format!(
            "`{value}` is a port without an address; use `--bind 127.0.0.1:{port}` (this \
             machine only) or `--bind 0.0.0.0:{port}` (every interface)"
        ));
    }
    Err(format!(
        "`{value}` is not an address and port; use the form `127.0.0.1:8080` (IPv6: `[::1]:8080`)"
    ))
}

/// A bind failure with the likely cause and the flag that fixes it.
pub fn listen_failed(addr: std::net::SocketAddr, e: &std::io::Error) -> anyhow::Error {
    use std::io::ErrorKind as K;
    let port = addr.port();
    let hint = match e.kind() {
        K::AddrInUse => format!(
            "port {port} is already in use (is another holdpoint running?); pick a free one, \
             e.g. `--bind {}:{}`",
            addr.ip(),
            port.wrapping_add(1).max(1024)
        ),
        K::AddrNotAvailable => format!(
            "{} is not an address of this machine; use `--bind 127.0.0.1:{port}` (this machine \
             only) or `--bind 0.0.0.0:{port}` (every interface)",
            addr.ip()
        ),
        K::PermissionDenied => format!(
            "ports below 1024 need privileges; use a higher one, e.g. `--bind {}:8080`",
            addr.ip()
        ),
        _ => String::new(),
    };
    let sep = if hint.is_empty() { "" } else { ": " };
    anyhow::anyhow!("cannot listen on {addr} ({e}){sep}{hint}")
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn a_bare_port_suggests_the_address_form() {
        assert_eq!(parse("127.0.0.1:8081").unwrap().port(), 8081);
        assert!(parse("8081").unwrap_err().contains("--bind 127.0.0.1:8081"));
        assert!(parse(":8081")
            .unwrap_err()
            .contains("--bind 127.0.0.1:8081"));
        assert!(parse("localhost").unwrap_err().contains("127.0.0.1:8080"));
    }
}
