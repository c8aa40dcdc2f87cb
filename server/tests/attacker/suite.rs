//! The table run on one fixture: every cell answers as it says, and nothing
//! a refused cell asked for reached Postgres or AWS.
use super::*;

/// A role's tags (`key=value`) and attached policy ARNs in AWS.
async fn role_state(f: &Fixture, account: &str, name: &str) -> (Vec<String>, Vec<String>) {
    let iam = iam(&f.s, account).await;
    (
        role_tags(&iam, name).await,
        attached_policy_arns(&iam, name).await,
    )
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn every_attack_in_the_table_is_refused_and_changes_nothing(pool: PgPool) {
    let f = fixture(&pool).await;
    let mut cells = 0;
    let mut wrong = Vec::new();
    let stored = || scalar::<i64>(&pool, "SELECT count(*) FROM requests");
    for row in table() {
        for &who in row.who {
            cells += 1;
            let before = stored().await;
            let got = f.run(who, row.cell).await;
            if got != row.expect {
                wrong.push(format!(
                    "{who:?} {:?}: got {got:?}, want {:?}",
                    row.cell, row.expect
                ));
            }
            let after = stored().await;
            let refused = matches!(got, Status(s) if s >= 400);
            if refused && after != before {
                wrong.push(format!(
                    "{who:?} {:?}: refused, yet a request was stored",
                    row.cell
                ));
            }
        }
    }
    println!("attacker suite: {cells} cells, {} wrong", wrong.len());
    // No refresh of an unmanaged account reached AWS, and each was audited.
    let refused: i64 = scalar(
        &pool,
        "SELECT count(*) FROM audit_events WHERE action = 'resource.refresh' AND outcome = 'denied'",
    )
    .await;
    if refused != 8 {
        wrong.push(format!("{refused} refused refreshes audited, want 8"));
    }
    assert_no_wrong_cells(&wrong, cells);

    // Nothing that was refused reached AWS.
    let (tags, attached) = role_state(&f, &f.a, "LatchkeySpoke").await;
    assert_eq!(
        (tags, attached),
        (vec!["latchkey-authorized=engineers".to_owned()], vec![])
    );
    let (tags, attached) = role_state(&f, &f.b, "b-admin").await;
    assert!(
        tags.is_empty() && attached.is_empty(),
        "{tags:?} {attached:?}"
    );
    // The admin's direct edit is the one change applied to prod-admin.
    let (tags, attached) = role_state(&f, &f.a, "prod-admin").await;
    assert_eq!(
        (tags, attached),
        (vec!["owner=platform".to_owned()], vec![])
    );
    // Every refused credential or console ask of a protected role was audited as denied.
    let issued: i64 = scalar(
        &pool,
        "SELECT count(*) FROM audit_events WHERE outcome = 'success' AND target LIKE '%LatchkeySpoke%'",
    )
    .await;
    assert_eq!(issued, 0);
}
