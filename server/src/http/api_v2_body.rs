//! The body of `POST /api/v2/request`: ConsoleMe's (what its scripts and
//! its UI sent) or Latchkey's own. A bad body names the field it broke.
use app::domain::change::{ChangeSpec, Tag};
use app::ports::{NewChange, NewRequest as Parsed};
use serde_json::Value;

type Bad = (String, String);

fn change(target_arn: String, spec: ChangeSpec) -> NewChange {
    NewChange {
        target_arn,
        spec,
        expires_at: None,
    }
}

fn bad(field: impl Into<String>, message: impl Into<String>) -> Bad {
    (field.into(), message.into())
}

fn text(v: &Value, key: &str, at: &str) -> Result<String, Bad> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| bad(format!("{at}.{key}"), "must be a string"))
}

/// A policy document given as an object or as JSON text.
fn document(v: &Value, at: &str) -> Result<Value, Bad> {
    let d = v
        .get("policy")
        .and_then(|p| p.get("policy_document"))
        .ok_or_else(|| bad(format!("{at}.policy.policy_document"), "is required"))?;
    match d {
        Value::Object(_) => Ok(d.clone()),
        Value::String(s) => serde_json::from_str(s).map_err(|e| {
            bad(
                format!("{at}.policy.policy_document"),
                format!("is not JSON: {e}"),
            )
        }),
        _ => Err(bad(
            format!("{at}.policy.policy_document"),
            "must be a JSON object",
        )),
    }
}

fn detach(v: &Value) -> bool {
    matches!(
        v.get("action").and_then(Value::as_str),
        Some("detach" | "delete" | "remove")
    )
}

/// One of ConsoleMe's changes as Latchkey's.
fn consoleme_change(c: &Value, at: &str) -> Result<(String, ChangeSpec), Bad> {
    let principal = c
        .get("principal")
        .and_then(|p| p.get("principal_arn"))
        .and_then(Value::as_str)
        .ok_or_else(|| bad(format!("{at}.principal.principal_arn"), "is required"))?
        .to_owned();
    let kind = text(c, "change_type", at)?;
    let spec = match kind.as_str() {
        "inline_policy" if detach(c) => ChangeSpec::InlinePolicyDelete {
            policy_name: text(c, "policy_name", at)?,
        },
        "inline_policy" => ChangeSpec::InlinePolicyPut {
            policy_name: text(c, "policy_name", at)?,
            document: document(c, at)?,
        },
        "managed_policy" if detach(c) => ChangeSpec::ManagedPolicyDetach {
            policy_arn: text(c, "arn", at)?,
        },
        "managed_policy" => ChangeSpec::ManagedPolicyAttach {
            policy_arn: text(c, "arn", at)?,
        },
        "assume_role_policy" => ChangeSpec::TrustPolicyPut {
            document: document(c, at)?,
        },
        "permissions_boundary" if detach(c) => ChangeSpec::BoundaryDelete,
        "permissions_boundary" => ChangeSpec::BoundaryPut {
            policy_arn: text(c, "arn", at)?,
        },
        "resource_tag" => {
            let key = text(c, "key", at)?;
            match c.get("tag_action").and_then(Value::as_str) {
                Some("delete") => ChangeSpec::TagsRemove { keys: vec![key] },
                _ => ChangeSpec::TagsPut {
                    tags: vec![Tag {
                        key,
                        value: text(c, "value", at)?,
                    }],
                },
            }
        }
        other => {
            return Err(bad(
                format!("{at}.change_type"),
                format!("{other:?} is not one of inline_policy, managed_policy, assume_role_policy, permissions_boundary, resource_tag"),
            ))
        }
    };
    Ok((principal, spec))
}

