//! Postgres notification channels (the migrations' triggers notify them
//! on every change, by any writer) and the loop that listens to one.
use std::time::Duration;

/// An API token changed (payload: its hash, or empty for all).
pub const TOKEN_CHANNEL: &str = "latchkey_token_changed";
/// A role, its tags or its account changed (payload: the role ARN, or empty).
pub const ROLE_CHANNEL: &str = "latchkey_roles_changed";
/// A session changed (payload: its cookie hash, or empty).
pub const SESSION_CHANNEL: &str = "latchkey_session_changed";
/// A user's recently used roles changed (payload: the user id).
pub const RECENT_CHANNEL: &str = "latchkey_recent_changed";
/// The resources cache or an account changed (the search index, the list
/// of accounts).
pub const RESOURCES_CHANNEL: &str = "latchkey_resources_changed";

/// Calls `on_change` with each notification's payload on `channel` for as
/// long as the process runs. `on_live(true)` once subscribed; `on_live(false)`
/// whenever the connection is lost (changes may have been missed), and again
/// after a second's wait it reconnects.
pub async fn listen_forever(
    pool: sqlx::PgPool,
    channel: &'static str,
    on_live: impl Fn(bool),
    on_change: impl Fn(&str),
) {
    use sqlx::postgres::{PgListener, PgPoolOptions};
    // Its own connection, so the listener never holds one of the pool's.
    let own = PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with((*pool.connect_options()).clone());
    loop {
        let listener = async {
            let mut l = PgListener::connect_with(&own).await?;
            // By default sqlx reconnects inside `try_recv` before it says the
            // connection was lost, retrying for up to the pool's acquire
            // timeout (30 s) while Postgres is out of reach; `on_live(false)`
            // came only after that, and the caches went on answering from
            // memory meanwhile: a token revoked by another replica was
            // honoured here. Told at once, they stop answering at once.
            l.eager_reconnect(false);
            l.listen(channel).await?;
            Ok::<_, sqlx::Error>(l)
        }
        .await;
        match listener {
            Ok(mut l) => {
                on_live(true);
                loop {
                    match l.try_recv().await {
                        Ok(Some(n)) => on_change(n.payload()),
                        Ok(None) => break,
                        Err(e) => {
                            tracing::warn!(channel, error = %e, "change listener failed");
                            break;
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(channel, error = %e, "cannot listen for changes"),
        }
        on_live(false);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
