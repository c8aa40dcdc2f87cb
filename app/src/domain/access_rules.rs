//! Who may use which roles (eligibility rules), who approves requests where
//! (approver groups), and which role tag keys grant use: the rules an
//! administrator edits at run time on Admin › Access. Each save is a new
//! version; the config file's `[[eligibility]]`, `[[auth.approvers]]` and
//! `[role_tags]` seed the first.
use super::application::{is_app_id, AppName};
use serde::{Deserialize, Serialize};

/// Members of `group` (or the user `user`, the application `app`, or
/// whichever of a group or user id `group_or_user` names) may use roles
/// matching `roles`: whole ARNs or patterns with `*` and `?`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EligibilityRule {
    /// An IdP group whose members the rule names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// A user id the rule names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// An application's name (Admin › Apps); it acts as `app/<name>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// A group or a user id: ConsoleMe's `group_mapping` keys mean either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_or_user: Option<String>,
    /// Role ARNs or patterns with `*` and `?`.
    pub roles: Vec<String>,
    /// Credentials only (CLI, Weep), no console sign-in.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cli_only: bool,
}

/// Whom a rule names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    Group(String),
    User(String),
    App(AppName),
    GroupOrUser(String),
}

impl EligibilityRule {
    /// Whom it names (a checked rule names exactly one).
    pub fn who(&self) -> Option<Who> {
        match (&self.group, &self.user, &self.app, &self.group_or_user) {
            (Some(g), None, None, None) => Some(Who::Group(g.clone())),
            (None, Some(u), None, None) => Some(Who::User(u.clone())),
            (None, None, Some(a), None) => AppName::parse(a).ok().map(Who::App),
            (None, None, None, Some(x)) => Some(Who::GroupOrUser(x.clone())),
            _ => None,
        }
    }

    /// "group engineers", "user erin@example.com", "application billing".
    pub fn label(&self) -> String {
        match self.who() {
            Some(Who::Group(g)) => format!("group {g}"),
            Some(Who::User(u)) => format!("user {u}"),
            Some(Who::App(a)) => format!("application {a}"),
            Some(Who::GroupOrUser(x)) => format!("group or user {x}"),
            None => "no one".into(),
        }
    }

    /// Every rule it breaks, as (field under `at`, message).
    pub fn check(&self, at: &str) -> Result<(), (String, String)> {
        let named = [&self.group, &self.user, &self.app, &self.group_or_user]
            .iter()
            .filter(|x| x.is_some())
            .count();
        if named != 1 {
            return Err((
                at.to_owned(),
                "set exactly one of group, user, app or group_or_user".into(),
            ));
        }
        for (field, v) in [
            ("group", &self.group),
            ("user", &self.user),
            ("group_or_user", &self.group_or_user),
        ] {
            match v.as_deref().map(str::trim) {
                Some("") => return Err((format!("{at}.{field}"), "must not be empty".into())),
                Some(x) if is_app_id(x) => {
                    return Err((
                        format!("{at}.{field}"),
                        "names starting with app/ are applications: write app = \"<name>\"".into(),
                    ))
                }
                _ => {}
            }
        }
        if let Some(a) = &self.app {
            AppName::parse(a).map_err(|e| (format!("{at}.app"), e))?;
        }
        if self.roles.is_empty() {
            return Err((
                format!("{at}.roles"),
                "list at least one role ARN or pattern".into(),
            ));
        }
        for p in &self.roles {
            if !p.starts_with("arn:") {
                return Err((
                    format!("{at}.roles"),
                    format!("{p:?} must be a role ARN or an ARN pattern with * and ?"),
                ));
            }
        }
        Ok(())
    }
}

/// Members of `group` approve requests in `accounts`: 12-digit ids, account
/// names, or patterns of either with `*` and `?` (`"*"` is every account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ApproverRule {
    /// The IdP group whose members approve.
    pub group: String,
    /// Account ids, names or patterns (`"*"`: every account).
    pub accounts: Vec<String>,
}

