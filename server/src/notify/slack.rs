//! Slack notifications through an incoming webhook.
use super::event::{Notification, Notifier};
use crate::config::SlackConfig;
use async_trait::async_trait;

/// The most of a request's text a Slack message carries; the link has the rest.
const SLACK_DETAIL_CHARS: usize = 1500;

/// User text for Slack's mrkdwn: `&`, `<` and `>` escaped as Slack asks, so
/// a justification cannot ping `<!channel>` or dress a link as another,
/// and cut to `max` characters.
pub fn slack_escape(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max) + 8);
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// A Slack incoming webhook: one message per event.
pub struct SlackNotifier {
    url: String,
    http: reqwest::Client,
}

impl SlackNotifier {
    pub fn new(c: &SlackConfig) -> Self {
        Self {
            url: c.webhook_url.expose().to_owned(),
            http: reqwest::Client::new(),
        }
    }
}

#[async_trait]
impl Notifier for SlackNotifier {
    fn name(&self) -> &'static str {
        "slack"
    }

    async fn notify(&self, n: &Notification) -> Result<(), String> {
        // A digest of who was denied what is for the people it names, by
        // e-mail, not for a shared channel.
        if n.event == super::event::NotifyEvent::Denied {
            return Ok(());
        }
        let text = format!(
            "*{}* by {} on `{}`\n{}\n<{}|Open the request>",
            n.verb_title(),
            slack_escape(&n.actor, 200),
            slack_escape(&n.principal_arn, 300),
            slack_escape(&n.detail, SLACK_DETAIL_CHARS),
            n.link
        );
        let r = self
            .http
            .post(&self.url)
            .json(&serde_json::json!({ "text": text }))
            .timeout(std::time::Duration::from_secs(20))
            .send()
            .await
            // The error may quote the URL, which is a secret: keep only its kind.
            .map_err(|e| {
                format!(
                    "webhook unreachable ({})",
                    if e.is_timeout() { "timeout" } else { "connect" }
                )
            })?;
        if r.status().is_success() {
            Ok(())
        } else {
            Err(format!("webhook answered {}", r.status()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::slack_escape;

    #[test]
    fn user_text_cannot_ping_or_spoof_links_and_is_cut() {
        assert_eq!(
            slack_escape("hi <!channel> <https://evil|bank> & co", 100),
            "hi &lt;!channel&gt; &lt;https://evil|bank&gt; &amp; co"
        );
        assert_eq!(slack_escape("abcdef", 3), "abc…");
    }
}
