//! Shell lines that put temporary credentials into the environment.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    /// bash and zsh
    Posix,
    Fish,
    PowerShell,
}

impl Shell {
    pub const ALL: [Shell; 3] = [Shell::Posix, Shell::Fish, Shell::PowerShell];
    pub fn label(self) -> &'static str {
        match self {
            Shell::Posix => "bash / zsh",
            Shell::Fish => "fish",
            Shell::PowerShell => "PowerShell",
        }
    }
}

fn single_quoted(v: &str) -> String {
    format!("'{}'", v.replace('\'', "'\\''"))
}

/// Lines setting AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
pub fn export_lines(shell: Shell, key_id: &str, secret: &str, token: &str) -> String {
    let vars = [
        ("AWS_ACCESS_KEY_ID", key_id),
        ("AWS_SECRET_ACCESS_KEY", secret),
        ("AWS_SESSION_TOKEN", token),
    ];
    vars.iter()
        .map(|(k, v)| match shell {
            Shell::Posix => format!("export {k}={}", single_quoted(v)),
            // fish: inside single quotes only \\ and \' are escapes.
            Shell::Fish => format!(
                "set -gx {k} '{}'",
                v.replace('\\', "\\\\").replace('\'', "\\'")
            ),
            // PowerShell: a single-quoted string expands nothing; a quote
            // (PowerShell also takes the typographic ones) is doubled.
            Shell::PowerShell => {
                let mut q = String::with_capacity(v.len() + 2);
                for c in v.chars() {
                    if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
                        q.push(c);
                    }
                    q.push(c);
                }
                format!("$Env:{k}='{q}'")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_shell_gets_its_own_syntax() {
        let p = export_lines(Shell::Posix, "ASIA1", "s/e+c", "to'k");
        assert_eq!(p, "export AWS_ACCESS_KEY_ID='ASIA1'\nexport AWS_SECRET_ACCESS_KEY='s/e+c'\nexport AWS_SESSION_TOKEN='to'\\''k'");
        let f = export_lines(Shell::Fish, "ASIA1", "s", "t");
        assert!(f.starts_with("set -gx AWS_ACCESS_KEY_ID 'ASIA1'\n"));
        let ps = export_lines(Shell::PowerShell, "ASIA1", "s$x", "t");
        assert!(ps.contains("$Env:AWS_SECRET_ACCESS_KEY='s$x'"), "{ps}");
    }

    #[test]
    fn quotes_and_backslashes_cannot_end_the_value_early() {
        let f = export_lines(Shell::Fish, "a", "x\\'; rm -rf ~; echo '", "t");
        assert!(
            f.contains("set -gx AWS_SECRET_ACCESS_KEY 'x\\\\\\'; rm -rf ~; echo \\''"),
            "{f}"
        );
        let ps = export_lines(Shell::PowerShell, "a", "x'; Remove-Item ~ ;\u{2019}", "t");
        assert!(
            ps.contains("$Env:AWS_SECRET_ACCESS_KEY='x''; Remove-Item ~ ;\u{2019}\u{2019}'"),
            "{ps}"
        );
    }
}
