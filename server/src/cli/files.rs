//! The CLI's file modes and helpers: `latchkey file` (a profile in
//! ~/.aws/credentials, renewed before it expires with `--refresh`),
//! `latchkey setup` (a `credential_process` profile in ~/.aws/config for
//! every role you may use), role chaining (`-A`) and `whoami`.
use super::{credentials, get_json, load, rfc3339, write_private, CliResult, ClientConfig};
use serde_json::{json, Value};
use std::path::PathBuf;

/// An AWS config loader that reaches `AWS_ENDPOINT_URL` (an emulator) over
/// plain HTTP and real AWS over rustls, like the server's.
fn loader() -> aws_config::ConfigLoader {
    let endpoint = std::env::var("AWS_ENDPOINT_URL_STS")
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
        .ok();
    let region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|_| "us-east-1".into());
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region))
        .http_client(crate::aws::http_client(endpoint.as_deref()))
}

/// A role session name from the login name: `[\w+=,.@-]{2,64}`.
fn session_name() -> String {
    let user: String = std::env::var("USER")
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(*c))
        .take(56)
        .collect();
    format!("latchkey-{}", if user.is_empty() { "cli" } else { &user })
}

/// Role chaining: AssumeRole into `role` with credentials `c` (Latchkey's
/// shape); the result in the same shape.
pub async fn assume(c: &Value, role: &str) -> Result<Value, String> {
    let field = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
    let creds = aws_credential_types::Credentials::new(
        field("AccessKeyId"),
        field("SecretAccessKey"),
        Some(field("SessionToken")),
        None,
        "latchkey",
    );
    let conf = loader().credentials_provider(creds).load().await;
    let out = aws_sdk_sts::Client::new(&conf)
        .assume_role()
        .role_arn(role)
        .role_session_name(session_name())
        .send()
        .await
        .map_err(|e| {
            format!(
                "assuming {role} (-A): {}",
                aws_sdk_sts::error::DisplayErrorContext(&e)
            )
        })?;
    let got = out
        .credentials()
        .ok_or("AssumeRole returned no credentials")?;
    Ok(json!({
        "AccessKeyId": got.access_key_id(),
        "SecretAccessKey": got.secret_access_key(),
        "SessionToken": got.session_token(),
        "Expiration": got.expiration().secs(),
        "RoleArn": out.assumed_role_user().map(|u| u.arn()).unwrap_or(role),
    }))
}

/// Credentials for `role` from Latchkey, then through each role of `chain`.
pub async fn chained(cfg: &ClientConfig, role: &str, chain: &[String]) -> CliResult<Value> {
    let mut c = credentials(cfg, role).await?;
    for next in chain {
        c = assume(&c, next).await?;
    }
    Ok(c)
}

fn home_file(env: &str, rel: &str) -> PathBuf {
    std::env::var_os(env).map(PathBuf::from).unwrap_or_else(|| {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(".aws")
            .join(rel)
    })
}

