//! Risk warnings a reviewer must see: wildcards, write access on every
//! resource, `iam:PassRole` on `*`, privilege-escalation actions and public
//! principals. AWS accepts all of these, so they are warnings; most make a
//! change "high risk" (see `Finding::is_high_risk`).

use super::super::catalogue;
use super::super::finding::Finding;
use super::super::kind::PolicyKind;
use super::grammar::elements;
use super::str_list;
use crate::domain::wildcard::action_matches;
use serde_json::{Map, Value};

/// Actions that let a principal give itself (or another) more permissions.
pub const PRIVILEGE_ESCALATION_ACTIONS: &[&str] = &[
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:PutRolePolicy",
    "iam:AddUserToGroup",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:PutUserPermissionsBoundary",
    "iam:DeleteUserPermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    // Role tags decide eligibility in Latchkey (`[role_tags]`).
    "iam:TagRole",
    "iam:UntagRole",
    "lambda:UpdateFunctionCode",
    "glue:UpdateDevEndpoint",
    "sts:AssumeRole",
];

/// Actions that run code as a role passed with `iam:PassRole`.
const PASSROLE_COMPUTE_ACTIONS: &[&str] = &[
    "lambda:CreateFunction",
    "ec2:RunInstances",
    "cloudformation:CreateStack",
    "glue:CreateDevEndpoint",
    "glue:CreateJob",
    "datapipeline:CreatePipeline",
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreateTrainingJob",
    "ecs:RunTask",
    "codebuild:CreateProject",
];

/// Condition keys that narrow a public principal to known callers.
const RESTRICTING_KEYS: &[&str] = &[
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
];

type Statements<'a> = [(String, &'a Map<String, Value>)];

pub(super) fn check_statements(
    statements: &Statements<'_>,
    kind: PolicyKind,
    out: &mut Vec<Finding>,
) {
    let allows: Vec<&(String, &Map<String, Value>)> = statements
        .iter()
        .filter(|(_, m)| m.get("Effect").and_then(Value::as_str) == Some("Allow"))
        .collect();
    let grants = |target: &str| {
        allows.iter().any(|(_, m)| {
            str_list(m.get("Action"))
                .iter()
                .any(|a| action_matches(a, target))
        })
    };
    let passrole_anywhere = grants("iam:PassRole");
    for (p, m) in allows {
        check_actions(p, m, kind, passrole_anywhere, out);
        if m.contains_key("NotAction") {
            out.push(Finding::warning(
                "allow-not-action",
                format!("{p}.NotAction"),
                "Allow with NotAction grants every other action, including ones AWS adds later",
            ));
        }
        if m.contains_key("NotResource") {
            out.push(Finding::warning(
                "allow-not-resource",
                format!("{p}.NotResource"),
                "Allow with NotResource grants access to every other resource",
            ));
        }
        if m.contains_key("NotPrincipal") {
            out.push(Finding::warning(
                "allow-not-principal",
                format!("{p}.NotPrincipal"),
                "Allow with NotPrincipal grants access to everyone else",
            ));
        }
        check_principal(p, m, out);
    }
}

fn check_actions(
    p: &str,
    m: &Map<String, Value>,
    kind: PolicyKind,
    passrole_anywhere: bool,
    out: &mut Vec<Finding>,
) {
    let Some(list) = m.get("Action") else { return };
    let resources = str_list(m.get("Resource"));
    let on_everything = resources.contains(&"*");
    let path = format!("{p}.Action");
    let mut writes_everywhere = false;
    let mut seen = std::collections::HashSet::new();
    for (ep, a) in elements(&path, list) {
        if !seen.insert(a.to_ascii_lowercase()) {
            continue;
        }
        if a == "*" || a == "*:*" {
            out.push(Finding::warning(
                "action-wildcard-all",
                ep.clone(),
                "\"*\" grants every action of every service",
            ));
        } else if let Some((svc, "*")) = a.split_once(':') {
            out.push(Finding::warning(
                "service-wildcard",
                ep.clone(),
                format!("{a} grants every {svc} action, including ones AWS adds later"),
            ));
        }
        if on_everything && kind != PolicyKind::Trust {
            writes_everywhere |= catalogue::expand(a).iter().any(|(_, x)| x.level.is_write());
            if action_matches(a, "iam:PassRole") {
                out.push(Finding::warning(
                    "passrole-wildcard",
                    ep.clone(),
                    "iam:PassRole on \"*\" lets this principal hand any role (admin roles too) to a service",
                ));
            }
        }
        if a != "*" && kind != PolicyKind::Trust {
            let hits: Vec<&str> = PRIVILEGE_ESCALATION_ACTIONS
                .iter()
                .copied()
                .filter(|x| action_matches(a, x))
                .filter(|x| *x != "sts:AssumeRole" || on_everything)
                .collect();
            if !hits.is_empty() {
                out.push(Finding::warning(
                    "privilege-escalation",
                    ep.clone(),
                    format!(
                        "grants {} which can be used to gain more permissions",
                        hits.join(", ")
                    ),
                ));
            }
            if passrole_anywhere {
                let compute: Vec<&str> = PASSROLE_COMPUTE_ACTIONS
                    .iter()
                    .copied()
                    .filter(|x| action_matches(a, x))
                    .collect();
                if !compute.is_empty() {
                    out.push(Finding::warning(
                        "passrole-with-compute",
                        ep,
                        format!(
                            "with iam:PassRole, {} can run code as a more powerful role",
                            compute.join(", ")
                        ),
                    ));
                }
            }
        }
    }
    if writes_everywhere {
        out.push(Finding::warning(
            "resource-wildcard-write",
            format!("{p}.Resource"),
            "write actions on \"Resource\": \"*\" reach every resource in the account; name the resources",
        ));
    }
}

fn check_principal(p: &str, m: &Map<String, Value>, out: &mut Vec<Finding>) {
    let Some(pr) = m.get("Principal") else { return };
    let public = match pr {
        Value::String(s) => s == "*",
        Value::Object(o) => str_list(o.get("AWS")).contains(&"*"),
        _ => false,
    };
    if !public {
        return;
    }
    let restricted = m
        .get("Condition")
        .and_then(Value::as_object)
        .is_some_and(|ops| {
            ops.values().filter_map(Value::as_object).any(|keys| {
                keys.keys()
                    .any(|k| RESTRICTING_KEYS.contains(&k.to_ascii_lowercase().as_str()))
            })
        });
    if !restricted {
        out.push(Finding::warning(
            "public-principal",
            format!("{p}.Principal"),
            "this statement applies to everyone, including anonymous callers; \
             restrict it with a condition such as aws:PrincipalOrgID or aws:SourceArn",
        ));
    }
}
