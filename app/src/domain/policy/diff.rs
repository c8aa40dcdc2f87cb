//! Line diff of two policies as the reviewer sees them: both sides are
//! pretty-printed when they are JSON, so formatting differences do not show.

use serde::{Deserialize, Serialize};
use similar::{ChangeTag, TextDiff};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiffKind {
    Same,
    Added,
    Removed,
}

/// One line of a diff with its 1-based numbers on each side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLine {
    pub kind: DiffKind,
    pub old_no: Option<usize>,
    pub new_no: Option<usize>,
    pub text: String,
}

/// Diff of `old_text` and `new_text` (either may be empty: a new or deleted policy).
pub fn diff(old_text: &str, new_text: &str) -> Vec<DiffLine> {
    let old = normalise(old_text);
    let new = normalise(new_text);
    TextDiff::from_lines(&old, &new)
        .iter_all_changes()
        .map(|c| DiffLine {
            kind: match c.tag() {
                ChangeTag::Equal => DiffKind::Same,
                ChangeTag::Insert => DiffKind::Added,
                ChangeTag::Delete => DiffKind::Removed,
            },
            old_no: c.old_index().map(|i| i + 1),
            new_no: c.new_index().map(|i| i + 1),
            text: c.value().trim_end_matches(['\n', '\r']).to_owned(),
        })
        .collect()
}

fn normalise(text: &str) -> String {
    if text.trim().is_empty() {
        return String::new();
    }
    let mut out = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => super::pretty(&v),
        Err(_) => text.to_owned(),
    };
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_differences_do_not_show_in_the_diff() {
        let d = diff(
            r#"{"Version":"2012-10-17"}"#,
            "{\n    \"Version\" : \"2012-10-17\"\n}",
        );
        assert!(d.iter().all(|l| l.kind == DiffKind::Same), "{d:?}");
    }

    #[test]
    fn added_and_removed_lines_carry_their_line_numbers() {
        let old = r#"{"Statement":[{"Action":"s3:GetObject"}]}"#;
        let new = r#"{"Statement":[{"Action":"s3:PutObject"}]}"#;
        let d = diff(old, new);
        let removed: Vec<_> = d.iter().filter(|l| l.kind == DiffKind::Removed).collect();
        let added: Vec<_> = d.iter().filter(|l| l.kind == DiffKind::Added).collect();
        assert_eq!(removed.len(), 1);
        assert_eq!(added.len(), 1);
        assert!(removed[0].text.contains("s3:GetObject"));
        assert_eq!((removed[0].old_no, removed[0].new_no), (Some(4), None));
        assert_eq!((added[0].old_no, added[0].new_no), (None, Some(4)));
    }

    #[test]
    fn a_new_policy_is_all_added_lines() {
        let d = diff("", r#"{"Version":"2012-10-17"}"#);
        assert_eq!(d.len(), 3);
        assert!(d.iter().all(|l| l.kind == DiffKind::Added));
    }
}
