//! Sinks that stand in for the world notifications go to: an SMTP server
//! that keeps every message.
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// One e-mail as the sink received it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub rcpt: Vec<String>,
    pub data: String,
}

/// A minimal SMTP server: accepts every message and keeps it.
pub async fn smtp_sink() -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let store = mails.clone();
    tokio::spawn(async move {
        loop {
            let (sock, _) = listener.accept().await.unwrap();
            let store = store.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut mail = Mail {
                    rcpt: vec![],
                    data: String::new(),
                };
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250 sink\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        mail.rcpt
                            .push(line[8..].trim().trim_matches(['<', '>']).to_owned());
                        b"250 ok\r\n"
                    } else if upper.starts_with("DATA") {
                        w.write_all(b"354 go on\r\n").await.unwrap();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            mail.data.push_str(&l);
                            mail.data.push('\n');
                        }
                        store.lock().unwrap().push(mail.clone());
                        mail = Mail {
                            rcpt: vec![],
                            data: String::new(),
                        };
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        w.write_all(b"221 bye\r\n").await.unwrap();
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    w.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, mails)
}

/// Waits (up to 10 s) until `pred` holds for what a sink has received.
pub async fn received<T: Clone>(store: &Arc<Mutex<Vec<T>>>, pred: impl Fn(&[T]) -> bool) -> Vec<T> {
    for _ in 0..100 {
        let now = store.lock().unwrap().clone();
        if pred(&now) {
            return now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    store.lock().unwrap().clone()
}

/// `[notifications]` with e-mail to the sink on `smtp_port` (links to
/// https://latchkey.example.com; approvers: security@example.com).
pub fn mail_to_sink(smtp_port: u16) -> String {
    format!(
        r#"
[notifications]
base_url = "https://latchkey.example.com"
[notifications.email]
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
tls = "none"
from = "Latchkey <latchkey@example.com>"
approvers = ["security@example.com"]
"#
    )
}
