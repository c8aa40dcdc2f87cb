//! The one wildcard matcher: `*` (any run of characters, `/` and `:`
//! included) and `?` (exactly one character), over the whole string, never
//! a substring guess. Eligibility's role-ARN patterns, protected-role
//! patterns and auto-approval rules use it case-sensitively
//! ([`glob_match`]); policy checks use it as IAM does, actions without
//! regard to ASCII case and resources with it; [`overlap`] asks whether two
//! patterns can match a common string.

/// True when `pattern` matches all of `text`. `*` matches any run of
/// characters, `?` one character (a Unicode scalar, not a byte).
pub fn matches(pattern: &str, text: &str, ignore_case: bool) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        run(pattern.as_bytes(), text.as_bytes(), b'*', b'?', |a, b| {
            a == b || (ignore_case && a.eq_ignore_ascii_case(&b))
        })
    } else {
        let p: Vec<char> = pattern.chars().collect();
        let t: Vec<char> = text.chars().collect();
        run(&p, &t, '*', '?', |a, b| {
            a == b || (ignore_case && a.eq_ignore_ascii_case(&b))
        })
    }
}

/// Case-sensitive whole-string match (role ARN patterns in the config).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    matches(pattern, text, false)
}

/// Greedy matching with one remembered star: linear in practice, no
/// recursion, no allocation on the ASCII path.
fn run<T: Copy + PartialEq>(p: &[T], t: &[T], star: T, one: T, eq: impl Fn(T, T) -> bool) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut last: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] != star && (p[pi] == one || eq(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == star {
            last = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = last {
            pi = sp + 1;
            ti = st + 1;
            last = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == star {
        pi += 1;
    }
    pi == p.len()
}

/// Action names compare without regard to case.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    matches(pattern, action, true)
}

/// True when some string matches both patterns (each may hold `*` and `?`).
pub fn overlap(a: &str, b: &str) -> bool {
    let a = a.as_bytes();
    let b = b.as_bytes();
    let w = b.len() + 1;
    // reach[i * w + j]: a[i..] and b[j..] can match a common string.
    let mut reach = vec![false; (a.len() + 1) * w];
    for i in (0..=a.len()).rev() {
        for j in (0..=b.len()).rev() {
            let at = |x: usize, y: usize| reach[x * w + y];
            let ok = match (a.get(i), b.get(j)) {
                (None, None) => true,
                (Some(b'*'), _) if at(i + 1, j) => true,
                (_, Some(b'*')) if at(i, j + 1) => true,
                (Some(b'*'), Some(_)) => at(i, j + 1),
                (Some(_), Some(b'*')) => at(i + 1, j),
                (Some(x), Some(y)) => (x == y || *x == b'?' || *y == b'?') && at(i + 1, j + 1),
                _ => false,
            };
            reach[i * w + j] = ok;
        }
    }
    reach[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_patterns_ignore_case_and_match_whole_names() {
        assert!(action_matches("s3:Get*", "s3:getobject"));
        assert!(action_matches("s3:?etObject", "s3:GetObject"));
        assert!(!action_matches("s3:Get", "s3:GetObject"));
        assert!(!matches("S3:Get*", "s3:GetObject", false));
    }

    #[test]
    fn overlap_finds_a_common_string_between_two_patterns() {
        assert!(overlap("*/*", "*personalize*"));
        assert!(overlap("*", "mybucket"));
        assert!(!overlap("*/*", "mybucket"));
        assert!(overlap("*/*", "mybucket*"));
        assert!(!overlap("*mybucket", "*myotherthing"));
        assert!(overlap("role/*", "role/team/app"));
        assert!(!overlap("role/*", "user/bob"));
        assert!(overlap("a?c", "abc"));
    }

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

    #[test]
    fn question_mark_is_one_character_not_one_byte() {
        assert!(glob_match("role/caf?", "role/café"));
        assert!(!glob_match("role/caf??", "role/café"));
        assert!(matches("S3:GET*", "s3:getobjecté", true));
    }
}
