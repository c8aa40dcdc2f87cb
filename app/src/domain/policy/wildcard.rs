//! Wildcard (`*`, `?`) matching as IAM does it for actions (ASCII case-insensitive)
//! and resources (case-sensitive), and overlap of two patterns for ARN checks.

/// True when `pattern` matches all of `text`. `*` matches any run of
/// characters, `?` one character.
pub fn matches(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    let eq = |a: u8, b: u8| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] != b'*' && (p[pi] == b'?' || eq(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
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
    while pi < p.len() && p[pi] == b'*' {
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
}