impl ApproverRule {
    pub fn check(&self, at: &str) -> Result<(), (String, String)> {
        if self.group.trim().is_empty() {
            return Err((format!("{at}.group"), "must name a group".into()));
        }
        if self.accounts.is_empty() || self.accounts.iter().any(|p| p.trim().is_empty()) {
            return Err((
                format!("{at}.accounts"),
                "list account ids, names or patterns (\"*\" for every account)".into(),
            ));
        }
        Ok(())
    }
}

/// The role tag keys whose values (`:`-separated groups or user ids) grant
/// console and CLI use, or CLI use only.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RoleTagKeys {
    pub authorized: Vec<String>,
    pub authorized_cli_only: Vec<String>,
}

/// One version of the rules.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AccessRules {
    pub eligibility: Vec<EligibilityRule>,
    pub approvers: Vec<ApproverRule>,
    pub role_tags: RoleTagKeys,
}

/// One change an administrator makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AccessEdit {
    AddRule { rule: EligibilityRule },
    RemoveRule { index: usize },
    AddApprover { rule: ApproverRule },
    RemoveApprover { index: usize },
    SetRoleTags { keys: RoleTagKeys },
}

impl AccessRules {
    /// Every rule checked; the first broken one as (field, message).
    pub fn check(&self) -> Result<(), (String, String)> {
        for (i, r) in self.eligibility.iter().enumerate() {
            r.check(&format!("eligibility[{i}]"))?;
        }
        for (i, a) in self.approvers.iter().enumerate() {
            a.check(&format!("approvers[{i}]"))?;
        }
        let t = &self.role_tags;
        if let Some(k) = t
            .authorized_cli_only
            .iter()
            .find(|k| t.authorized.iter().any(|a| a.eq_ignore_ascii_case(k)))
        {
            return Err((
                "role_tags.authorized_cli_only".into(),
                format!("{k:?} is also in role_tags.authorized: a key grants either console and CLI or the CLI only"),
            ));
        }
        Ok(())
    }

    /// The rules after `edit`, checked; a bad edit names its field.
    pub fn edited(&self, edit: &AccessEdit) -> Result<AccessRules, (String, String)> {
        let mut next = self.clone();
        let gone = |what: &str, i: usize| {
            (
                format!("{what}[{i}]"),
                "no such rule (the page was out of date?)".to_owned(),
            )
        };
        match edit {
            AccessEdit::AddRule { rule } => {
                rule.check("rule")?;
                if next.eligibility.contains(rule) {
                    return Err(("rule".into(), "the same rule is already in force".into()));
                }
                next.eligibility.push(rule.clone());
            }
            AccessEdit::RemoveRule { index } => {
                if *index >= next.eligibility.len() {
                    return Err(gone("eligibility", *index));
                }
                next.eligibility.remove(*index);
            }
            AccessEdit::AddApprover { rule } => {
                rule.check("approver")?;
                if next.approvers.contains(rule) {
                    return Err((
                        "approver".into(),
                        "the same approver rule is already in force".into(),
                    ));
                }
                next.approvers.push(rule.clone());
            }
            AccessEdit::RemoveApprover { index } => {
                if *index >= next.approvers.len() {
                    return Err(gone("approvers", *index));
                }
                next.approvers.remove(*index);
            }
            AccessEdit::SetRoleTags { keys } => next.role_tags = keys.clone(),
        }
        next.check()?;
        Ok(next)
    }

