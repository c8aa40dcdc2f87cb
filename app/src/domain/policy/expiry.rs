//! Temporary access: a `DateLessThan aws:CurrentTime` condition ends a grant
//! in AWS itself (fail-safe even if the sweeper never runs), and
//! [`remove_expired`] is what the sweeper applies afterwards.
//!
//! Times are unix seconds passed in by the caller (no clock here: this code
//! runs in the browser too); RFC 3339 formatting and parsing are done by hand
//! to keep chrono out of the wasm bundle.

use super::document::{PolicyDocument, Statement};
use serde_json::Value;

const OPERATOR: &str = "DateLessThan";
const KEY: &str = "aws:CurrentTime";

/// `2026-11-25T10:00:00Z` for unix seconds `secs` (UTC).
pub fn format_rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Unix seconds of an ISO 8601 / RFC 3339 time as IAM accepts it
/// (`2026-11-25`, `2026-11-25T10:00:00Z`, fractions, `+02:00` offsets) or of
/// epoch seconds.
pub fn parse_time(s: &str) -> Option<i64> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || !(1..=days_in_month(y, mo)).contains(&d) {
        return None;
    }
    let mut secs = days_from_civil(y, mo, d) * 86_400;
    if b.len() == 10 {
        return Some(secs);
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    secs += h * 3600 + mi * 60 + se;
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    match s.get(i..)? {
        "Z" | "z" => Some(secs),
        off if off.len() == 6 && (off.starts_with('+') || off.starts_with('-')) => {
            let oh = num(i + 1..i + 3)?;
            let om = num(i + 4..i + 6)?;
            if b[i + 3] != b':' {
                return None;
            }
            let delta = oh * 3600 + om * 60;
            Some(if off.starts_with('+') {
                secs - delta
            } else {
                secs + delta
            })
        }
        _ => None,
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// The statements with `"DateLessThan": {"aws:CurrentTime": <expires_at>}`
/// added to their conditions (other conditions kept; an earlier expiry
/// already present is kept since the grant then ends sooner).
pub fn with_expiry(statements: &[Statement], expires_at: i64) -> Vec<Statement> {
    statements
        .iter()
        .map(|st| {
            let mut st = st.clone();
            let keep_existing = expiry_of(&st).is_some_and(|e| e <= expires_at);
            if !keep_existing {
                st.condition.entry(OPERATOR.to_owned()).or_default().insert(
                    KEY.to_owned(),
                    vec![Value::String(format_rfc3339(expires_at))],
                );
            }
            st
        })
        .collect()
}

/// The document a temporary change writes: every statement that `current`
/// (what the target holds now) does not already hold gets the expiry; the
/// ones it holds stay as they are. Returns how many statements will expire,
/// so a caller can refuse a "temporary" change that grants nothing new.
pub fn expire_new_statements(
    doc: &PolicyDocument,
    current: Option<&PolicyDocument>,
    expires_at: i64,
) -> (PolicyDocument, usize) {
    let held = |st: &Statement| current.is_some_and(|c| c.statements().contains(st));
    let mut expiring = 0;
    let statements = doc
        .statements()
        .iter()
        .map(|st| {
            if held(st) {
                st.clone()
            } else {
                expiring += 1;
                with_expiry(std::slice::from_ref(st), expires_at)
                    .pop()
                    .unwrap_or_else(|| st.clone())
            }
        })
        .collect();
    (doc.with_statements(statements), expiring)
}

/// When a statement stops granting, from its `DateLessThan aws:CurrentTime`
/// condition (the earliest value if several).
pub fn expiry_of(st: &Statement) -> Option<i64> {
    let keys = st.condition.get(OPERATOR)?;
    let (_, vals) = keys.iter().find(|(k, _)| k.eq_ignore_ascii_case(KEY))?;
    vals.iter()
        .filter_map(|v| match v {
            Value::String(s) => parse_time(s),
            Value::Number(n) => n.as_i64(),
            _ => None,
        })
        .min()
}

/// The document without statements that have expired at `now` (unix secs):
/// those whose `DateLessThan aws:CurrentTime` is ≤ `now`. Returns how many
/// were removed. A document left with no statement should be deleted, not put.
pub fn remove_expired(doc: &PolicyDocument, now: i64) -> (PolicyDocument, usize) {
    let kept: Vec<Statement> = doc
        .statements()
        .iter()
        .filter(|st| expiry_of(st).is_none_or(|e| e > now))
        .cloned()
        .collect();
    let removed = doc.statements().len() - kept.len();
    (doc.with_statements(kept), removed)
}

/// The statement as it reads without its expiry (and without its Sid): what
/// is left of a temporary grant if someone strips the condition in AWS.
fn grant_of(st: &Statement) -> Statement {
    let mut st = st.clone();
    st.sid = None;
    if let Some(keys) = st.condition.get_mut(OPERATOR) {
        keys.retain(|k, _| !k.eq_ignore_ascii_case(KEY));
        if keys.is_empty() {
            st.condition.remove(OPERATOR);
        }
    }
    st
}

/// [`remove_expired`], and also every statement of `doc` that is one of
/// `granted`'s expired statements with its condition (or Sid) taken away:
/// a temporary grant whose `DateLessThan` was stripped in AWS is still the
/// grant that expired, and must go. Returns how many were removed.
pub fn remove_expired_grants(
    doc: &PolicyDocument,
    granted: &PolicyDocument,
    now: i64,
) -> (PolicyDocument, usize) {
    let expired: Vec<Statement> = granted
        .statements()
        .iter()
        .filter(|st| expiry_of(st).is_some_and(|e| e <= now))
        .map(grant_of)
        .collect();
    let kept: Vec<Statement> = doc
        .statements()
        .iter()
        .filter(|st| expiry_of(st).is_none_or(|e| e > now) && !expired.contains(&grant_of(st)))
        .cloned()
        .collect();
    let removed = doc.statements().len() - kept.len();
    (doc.with_statements(kept), removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_statements_the_target_does_not_hold_get_the_expiry() {
        use crate::domain::policy::PolicyKind;
        let parse = |s: &str| PolicyDocument::parse(s, PolicyKind::Inline).unwrap().doc;
        let old = r#"{"Sid":"Old","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::a"}"#;
        let new = r#"{"Sid":"New","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a/*"}"#;
        let current = parse(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{old}]}}"#
        ));
        let asked = parse(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{old},{new}]}}"#
        ));
        let (out, n) = expire_new_statements(&asked, Some(&current), 1_795_600_800);
        assert_eq!(n, 1);
        assert_eq!(
            expiry_of(&out.statements()[0]),
            None,
            "held statement untouched"
        );
        assert_eq!(expiry_of(&out.statements()[1]), Some(1_795_600_800));
        // Nothing held yet: everything expires; all held: nothing would.
        assert_eq!(expire_new_statements(&asked, None, 5).1, 2);
        assert_eq!(expire_new_statements(&current, Some(&current), 5).1, 0);
    }

    #[test]
    fn an_expired_grant_goes_even_when_its_condition_was_stripped() {
        use crate::domain::policy::PolicyKind;
        let parse = |s: &str| PolicyDocument::parse(s, PolicyKind::Inline).unwrap().doc;
        let keep = r#"{"Sid":"Keep","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::a"}"#;
        let grant = r#"{"Sid":"Tmp","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a/*","Condition":{"DateLessThan":{"aws:CurrentTime":"2026-11-25T10:00:00Z"}}}"#;
        let stripped = r#"{"Sid":"Renamed","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a/*"}"#;
        let granted = parse(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{grant}]}}"#
        ));
        let now_holds = parse(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{keep},{stripped}]}}"#
        ));
        let expiry = parse_time("2026-11-25T10:00:00Z").unwrap();
        // Plain removal sees nothing expired; the grant-aware one finds it.
        assert_eq!(remove_expired(&now_holds, expiry + 1).1, 0);
        let (kept, n) = remove_expired_grants(&now_holds, &granted, expiry + 1);
        assert_eq!(n, 1);
        assert_eq!(kept.statements().len(), 1);
        assert_eq!(kept.statements()[0].sid.as_deref(), Some("Keep"));
        // Before the end, nothing goes.
        assert_eq!(remove_expired_grants(&now_holds, &granted, expiry - 1).1, 0);
    }

    #[test]
    fn rfc3339_round_trips_through_unix_seconds() {
        for secs in [0, 951_782_400, 1_795_600_800, 4_102_444_799, -86_400] {
            assert_eq!(parse_time(&format_rfc3339(secs)), Some(secs), "{secs}");
        }
        assert_eq!(format_rfc3339(1_795_600_800), "2026-11-25T10:00:00Z");
        assert_eq!(format_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn iam_date_forms_parse_and_nonsense_does_not() {
        let z = parse_time("2026-11-25T10:00:00Z").unwrap();
        assert_eq!(parse_time("2026-11-25T12:00:00+02:00"), Some(z));
        assert_eq!(parse_time("2026-11-25T10:00:00.123Z"), Some(z));
        assert_eq!(parse_time("2026-11-25"), Some(z - 10 * 3600));
        assert_eq!(parse_time("1795600800"), Some(z));
        for bad in [
            "",
            "tomorrow",
            "2026-13-01",
            "2026-02-30",
            "2026-11-25T25:00:00Z",
            "2026-11-25T10:00:00",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    fn st(json: &str) -> Statement {
        Statement::from_value(&serde_json::from_str(json).unwrap()).unwrap()
    }

    #[test]
    fn with_expiry_adds_date_less_than_and_keeps_other_conditions() {
        let s = st(
            r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Condition":{"StringLike":{"s3:prefix":"a/*"}}}"#,
        );
        let out = with_expiry(&[s], 1_795_600_800);
        let v = out[0].to_value();
        assert_eq!(
            v["Condition"]["DateLessThan"]["aws:CurrentTime"],
            "2026-11-25T10:00:00Z"
        );
        assert_eq!(v["Condition"]["StringLike"]["s3:prefix"], "a/*");
        assert_eq!(expiry_of(&out[0]), Some(1_795_600_800));
    }

    #[test]
    fn with_expiry_keeps_an_earlier_expiry() {
        let s = with_expiry(
            &[st(
                r#"{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}"#,
            )],
            100,
        );
        let again = with_expiry(&s, 200);
        assert_eq!(expiry_of(&again[0]), Some(100));
        let sooner = with_expiry(&s, 50);
        assert_eq!(expiry_of(&sooner[0]), Some(50));
    }

    #[test]
    fn remove_expired_drops_only_statements_expired_at_now() {
        let keep =
            st(r#"{"Sid":"Forever","Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}"#);
        let old = with_expiry(
            &[st(
                r#"{"Sid":"Old","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#,
            )],
            1000,
        );
        let later = with_expiry(
            &[st(
                r#"{"Sid":"Later","Effect":"Allow","Action":"s3:PutObject","Resource":"*"}"#,
            )],
            3000,
        );
        let doc = PolicyDocument::new(vec![keep, old[0].clone(), later[0].clone()]);
        let (out, removed) = remove_expired(&doc, 1000);
        assert_eq!(removed, 1);
        let sids: Vec<_> = out
            .statements()
            .iter()
            .filter_map(|s| s.sid.as_deref())
            .collect();
        assert_eq!(sids, ["Forever", "Later"]);
        let (none_left, n) = remove_expired(&out, 5000);
        assert_eq!((n, none_left.statements().len()), (1, 1));
    }
}
