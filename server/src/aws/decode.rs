//! IAM returns policy documents URL-encoded (RFC 3986) from most calls, and
//! emulators sometimes return them raw. One tolerant decoder, used everywhere.

use serde_json::Value;

pub fn policy_json(s: &str) -> Result<Value, String> {
    let t = s.trim_start();
    if t.starts_with('{') {
        serde_json::from_str(t).map_err(|e| format!("policy is not JSON: {e}"))
    } else {
        let decoded =
            urlencoding::decode(t).map_err(|e| format!("policy is not URL-encoded UTF-8: {e}"))?;
        serde_json::from_str(&decoded).map_err(|e| format!("decoded policy is not JSON: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::policy_json;

    #[test]
    fn decodes_raw_and_url_encoded_documents_alike() {
        let raw = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/a b+c"}]}"#;
        let enc = urlencoding::encode(raw).into_owned();
        assert!(enc.starts_with("%7B"));
        assert_eq!(policy_json(raw).unwrap(), policy_json(&enc).unwrap());
        assert_eq!(
            policy_json(&enc).unwrap()["Statement"][0]["Resource"],
            "arn:aws:s3:::b/a b+c"
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(policy_json("%7Bnot json").is_err());
        assert!(policy_json("{nope").is_err());
    }
}
