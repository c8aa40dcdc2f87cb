//! `latchkey import-consoleme FILE`: ConsoleMe's settings merged into the
//! access rules as one new version (nothing already there is changed or
//! removed), or with `--dry-run` only shown.
use super::consoleme::{import, Imported};
use super::port::AccessService;
use super::Services;
use std::fmt::Write;

/// What the import did (or would do), for the terminal.
pub async fn run(s: &Services, path: &str, yaml: &str, dry_run: bool) -> Result<String, String> {
    let Imported {
        rules,
        admins,
        skipped,
    } = import(yaml).map_err(|e| format!("{path}: {e}"))?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{path}: {} eligibility rules, {} approver groups, {} role tag keys",
        rules.eligibility.len(),
        rules.approvers.len(),
        rules.role_tags.authorized.len() + rules.role_tags.authorized_cli_only.len()
    );
    for r in &rules.eligibility {
        let access = if r.cli_only {
            "CLI only"
        } else {
            "console and CLI"
        };
        let _ = writeln!(out, "  {}: {} ({access})", r.label(), r.roles.join(", "));
    }
    for a in &rules.approvers {
        let _ = writeln!(out, "  approvers: group {} in every account", a.group);
    }
    for k in &rules.role_tags.authorized {
        let _ = writeln!(out, "  role tag {k}: console and CLI");
    }
    for k in &rules.role_tags.authorized_cli_only {
        let _ = writeln!(out, "  role tag {k}: CLI only");
    }
    for why in &skipped {
        let _ = writeln!(out, "  skipped: {why}");
    }
    if !admins.is_empty() {
        let _ = writeln!(
            out,
            "ConsoleMe's administrators ({}) are not imported: name them in the config file, [auth] admin_groups",
            admins.join(", ")
        );
    }
    if dry_run {
        out.push_str("dry run: nothing saved\n");
        return Ok(out);
    }
    let merged = |current: &app::domain::access_rules::AccessRules| {
        let next = current.merged(&rules);
        next.check()
            .map_err(|(field, message)| app::AppError::invalid(field, message))?;
        Ok(next)
    };
    let note = format!("imported from {path}");
    let saved = AccessService(s.clone())
        .save_rules(
            None,
            merged,
            "import-consoleme",
            "import-consoleme",
            &note,
            &Default::default(),
        )
        .await
        .map_err(|e| e.to_string())?;
    match saved {
        Some(v) => {
            let _ = writeln!(
                out,
                "saved as version {v} of the access rules (Admin > Access)"
            );
        }
        None => out.push_str("nothing new: every rule is already in force\n"),
    }
    Ok(out)
}