    /// `other`'s rules added where not already present (an import).
    pub fn merged(&self, other: &AccessRules) -> AccessRules {
        let mut next = self.clone();
        for r in &other.eligibility {
            if !next.eligibility.contains(r) {
                next.eligibility.push(r.clone());
            }
        }
        for a in &other.approvers {
            if !next.approvers.contains(a) {
                next.approvers.push(a.clone());
            }
        }
        let add = |to: &mut Vec<String>, from: &[String]| {
            for k in from {
                if !to.iter().any(|x| x.eq_ignore_ascii_case(k)) {
                    to.push(k.clone());
                }
            }
        };
        add(&mut next.role_tags.authorized, &other.role_tags.authorized);
        add(
            &mut next.role_tags.authorized_cli_only,
            &other.role_tags.authorized_cli_only,
        );
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group_rule(g: &str, roles: &[&str]) -> EligibilityRule {
        EligibilityRule {
            group: Some(g.into()),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_rule_names_exactly_one_principal_and_real_role_patterns() {
        assert!(group_rule("eng", &["arn:aws:iam::*:role/eng-*"])
            .check("r")
            .is_ok());
        let mut two = group_rule("eng", &["arn:aws:iam::*:role/x"]);
        two.user = Some("a@example.com".into());
        assert_eq!(two.check("r").unwrap_err().0, "r");
        assert_eq!(
            group_rule("eng", &["eng-*"]).check("r").unwrap_err().0,
            "r.roles"
        );
        assert_eq!(group_rule("eng", &[]).check("r").unwrap_err().0, "r.roles");
        assert_eq!(
            group_rule("app/x", &["arn:x"]).check("r").unwrap_err().0,
            "r.group"
        );
        assert_eq!(
            group_rule(" ", &["arn:x"]).check("r").unwrap_err().0,
            "r.group"
        );
        let app = EligibilityRule {
            app: Some("Not An App".into()),
            roles: vec!["arn:x".into()],
            ..Default::default()
        };
        assert_eq!(app.check("r").unwrap_err().0, "r.app");
    }

    #[test]
    fn edits_apply_in_order_and_a_bad_one_changes_nothing() {
        let base = AccessRules::default();
        let rule = group_rule("eng", &["arn:aws:iam::*:role/eng-*"]);
        let one = base
            .edited(&AccessEdit::AddRule { rule: rule.clone() })
            .unwrap();
        assert_eq!(one.eligibility, std::slice::from_ref(&rule));
        let again = one.edited(&AccessEdit::AddRule { rule });
        assert!(again.unwrap_err().1.contains("already"));
        assert_eq!(
            one.edited(&AccessEdit::RemoveRule { index: 3 })
                .unwrap_err()
                .0,
            "eligibility[3]"
        );
        assert!(one
            .edited(&AccessEdit::RemoveRule { index: 0 })
            .unwrap()
            .eligibility
            .is_empty());
        let both = RoleTagKeys {
            authorized: vec!["k".into()],
            authorized_cli_only: vec!["K".into()],
        };
        let e = one
            .edited(&AccessEdit::SetRoleTags { keys: both })
            .unwrap_err();
        assert_eq!(e.0, "role_tags.authorized_cli_only");
        let approver = ApproverRule {
            group: "leads".into(),
            accounts: vec![],
        };
        let e = one
            .edited(&AccessEdit::AddApprover { rule: approver })
            .unwrap_err();
        assert_eq!(e.0, "approver.accounts");
    }

    #[test]
    fn a_merge_adds_what_is_missing_once() {
        let a = AccessRules {
            eligibility: vec![group_rule("eng", &["arn:a"])],
            role_tags: RoleTagKeys {
                authorized: vec!["latchkey-authorized".into()],
                ..Default::default()
            },
            ..Default::default()
        };
        let b = AccessRules {
            eligibility: vec![
                group_rule("eng", &["arn:a"]),
                group_rule("data", &["arn:b"]),
            ],
            role_tags: RoleTagKeys {
                authorized: vec!["consoleme-authorized".into(), "LATCHKEY-AUTHORIZED".into()],
                ..Default::default()
            },
            ..Default::default()
        };
        let m = a.merged(&b);
        assert_eq!(m.eligibility.len(), 2);
        assert_eq!(
            m.role_tags.authorized,
            ["latchkey-authorized", "consoleme-authorized"]
        );
    }
}
