//! `*` and `?` wildcard matching for role ARN patterns in the eligibility config.
//! Matching is over the whole string: never a substring guess.

/// True when `text` matches `pattern` entirely; `*` matches any run of
/// characters (including `/` and `:`), `?` exactly one character.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn exact_patterns_match_only_themselves() {
        let arn = "arn:aws:iam::222222222222:role/demo-reader";
        assert!(glob_match(arn, arn));
        assert!(!glob_match(
            arn,
            "arn:aws:iam::222222222222:role/demo-reader2"
        ));
        assert!(!glob_match("arn:aws:iam::222222222222:role/demo", arn));
    }

    #[test]
    fn wildcards_match_whole_strings() {
        assert!(glob_match(
            "arn:aws:iam::*:role/demo-*",
            "arn:aws:iam::333333333333:role/demo-admin"
        ));
        assert!(!glob_match(
            "arn:aws:iam::*:role/demo-*",
            "arn:aws:iam::333333333333:role/prod-admin"
        ));
        assert!(glob_match(
            "arn:aws:iam::22222222222?:role/*",
            "arn:aws:iam::222222222222:role/a/b"
        ));
        assert!(glob_match("*", ""));
        assert!(!glob_match("?", ""));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("a*b*c", "aXXbYY"));
    }
}
