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
            Shell::Fish => format!("set -gx {k} {}", single_quoted(v).replace("'\\''", "\\'")),
            Shell::PowerShell => format!(
                "$Env:{k}=\"{}\"",
                v.replace('`', "``").replace('"', "`\"").replace('$', "`$")
            ),
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
        assert!(ps.contains("$Env:AWS_SECRET_ACCESS_KEY=\"s`$x\""), "{ps}");
    }
}
