//! The CLI's credential commands: export, credential-process, console.
use super::{field, files, load, rfc3339, CliResult};
use app::domain::shell::{export_lines, Shell};
use serde_json::json;

pub async fn export(role: &str, shell: &str, chain: &[String]) -> CliResult<()> {
    let shell = match shell {
        "bash" | "zsh" | "sh" => Shell::Posix,
        "fish" => Shell::Fish,
        "powershell" | "pwsh" => Shell::PowerShell,
        other => {
            return Err(format!(
                "--shell {other:?}: use bash, zsh, fish or powershell"
            ))
        }
    };
    let c = files::chained(&load()?, role, chain).await?;
    println!(
        "{}",
        export_lines(
            shell,
            &field(&c, "AccessKeyId"),
            &field(&c, "SecretAccessKey"),
            &field(&c, "SessionToken")
        )
    );
    Ok(())
}

/// The `credential_process` protocol of ~/.aws/config.
pub async fn credential_process(role: &str, chain: &[String]) -> CliResult<()> {
    let c = files::chained(&load()?, role, chain).await?;
    let out = json!({
        "Version": 1,
        "AccessKeyId": c["AccessKeyId"],
        "SecretAccessKey": c["SecretAccessKey"],
        "SessionToken": c["SessionToken"],
        "Expiration": rfc3339(c["Expiration"].as_i64().unwrap_or_default()),
    });
    println!("{out}");
    Ok(())
}

pub fn console(role: &str, region: Option<&str>) -> CliResult<()> {
    let cfg = load()?;
    // Both `account/role` and a full ARN map onto /role/{account}/{name}.
    let mut url = format!("{}/role/{role}", cfg.server);
    if let Some(r) = region {
        url.push_str(&format!("?r={}", urlencoding::encode(r)));
    }
    // Opening needs the browser's session, so this hands the URL to it.
    if !super::open_in_browser(&url) {
        println!("{url}");
    }
    Ok(())
}
