//! The config TOML the tests and the benches start from, written in one
//! place: a dev-mode server on moto, its dev users, eligibility rules and
//! accounts. Plain text, so a test can still append any table it needs.

/// `[database]` (unused), `[aws]` on moto at `moto`, and `[auth]` in dev
/// mode with `auth_keys` (more keys of that table, or nothing).
pub fn dev_mode_toml(moto: &str, auth_keys: &str) -> String {
    format!(
        "[database]\nurl = \"postgres://unused\"\n\
         [aws]\nendpoint_url = \"{moto}\"\nspoke_role_name = \"LatchkeySpoke\"\n\
         [auth]\ndev_mode = true\n{auth_keys}\n"
    )
}

/// An `[[auth.dev_users]]` entry: who dev sign-in may be.
pub fn dev_user(id: &str, display_name: &str, groups: &[&str]) -> String {
    format!("[[auth.dev_users]]\nid = \"{id}\"\ndisplay_name = \"{display_name}\"\ngroups = {groups:?}\n")
}

/// An `[[eligibility]]` rule: members of `group` may use the `roles`.
pub fn eligibility(group: &str, roles: &[&str]) -> String {
    format!("[[eligibility]]\ngroup = \"{group}\"\nroles = {roles:?}\n")
}

/// An `[[accounts]]` entry.
pub fn account(id: &str, name: &str) -> String {
    format!("[[accounts]]\nid = \"{id}\"\nname = \"{name}\"\n")
}

/// The roles engineers may use in the tests' and benches' configs.
pub const ENG_ROLE_PATTERN: &str = "arn:aws:iam::*:role/eng-*";
