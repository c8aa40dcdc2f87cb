//! Statement housekeeping shared by generation, merge and cross-account:
//! combining statements of equal scope, sorting, content-derived Sids.

use super::document::Statement;

/// Combines Allow statements with equal principal, resources and condition;
/// sorts and de-duplicates actions and resources; gives each a content Sid.
pub(crate) fn combine(statements: Vec<Statement>) -> Vec<Statement> {
    let mut out: Vec<Statement> = Vec::new();
    for mut st in statements {
        normalise(&mut st);
        let same = out.iter_mut().find(|o| {
            o.effect == st.effect
                && o.principal == st.principal
                && o.not_principal.is_none()
                && st.not_principal.is_none()
                && o.resource == st.resource
                && o.not_resource.is_none()
                && st.not_resource.is_none()
                && o.condition == st.condition
                && o.action.is_some()
                && st.action.is_some()
        });
        match same {
            Some(o) => {
                if let (Some(a), Some(b)) = (&mut o.action, st.action) {
                    a.extend(b);
                }
                normalise(o);
            }
            None => out.push(st),
        }
    }
    for st in &mut out {
        st.sid = Some(content_sid(st));
    }
    out
}

/// Sorts (case-insensitively) and de-duplicates actions and resources.
pub(crate) fn normalise(st: &mut Statement) {
    for l in [&mut st.action, &mut st.not_action].into_iter().flatten() {
        l.sort_by_key(|a| a.to_ascii_lowercase());
        l.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    }
    for l in [&mut st.resource, &mut st.not_resource]
        .into_iter()
        .flatten()
    {
        l.sort();
        l.dedup();
    }
}

/// `Latchkey<Service><8 hex digits>`: a Sid derived from the statement's
/// content (effect, principal, actions, resources, condition), so equal
/// statements get equal Sids.
pub fn content_sid(st: &Statement) -> String {
    let mut s = st.clone();
    s.sid = None;
    let text = s.to_value().to_string();
    let mut h: u32 = 0x811c_9dc5;
    for b in text.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    let service = st
        .actions()
        .first()
        .or(st.not_action.as_ref().and_then(|a| a.first()))
        .and_then(|a| a.split_once(':'))
        .map(|(svc, _)| svc)
        .unwrap_or("All");
    let mut label = String::new();
    for (i, c) in service
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .enumerate()
    {
        label.push(if i == 0 { c.to_ascii_uppercase() } else { c });
    }
    format!("Latchkey{label}{h:08x}")
}
