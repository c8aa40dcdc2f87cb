//! AWS console sign-in URLs (the federation endpoint's getSigninToken and
//! login actions). No emulator implements it; tests use a local stub.
use super::sts::IssuedCredentials;
use app::domain::Partition;
use serde_json::json;

fn enc(s: &str) -> String {
    urlencoding::encode(s).into_owned()
}

/// `?Action=getSigninToken&SessionDuration=…&Session=…` for these credentials.
pub fn signin_token_url(base: &str, creds: &IssuedCredentials, duration_secs: i32) -> String {
    let session = json!({
        "sessionId": creds.access_key_id,
        "sessionKey": creds.secret_access_key,
        "sessionToken": creds.session_token,
    })
    .to_string();
    format!(
        "{base}?Action=getSigninToken&SessionDuration={duration_secs}&Session={}",
        enc(&session)
    )
}

/// The console page to land on: `redirect` (a path such as `/s3/`) in
/// `region`, or the console home. Anything but a plain absolute path is
/// ignored, so the link can never send the user to another site.
pub fn destination(partition: Partition, region: Option<&str>, redirect: Option<&str>) -> String {
    let region = region
        .filter(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    let path = redirect.filter(|p| p.starts_with('/') && !p.starts_with("//") && !p.contains('\\'));
    let host = partition.console_url(region);
    match (path, region) {
        (Some(p), Some(r)) if !p.contains("region=") => {
            let sep = if p.contains('?') { '&' } else { '?' };
            format!("{host}{p}{sep}region={r}")
        }
        (Some(p), _) => format!("{host}{p}"),
        (None, Some(r)) => format!("{host}/console/home?region={r}"),
        (None, None) => format!("{host}/console/home"),
    }
}

/// `?Action=login&Issuer=…&Destination=…&SigninToken=…`.
pub fn login_url(base: &str, issuer: &str, destination: &str, token: &str) -> String {
    format!(
        "{base}?Action=login&Issuer={}&Destination={}&SigninToken={}",
        enc(issuer),
        enc(destination),
        enc(token)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn creds() -> IssuedCredentials {
        IssuedCredentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: "se/cr+et".into(),
            session_token: "to ken".into(),
            expiration: Utc::now(),
            sts_elapsed: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn signin_token_url_carries_the_session_json() {
        let u = signin_token_url("https://signin.aws.amazon.com/federation", &creds(), 3600);
        assert!(u.starts_with("https://signin.aws.amazon.com/federation?Action=getSigninToken&SessionDuration=3600&Session="));
        let session = urlencoding::decode(u.split("Session=").nth(1).unwrap()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&session).unwrap();
        assert_eq!(v["sessionId"], "ASIAEXAMPLE");
        assert_eq!(v["sessionKey"], "se/cr+et");
        assert_eq!(v["sessionToken"], "to ken");
    }

    #[test]
    fn destinations_honour_region_and_redirect_but_stay_on_the_console() {
        assert_eq!(
            destination(Partition::Aws, None, None),
            "https://console.aws.amazon.com/console/home"
        );
        assert_eq!(
            destination(Partition::Aws, Some("eu-west-1"), None),
            "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"
        );
        assert_eq!(
            destination(Partition::Aws, Some("eu-west-1"), Some("/s3/")),
            "https://eu-west-1.console.aws.amazon.com/s3/?region=eu-west-1"
        );
        assert_eq!(
            destination(Partition::Aws, None, Some("/iam/home#/roles")),
            "https://console.aws.amazon.com/iam/home#/roles"
        );
        assert_eq!(
            destination(Partition::Aws, None, Some("//evil.example.com/")),
            "https://console.aws.amazon.com/console/home"
        );
        assert_eq!(
            destination(Partition::Aws, None, Some("https://evil.example.com/")),
            "https://console.aws.amazon.com/console/home"
        );
        assert_eq!(
            destination(Partition::Aws, Some("evil.com/x"), None),
            "https://console.aws.amazon.com/console/home"
        );
        assert_eq!(
            destination(Partition::AwsCn, Some("cn-north-1"), Some("/s3/")),
            "https://cn-north-1.console.amazonaws.cn/s3/?region=cn-north-1"
        );
        assert_eq!(
            destination(Partition::AwsUsGov, None, None),
            "https://console.amazonaws-us-gov.com/console/home"
        );
    }

    #[test]
    fn login_url_encodes_every_part() {
        let u = login_url(
            "https://f/federation",
            "https://latchkey.example.com",
            "https://console.aws.amazon.com/s3/?region=x",
            "t o&k",
        );
        assert_eq!(
            u,
            "https://f/federation?Action=login&Issuer=https%3A%2F%2Flatchkey.example.com&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fs3%2F%3Fregion%3Dx&SigninToken=t%20o%26k"
        );
    }
}