/// The new request a body asks for.
pub fn new_request(body: &Value) -> Result<Parsed, Bad> {
    if !body.is_object() {
        return Err(bad("body", "must be a JSON object"));
    }
    let justification = body
        .get("justification")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let changes = body
        .get("changes")
        .ok_or_else(|| bad("changes", "is required"))?;
    // ConsoleMe's: `changes: {changes: [...]}`, each naming its principal.
    if let Some(list) = changes.get("changes") {
        let list = list
            .as_array()
            .filter(|l| !l.is_empty())
            .ok_or_else(|| bad("changes.changes", "must be a non-empty list"))?;
        let mut principal = None;
        let mut out = Vec::new();
        for (i, c) in list.iter().enumerate() {
            let (p, spec) = consoleme_change(c, &format!("changes.changes[{i}]"))?;
            match &principal {
                None => principal = Some(p.clone()),
                Some(first) if *first != p => {
                    return Err(bad(
                        format!("changes.changes[{i}].principal.principal_arn"),
                        "every change of one request must name the same principal",
                    ))
                }
                Some(_) => {}
            }
            out.push(change(p, spec));
        }
        return Ok(Parsed {
            principal_arn: principal.unwrap_or_default(),
            justification,
            direct: false,
            changes: out,
        });
    }
    // Latchkey's: `principal_arn` and `changes: [{target_arn?, spec}]`.
    let principal_arn = text(body, "principal_arn", "body").map_err(|_| {
        bad(
            "principal_arn",
            "is required (or ConsoleMe's changes.changes)",
        )
    })?;
    let list = changes
        .as_array()
        .filter(|l| !l.is_empty())
        .ok_or_else(|| bad("changes", "must be a non-empty list"))?;
    let mut out = Vec::new();
    for (i, c) in list.iter().enumerate() {
        let at = format!("changes[{i}]");
        let spec: ChangeSpec =
            serde_json::from_value(c.get("spec").cloned().unwrap_or(Value::Null))
                .map_err(|e| bad(format!("{at}.spec"), e.to_string()))?;
        let target = match c.get("target_arn") {
            None | Some(Value::Null) => principal_arn.clone(),
            Some(Value::String(t)) => t.clone(),
            Some(_) => return Err(bad(format!("{at}.target_arn"), "must be a string")),
        };
        out.push(change(target, spec));
    }
    Ok(Parsed {
        principal_arn,
        justification,
        direct: false,
        changes: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ROLE: &str = "arn:aws:iam::111111111111:role/eng-dev";

    #[test]
    fn consoleme_bodies_become_latchkey_changes() {
        let body = json!({
            "justification": "read the reports bucket",
            "admin_auto_approve": false,
            "changes": {"changes": [
                {"principal": {"principal_arn": ROLE, "principal_type": "AwsResource"},
                 "change_type": "inline_policy", "action": "attach", "policy_name": "reports",
                 "policy": {"policy_document": "{\"Version\":\"2012-10-17\",\"Statement\":[]}"}},
                {"principal": {"principal_arn": ROLE}, "change_type": "managed_policy",
                 "action": "detach", "arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
                {"principal": {"principal_arn": ROLE}, "change_type": "resource_tag",
                 "key": "team", "value": "data", "tag_action": "create"}
            ]}
        });
        let r = new_request(&body).unwrap();
        assert_eq!(r.principal_arn, ROLE);
        assert_eq!(r.justification, "read the reports bucket");
        let kinds: Vec<&ChangeSpec> = r.changes.iter().map(|c| &c.spec).collect();
        assert!(
            matches!(kinds[0], ChangeSpec::InlinePolicyPut { policy_name, .. } if policy_name == "reports")
        );
        assert!(matches!(kinds[1], ChangeSpec::ManagedPolicyDetach { .. }));
        assert!(matches!(kinds[2], ChangeSpec::TagsPut { .. }));
    }

    #[test]
    fn bad_bodies_name_their_field() {
        let field = |b: Value| new_request(&b).unwrap_err().0;
        assert_eq!(field(json!([])), "body");
        assert_eq!(field(json!({})), "changes");
        assert_eq!(
            field(json!({"changes": {"changes": []}})),
            "changes.changes"
        );
        assert_eq!(
            field(
                json!({"changes": {"changes": [{"principal": {"principal_arn": ROLE}, "change_type": "sqs"}]}})
            ),
            "changes.changes[0].change_type"
        );
        let two = json!({"changes": {"changes": [
            {"principal": {"principal_arn": ROLE}, "change_type": "managed_policy", "arn": "arn:a"},
            {"principal": {"principal_arn": "arn:aws:iam::1:role/x"}, "change_type": "managed_policy", "arn": "arn:a"}
        ]}});
        assert_eq!(field(two), "changes.changes[1].principal.principal_arn");
        assert_eq!(field(json!({"changes": [{"spec": {}}]})), "principal_arn");
        assert_eq!(
            field(json!({"principal_arn": ROLE, "changes": [{"spec": {"kind": "nope"}}]})),
            "changes[0].spec"
        );
    }
}
