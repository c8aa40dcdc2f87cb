//! New denied calls are told, batched, to the people concerned: a role's
//! owner (its `owner` tag, an address) hears of all of the role's, each
//! person whose session was refused of theirs (names that are not addresses
//! are nobody's), each call with its pre-filled request link; nothing twice,
//! and a call seen again is news again. Off unless `cloudtrail.notify`.
use super::shown::denial;
use super::*;

fn mailing(smtp_port: u16, notify: bool) -> String {
    format!(
        "\n[cloudtrail]\nbucket = \"trail\"\nnotify = {notify}\n{}",
        mail_to_sink(smtp_port)
    )
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn new_denied_calls_reach_the_roles_owner_and_the_people_refused_once(pool: PgPool) {
    let (smtp, mails) = smtp_sink().await;
    let a = unique_account();
    let s = services(pool.clone(), config_with(&[&a], &mailing(smtp, true))).await;
    let iam = iam(&s, &a).await;
    create_role(&iam, "eng-etl", &[], &[("owner", "data-team@example.com")]).await;
    create_role(&iam, "eng-web", &[], &[("owner", "web team")]).await;
    latchkey::services::sync::engine::sync_all(
        &s,
        latchkey::services::sync::engine::Trigger::Manual,
    )
    .await;
    let (etl, web) = (
        format!("arn:aws:iam::{a}:role/eng-etl"),
        format!("arn:aws:iam::{a}:role/eng-web"),
    );
    let mut put = denial(&etl, "s3:PutObject", 3, 0, "erin@example.com");
    put.resource = "arn:aws:s3:::reports/q4.csv".into();
    let bot = denial(&etl, "s3:GetObject", 1, 0, "ci-bot");
    let mut send = denial(&web, "sqs:SendMessage", 2, 0, "sam@example.com");
    send.resource = format!("arn:aws:sqs:us-east-1:{a}:jobs");
    let mut conn = pool.acquire().await.unwrap();
    latchkey::db::denials::upsert(&mut conn, &[put.clone(), bot, send])
        .await
        .unwrap();
    drop(conn);

    let sent = s.notify_denials().await.unwrap();
    assert_eq!(
        (sent.denials, sent.messages),
        (3, 3),
        "owner of eng-etl, Erin, Sam"
    );
    let got = received(&mails, |m| m.len() >= 3).await;
    let to = |who: &str| -> Vec<Mail> { got.iter().filter(|m| m.rcpt == [who]).cloned().collect() };
    let owner = to("data-team@example.com");
    assert_eq!(owner.len(), 1, "{got:?}");
    let body = &owner[0].data;
    assert!(
        body.contains("Subject: [Latchkey] Denied calls of eng-etl"),
        "{body}"
    );
    assert!(
        body.contains("s3:PutObject on arn:aws:s3:::reports/q4.csv: 3 calls"),
        "{body}"
    );
    assert!(
        body.contains("s3:GetObject") && body.contains("by ci-bot"),
        "the owner hears of all: {body}"
    );
    assert!(
        body.contains("Ask for it: https://latchkey.example.com/request?principal="),
        "{body}"
    );
    let erin = to("erin@example.com");
    assert_eq!(erin.len(), 1);
    assert!(
        erin[0].data.contains("s3:PutObject") && !erin[0].data.contains("s3:GetObject"),
        "only hers"
    );
    assert_eq!(
        to("sam@example.com").len(),
        1,
        "eng-web's owner is not an address; Sam is"
    );
    assert!(got.iter().all(|m| !m
        .rcpt
        .iter()
        .any(|r| r.contains("ci-bot") || r.contains("web team"))));

    // Nothing new: nobody is told twice.
    assert_eq!(s.notify_denials().await.unwrap().messages, 0);
    // Seen again: news again, for those concerned.
    put.count = 1;
    put.first_seen = chrono::Utc::now() + chrono::Duration::seconds(2);
    put.last_seen = put.first_seen;
    let mut conn = pool.acquire().await.unwrap();
    latchkey::db::denials::upsert(&mut conn, &[put])
        .await
        .unwrap();
    drop(conn);
    let again = s.notify_denials().await.unwrap();
    assert_eq!(
        (again.denials, again.messages),
        (1, 2),
        "eng-etl's owner and Erin"
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn without_notify_nobody_is_told(pool: PgPool) {
    let (smtp, mails) = smtp_sink().await;
    let a = unique_account();
    let s = services(pool.clone(), config_with(&[&a], &mailing(smtp, false))).await;
    let role = format!("arn:aws:iam::{a}:role/eng-etl");
    let mut conn = pool.acquire().await.unwrap();
    latchkey::db::denials::upsert(
        &mut conn,
        &[denial(&role, "s3:GetObject", 1, 0, "erin@example.com")],
    )
    .await
    .unwrap();
    drop(conn);
    assert_eq!(s.notify_denials().await.unwrap().messages, 0);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(mails.lock().unwrap().is_empty());
}
