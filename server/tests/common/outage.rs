//! A TCP relay in front of a service that can take it away and bring it
//! back, as when the process behind it stops and starts again: while the
//! relay is down its port refuses connections and every connection it was
//! relaying is closed. It knows nothing of HTTP, so it stands in front of
//! moto, the fault proxy or Postgres alike.
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct Outage {
    addr: SocketAddr,
    /// `true` while the service is there.
    up: watch::Sender<bool>,
}

impl Outage {
    /// Relays a fresh local port to `upstream` (`http://host:port` or
    /// `host:port`); up until [`Outage::cut`].
    pub async fn start(upstream: &str) -> Arc<Outage> {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (up, rx) = watch::channel(true);
        tokio::spawn(relay(listener, upstream, rx));
        Arc::new(Outage { addr, up })
    }

    /// The relay's URL, for an HTTP client.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The service goes away: open connections close, new ones are refused.
    pub fn cut(&self) {
        self.up.send_replace(false);
    }

    /// The service is back on the same port.
    pub fn restore(&self) {
        self.up.send_replace(true);
    }
}

/// Accepts while up; while down the listener is closed, so a connection
/// is refused rather than left waiting.
async fn relay(mut listener: TcpListener, upstream: String, rx: watch::Receiver<bool>) {
    let addr = listener.local_addr().unwrap();
    let mut watch = rx.clone();
    loop {
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((client, _)) = accepted else { continue };
                    tokio::spawn(pass_on(client, upstream.clone(), rx.clone()));
                }
                _ = watch.wait_for(|up| !*up) => break,
            }
        }
        drop(listener);
        if watch.wait_for(|up| *up).await.is_err() {
            return;
        }
        // The port was ours a moment ago (SO_REUSEADDR is set by tokio).
        listener = TcpListener::bind(addr).await.unwrap();
    }
}

/// Relays one connection until either side closes it or the service goes
/// away, which closes both.
async fn pass_on(mut client: TcpStream, upstream: String, mut rx: watch::Receiver<bool>) {
    let Ok(mut server) = TcpStream::connect(&upstream).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = rx.wait_for(|up| !*up) => {}
    }
}