/// `text` with section `[header]` replaced by `body` (added at the end when
/// absent); every other line kept as it was.
pub fn replace_section(text: &str, header: &str, body: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    let mut done = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('[') && t.ends_with(']') {
            skipping = false;
            if t == format!("[{header}]") && !done {
                out.push_str(body);
                skipping = true;
                done = true;
                continue;
            }
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !done {
        if !out.is_empty() && !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str(body);
    }
    out
}

/// `latchkey file ROLE`: profile `profile` of the shared credentials file
/// holds ROLE's credentials; with `refresh`, renewed five minutes before
/// they expire, until stopped.
pub async fn file(role: &str, profile: &str, refresh: bool, chain: &[String]) -> CliResult<()> {
    let cfg = load()?;
    let path = home_file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    loop {
        let c = chained(&cfg, role, chain).await?;
        let expires = c["Expiration"].as_i64().unwrap_or_default();
        let body = format!(
            "[{profile}]\n# {role} via latchkey, until {}\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n\n",
            rfc3339(expires),
            c["AccessKeyId"].as_str().unwrap_or_default(),
            c["SecretAccessKey"].as_str().unwrap_or_default(),
            c["SessionToken"].as_str().unwrap_or_default(),
        );
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        write_private(&path, &replace_section(&old, profile, &body))?;
        println!(
            "profile [{profile}] in {} holds {role} until {}",
            path.display(),
            rfc3339(expires)
        );
        if !refresh {
            return Ok(());
        }
        let wait = (expires - chrono::Utc::now().timestamp() - 300).max(30);
        tokio::time::sleep(std::time::Duration::from_secs(wait.unsigned_abs())).await;
    }
}

const BEGIN: &str = "# BEGIN latchkey setup: made by `latchkey setup --write`, which replaces it";
const END: &str = "# END latchkey setup";

/// A profile name from account and role names: letters, digits, `_.-`.
fn profile_name(account: &str, role: &str) -> String {
    format!("{account}-{role}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_.-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// `latchkey setup`: a `credential_process` profile for every role you may
/// use, printed, or with `write` put into ~/.aws/config (between markers,
/// replacing what an earlier run wrote there).
pub async fn setup(write: bool) -> CliResult<()> {
    let cfg = load()?;
    let v = get_json(&cfg, "/api/v2/get_roles?all=true").await?;
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "latchkey".into());
    let exe = if exe.contains(' ') {
        format!("\"{exe}\"")
    } else {
        exe
    };
    let mut block = format!("{BEGIN}\n");
    for r in v["data"]["roles"].as_array().into_iter().flatten() {
        let (Some(arn), Some(account), Some(name)) = (
            r["arn"].as_str(),
            r["account_friendly_name"].as_str(),
            r["role_name"].as_str(),
        ) else {
            continue;
        };
        block.push_str(&format!(
            "[profile {}]\ncredential_process = {exe} credential-process {arn}\n\n",
            profile_name(account, name)
        ));
    }
    block.push_str(END);
    block.push('\n');
    if !write {
        print!("{block}");
        return Ok(());
    }
    let path = home_file("AWS_CONFIG_FILE", "config");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if e > b => {
            format!(
                "{}{block}{}",
                &old[..b],
                old[e + END.len()..].trim_start_matches('\n')
            )
        }
        _ if old.is_empty() => block.clone(),
        _ => format!("{}\n{block}", old.trim_end_matches('\n').to_owned() + "\n"),
    };
    write_private(&path, &new)?;
    let n = block.matches("[profile ").count();
    println!(
        "{n} profiles in {} (use: aws --profile <account>-<role> ...)",
        path.display()
    );
    Ok(())
}

/// `latchkey whoami`: who AWS says the current credentials are.
pub async fn whoami() -> CliResult<()> {
    let conf = loader().load().await;
    let me = aws_sdk_sts::Client::new(&conf)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| {
            format!(
                "STS GetCallerIdentity: {}",
                aws_sdk_sts::error::DisplayErrorContext(&e)
            )
        })?;
    println!(
        "{}",
        json!({ "UserId": me.user_id(), "Account": me.account(), "Arn": me.arn() })
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_is_replaced_and_the_others_are_kept() {
        let old = "[default]\naws_access_key_id = A\n\n[dev]\naws_access_key_id = OLD\n# note\n\n[prod]\nx = 1\n";
        let new = replace_section(old, "dev", "[dev]\naws_access_key_id = NEW\n\n");
        assert_eq!(
            new,
            "[default]\naws_access_key_id = A\n\n[dev]\naws_access_key_id = NEW\n\n[prod]\nx = 1\n"
        );
        let added = replace_section("[default]\nx = 1\n", "dev", "[dev]\ny = 2\n");
        assert_eq!(added, "[default]\nx = 1\n\n[dev]\ny = 2\n");
        assert_eq!(replace_section("", "dev", "[dev]\n"), "[dev]\n");
    }

    #[test]
    fn profile_names_keep_to_safe_characters() {
        assert_eq!(profile_name("prod eu", "eng/admin"), "prod-eu-eng-admin");
    }
}
