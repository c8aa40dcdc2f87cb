//! The configuration reference (`docs/config.md`), generated from the typed
//! config itself: its JSON Schema (schemars reads the structs, their serde
//! attributes, defaults and doc comments) rendered as one table per TOML
//! section. `latchkey config-reference` prints it; a test fails when the
//! checked-in file differs from what the code says.
use serde_json::{Map, Value};

/// The config's JSON Schema and its `$defs`, made once.
fn schema() -> &'static (Value, Value) {
    static SCHEMA: std::sync::OnceLock<(Value, Value)> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| {
        let schema = schemars::generate::SchemaSettings::draft2020_12()
            .into_generator()
            .into_root_schema_for::<super::Config>();
        let root = serde_json::to_value(&schema).unwrap_or(Value::Null);
        let defs = root.get("$defs").cloned().unwrap_or(Value::Null);
        (root, defs)
    })
}

/// Whether the key at `path` (`["auth", "oidc", "client_id"]`) holds text.
/// An environment value is untyped: digits or `true` given to a text key
/// (a numeric client id or password, an account id) must stay text.
pub fn is_text_key(path: &[&str]) -> bool {
    let (root, defs) = schema();
    let r = Renderer { defs };
    let mut cur = root.clone();
    for seg in path {
        let Some(v) = cur.get("properties").and_then(|p| p.get(*seg)) else {
            return false;
        };
        cur = r.key(v).schema;
    }
    match cur.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => false,
    }
}

/// The whole reference, as Markdown.
pub fn markdown() -> String {
    let (root, defs) = schema();
    let mut out = String::from(
        "# Configuration reference\n\n\
         Generated from the code (`latchkey config-reference`; a test fails when this \
         file and the code disagree). Every key of the TOML file Latchkey reads \
         (`--config`, default `latchkey.toml`), its type, its default, and the \
         environment variable that overrides it: `LATCHKEY__SECTION__KEY`, upper \
         case, sections joined by `__` (`DATABASE_URL` also sets `database.url`). \
         A value starting with `[` is read as a TOML array \
         (`LATCHKEY__AUTH__OIDC__SCOPES='[\"openid\", \"email\"]'`); `true`/`false` \
         as booleans and digits as numbers, except for text keys, which take the value \
         as it is. Keys inside `[[...]]` lists have no variable \
         of their own. A bad value stops start-up with a message naming its key.\n",
    );
    let r = Renderer { defs };
    r.section(&mut out, root, &[], false);
    out
}

struct Renderer<'a> {
    defs: &'a Value,
}

/// A key's schema, with `$ref`s and `Option`'s null alternative resolved.
struct Key<'v> {
    schema: Value,
    optional: bool,
    description: Option<&'v str>,
}

impl Renderer<'_> {
    fn resolve(&self, v: &Value) -> Value {
        if let Some(r) = v.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next().unwrap_or("");
            let mut target = self.defs.get(name).cloned().unwrap_or(Value::Null);
            // A field's own doc comment wins over its type's.
            if let (Some(d), Some(t)) = (v.get("description"), target.as_object_mut()) {
                t.insert("description".into(), d.clone());
            }
            return target;
        }
        v.clone()
    }

    /// Unwraps `anyOf: [T, null]` (an `Option<T>` whose T is a reference).
    fn key<'v>(&self, v: &'v Value) -> Key<'v> {
        let description = v.get("description").and_then(Value::as_str);
        if let Some(any) = v.get("anyOf").and_then(Value::as_array) {
            let non_null: Vec<&Value> = any
                .iter()
                .filter(|s| s.get("type").and_then(Value::as_str) != Some("null"))
                .collect();
            if non_null.len() == 1 && any.len() == 2 {
                return Key {
                    schema: self.resolve(non_null[0]),
                    optional: true,
                    description,
                };
            }
        }
        let schema = self.resolve(v);
        let optional = schema
            .get("type")
            .and_then(Value::as_array)
            .is_some_and(|t| t.iter().any(|x| x == "null"));
        Key {
            schema,
            optional,
            description,
        }
    }

    fn is_table(schema: &Value) -> bool {
        schema.get("properties").is_some()
    }

    fn table_items(&self, schema: &Value) -> Option<Value> {
        let is_array = match schema.get("type") {
            Some(Value::String(t)) => t == "array",
            Some(Value::Array(ts)) => ts.iter().any(|t| t == "array"),
            _ => false,
        };
        if !is_array {
            return None;
        }
        let items = self.resolve(schema.get("items")?);
        Self::is_table(&items).then_some(items)
    }

    /// One section: its leaf keys as a table, then its sub-sections.
    fn section(&self, out: &mut String, schema: &Value, path: &[String], in_list: bool) {
        let empty = Map::new();
        let props = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut rows = String::new();
        let mut subs: Vec<SubSection> = Vec::new();
        for (name, v) in props {
            let k = self.key(v);
            let mut p = path.to_vec();
            p.push(name.clone());
            let doc = k.description.map(str::to_owned).or_else(|| {
                k.schema
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            });
            let (schema, list) = if Self::is_table(&k.schema) {
                (Some(k.schema.clone()), false)
            } else {
                (self.table_items(&k.schema), true)
            };
            if let Some(schema) = schema {
                subs.push(SubSection {
                    name: name.clone(),
                    schema,
                    list,
                    doc,
                    optional: k.optional,
                });
                continue;
            }
            let default = match v.get("default") {
                Some(Value::Null) => "unset".into(),
                Some(d) => format!("`{}`", toml_value(d)),
                None if required.contains(&name.as_str()) => "**required**".into(),
                None if k.optional => "unset".into(),
                None => "".into(),
            };
            let env = if in_list {
                "".to_owned()
            } else {
                format!("`LATCHKEY__{}`", p.join("__").to_ascii_uppercase())
            };
            rows.push_str(&format!(
                "| `{name}` | {} | {default} | {env} | {} |\n",
                type_name(self, &k.schema),
                cell(doc.as_deref().unwrap_or(""))
            ));
        }
        if !rows.is_empty() {
            out.push_str(
                "\n| Key | Type | Default | Environment | Meaning |\n|---|---|---|---|---|\n",
            );
            out.push_str(&rows);
        }
        for SubSection {
            name,
            schema: sub,
            list,
            doc,
            optional,
        } in subs
        {
            let mut p = path.to_vec();
            p.push(name);
            let dotted = p.join(".");
            let heading = if list {
                format!("[[{dotted}]]")
            } else {
                format!("[{dotted}]")
            };
            let level = "#".repeat((p.len() + 1).min(4));
            out.push_str(&format!("\n{level} `{heading}`\n"));
            if let Some(d) = doc.or_else(|| {
                sub.get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            }) {
                out.push('\n');
                out.push_str(&paragraph(&d));
            }
            if list {
                out.push_str("\nA list: repeat the table once per entry.\n");
            } else if optional {
                out.push_str("\nOptional: absent unless the table is written.\n");
            }
            self.section(out, &sub, &p, in_list || list);
        }
    }
}

/// A schema's type in words.
fn type_name(r: &Renderer<'_>, s: &Value) -> String {
    if let Some(values) = s.get("enum").and_then(Value::as_array) {
        let names: Vec<String> = values
            .iter()
            .filter(|v| !v.is_null())
            .map(|v| {
                format!(
                    "`{}`",
                    v.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| v.to_string())
                )
            })
            .collect();
        return format!("one of {}", names.join(", "));
    }
    if let Some(one) = s.get("oneOf").and_then(Value::as_array) {
        let names: Vec<String> = one
            .iter()
            .filter_map(|v| {
                v.get("const")
                    .or_else(|| v.get("enum").and_then(|e| e.get(0)))
            })
            .filter_map(Value::as_str)
            .map(|v| format!("`{v}`"))
            .collect();
        if !names.is_empty() {
            return format!("one of {}", names.join(", "));
        }
    }
    let types: Vec<String> = match s.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .map(str::to_owned)
            .collect(),
        _ => vec![],
    };
    match types.first().map(String::as_str) {
        Some("array") => {
            let item = s.get("items").map(|i| r.resolve(i)).unwrap_or(Value::Null);
            format!("list of {}", type_name(r, &item))
        }
        Some("object") => match s.get("additionalProperties") {
            Some(v) if v.is_object() => format!("table of name = {}", type_name(r, &r.resolve(v))),
            _ => "table".into(),
        },
        Some("integer") => "integer".into(),
        Some("boolean") => "boolean".into(),
        Some("string") => "string".into(),
        Some("number") => "number".into(),
        _ => "value".into(),
    }
}

/// A default as TOML would write it.
fn toml_value(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(toml_value).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(o) if o.is_empty() => "{}".into(),
        other => other.to_string(),
    }
}

/// Text for a table cell: one line, pipes escaped.
fn cell(s: &str) -> String {
    paragraph(s).trim().replace('|', "\\|")
}

/// Doc-comment text as one paragraph (comments wrap lines at ~80 columns).
fn paragraph(s: &str) -> String {
    let mut out = s.split_whitespace().collect::<Vec<_>>().join(" ");
    out.push('\n');
    out
}

/// A table inside a section (`[a.b]`), or a list of tables (`[[a.b]]`).
struct SubSection {
    name: String,
    schema: Value,
    list: bool,
    doc: Option<String>,
    optional: bool,
}

#[cfg(test)]
mod tests {
    /// docs/config.md is what the code says; `LATCHKEY_BLESS=1 cargo test -p
    /// server --lib config::reference` rewrites it after a change.
    #[test]
    fn docs_config_md_matches_the_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/config.md");
        let now = super::markdown();
        if std::env::var_os("LATCHKEY_BLESS").is_some() {
            std::fs::write(path, &now).unwrap();
        }
        let file = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            file == now,
            "docs/config.md is stale: run `LATCHKEY_BLESS=1 cargo test -p server --lib config::reference` (or `latchkey config-reference > docs/config.md`)"
        );
    }

    #[test]
    fn every_section_and_a_few_keys_are_there() {
        let md = super::markdown();
        for needle in [
            "## `[server]`",
            "## `[[accounts]]`",
            "### `[auth.oidc]`",
            "| `spoke_role_name` | string | **required** | `LATCHKEY__AWS__SPOKE_ROLE_NAME` |",
            "| `region` | string | `\"us-east-1\"` | `LATCHKEY__AWS__REGION` |",
            "| `credential_duration_secs` | integer | `3600` |",
            "| `enabled` | boolean | `true` |  |",
        ] {
            assert!(md.contains(needle), "{needle:?} missing from:\n{md}");
        }
    }
}
