//! The typed policy document: [`PolicyDocument`] and [`Statement`], built from
//! checked JSON and serialised back to AWS-style JSON (a single action,
//! resource or condition value is written as a string, lists as arrays).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The policy language version Latchkey writes.
pub const VERSION: &str = "2012-10-17";

/// `Allow` or `Deny`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum Effect {
    #[default]
    Allow,
    Deny,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "Allow",
            Self::Deny => "Deny",
        }
    }
}

/// Who a trust or resource policy statement applies to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Principal {
    /// `"Principal": "*"`: everyone, including anonymous callers.
    Any,
    /// `{"AWS": [...], "Service": [...], "Federated": [...], "CanonicalUser": [...]}`.
    Map(BTreeMap<String, Vec<String>>),
}

impl Principal {
    /// `{"AWS": arn}`: one IAM principal (role, user, account root) by ARN.
    pub fn aws(arn: impl Into<String>) -> Self {
        Self::Map(BTreeMap::from([("AWS".to_owned(), vec![arn.into()])]))
    }

    fn to_value(&self) -> Value {
        match self {
            Self::Any => Value::String("*".into()),
            Self::Map(m) => {
                Value::Object(m.iter().map(|(k, v)| (k.clone(), one_or_many(v))).collect())
            }
        }
    }

    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::String(s) if s == "*" => Some(Self::Any),
            Value::Object(m) => {
                let mut out = BTreeMap::new();
                for (k, v) in m {
                    out.insert(k.clone(), strings(v)?);
                }
                Some(Self::Map(out))
            }
            _ => None,
        }
    }
}

/// Condition block: operator → condition key → values (strings, numbers or booleans).
/// Sorted maps keep serialisation deterministic.
pub type Condition = BTreeMap<String, BTreeMap<String, Vec<Value>>>;

/// One statement. Exactly one of `action`/`not_action` is set in a valid
/// statement; `resource`/`not_resource` are both `None` only in trust policies;
/// `principal`/`not_principal` only in trust and resource policies.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<Principal>,
    pub not_principal: Option<Principal>,
    pub action: Option<Vec<String>>,
    pub not_action: Option<Vec<String>>,
    pub resource: Option<Vec<String>>,
    pub not_resource: Option<Vec<String>>,
    pub condition: Condition,
}

impl Statement {
    /// `Allow` of `actions` on `resources`, no Sid, no condition.
    pub fn allow(actions: Vec<String>, resources: Vec<String>) -> Self {
        Self {
            effect: Effect::Allow,
            action: Some(actions),
            resource: Some(resources),
            ..Self::default()
        }
    }

    pub fn is_allow(&self) -> bool {
        self.effect == Effect::Allow
    }

    /// The `Action` list, empty for a `NotAction` statement.
    pub fn actions(&self) -> &[String] {
        self.action.as_deref().unwrap_or_default()
    }

    /// The `Resource` list, empty for a `NotResource` or trust statement.
    pub fn resources(&self) -> &[String] {
        self.resource.as_deref().unwrap_or_default()
    }

    /// AWS-style JSON, keys in the order AWS documents them.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        if let Some(s) = &self.sid {
            m.insert("Sid".into(), json!(s));
        }
        m.insert("Effect".into(), json!(self.effect.as_str()));
        if let Some(p) = &self.principal {
            m.insert("Principal".into(), p.to_value());
        }
        if let Some(p) = &self.not_principal {
            m.insert("NotPrincipal".into(), p.to_value());
        }
        for (key, v) in [
            ("Action", &self.action),
            ("NotAction", &self.not_action),
            ("Resource", &self.resource),
            ("NotResource", &self.not_resource),
        ] {
            if let Some(v) = v {
                m.insert(key.into(), one_or_many(v));
            }
        }
        if !self.condition.is_empty() {
            let c: Map<String, Value> = self
                .condition
                .iter()
                .map(|(op, keys)| {
                    let body: Map<String, Value> = keys
                        .iter()
                        .map(|(k, vals)| {
                            let v = match vals.as_slice() {
                                [one] => one.clone(),
                                many => Value::Array(many.to_vec()),
                            };
                            (k.clone(), v)
                        })
                        .collect();
                    (op.clone(), Value::Object(body))
                })
                .collect();
            m.insert("Condition".into(), Value::Object(c));
        }
        Value::Object(m)
    }

    /// Reads a statement from JSON; `None` when the shape is wrong (the checks
    /// say what is wrong and where).
    pub fn from_value(v: &Value) -> Option<Self> {
        let m = v.as_object()?;
        let list = |k: &str| present(m.get(k), strings);
        let mut condition = Condition::new();
        if let Some(c) = m.get("Condition") {
            for (op, body) in c.as_object()? {
                let mut keys = BTreeMap::new();
                for (k, v) in body.as_object()? {
                    let vals = match v {
                        Value::Array(a) => a.clone(),
                        one => vec![one.clone()],
                    };
                    keys.insert(k.clone(), vals);
                }
                condition.insert(op.clone(), keys);
            }
        }
        Some(Self {
            sid: match m.get("Sid") {
                Some(s) => Some(s.as_str()?.to_owned()),
                None => None,
            },
            effect: match m.get("Effect").and_then(Value::as_str)? {
                "Allow" => Effect::Allow,
                "Deny" => Effect::Deny,
                _ => return None,
            },
            principal: present(m.get("Principal"), Principal::from_value)?,
            not_principal: present(m.get("NotPrincipal"), Principal::from_value)?,
            action: list("Action")?,
            not_action: list("NotAction")?,
            resource: list("Resource")?,
            not_resource: list("NotResource")?,
            condition,
        })
    }
}

impl Serialize for Statement {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Statement {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Self::from_value(&v).ok_or_else(|| serde::de::Error::custom("not a policy statement"))
    }
}

/// `Some(None)` when absent, `Some(Some(x))` when present and readable, `None` when unreadable.
fn present<T>(v: Option<&Value>, read: impl Fn(&Value) -> Option<T>) -> Option<Option<T>> {
    match v {
        None => Some(None),
        Some(v) => read(v).map(Some),
    }
}

fn strings(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(a) => a.iter().map(|x| x.as_str().map(str::to_owned)).collect(),
        _ => None,
    }
}

fn one_or_many(v: &[String]) -> Value {
    match v {
        [one] => Value::String(one.clone()),
        many => Value::Array(many.iter().map(|s| Value::String(s.clone())).collect()),
    }
}

/// A policy document. Built by [`PolicyDocument::parse`] (checked) or
/// [`PolicyDocument::new`] (from statements, e.g. generated ones); keeps its
/// JSON form next to the typed statements so both are cheap to read.
///
/// A parsed document keeps the JSON it was given (a list stays a list even
/// with one element), and statements it keeps through [`Self::with_statements`]
/// keep their original form, so what a person typed is what gets applied and
/// a diff shows only real changes. New statements are written AWS-style.
#[derive(Debug, Clone)]
pub struct PolicyDocument {
    version: String,
    id: Option<String>,
    statements: Vec<Statement>,
    json: Value,
    /// Statements as they were read, with their original JSON.
    originals: Vec<(Statement, Value)>,
}

impl PartialEq for PolicyDocument {
    /// Equal when the JSON is equal (the statements follow from it).
    fn eq(&self, other: &Self) -> bool {
        self.json == other.json
    }
}

impl PolicyDocument {
    /// A `2012-10-17` document holding `statements`.
    pub fn new(statements: Vec<Statement>) -> Self {
        Self::from_parts(VERSION.to_owned(), None, statements)
    }

    pub fn from_parts(version: String, id: Option<String>, statements: Vec<Statement>) -> Self {
        Self::build(version, id, statements, Vec::new())
    }

    fn build(
        version: String,
        id: Option<String>,
        statements: Vec<Statement>,
        originals: Vec<(Statement, Value)>,
    ) -> Self {
        let mut m = Map::new();
        m.insert("Version".into(), json!(version));
        if let Some(id) = &id {
            m.insert("Id".into(), json!(id));
        }
        let values = statements
            .iter()
            .map(|st| match originals.iter().find(|(o, _)| o == st) {
                Some((_, v)) => v.clone(),
                None => st.to_value(),
            })
            .collect();
        m.insert("Statement".into(), Value::Array(values));
        Self {
            version,
            id,
            statements,
            json: Value::Object(m),
            originals,
        }
    }

    /// The same document with other statements (Version and Id kept;
    /// statements it already had keep their JSON form).
    pub fn with_statements(&self, statements: Vec<Statement>) -> Self {
        if statements == self.statements {
            return self.clone();
        }
        Self::build(
            self.version.clone(),
            self.id.clone(),
            statements,
            self.originals.clone(),
        )
    }

    /// Typed view of JSON the checks accepted; `None` if the shape is wrong.
    pub fn from_checked_value(v: &Value) -> Option<Self> {
        let m = v.as_object()?;
        let version = m
            .get("Version")
            .and_then(Value::as_str)
            .unwrap_or(VERSION)
            .to_owned();
        let id = m.get("Id").and_then(Value::as_str).map(str::to_owned);
        let raw: Vec<&Value> = match m.get("Statement")? {
            Value::Array(a) => a.iter().collect(),
            one => vec![one],
        };
        let originals: Vec<(Statement, Value)> = raw
            .into_iter()
            .map(|v| Some((Statement::from_value(v)?, v.clone())))
            .collect::<Option<_>>()?;
        Some(Self {
            version,
            id,
            statements: originals.iter().map(|(s, _)| s.clone()).collect(),
            json: v.clone(),
            originals,
        })
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// The AWS-style JSON of this document.
    pub fn as_json(&self) -> &Value {
        &self.json
    }

    /// Compact JSON, the form sent to AWS.
    pub fn to_compact(&self) -> String {
        self.json.to_string()
    }

    /// Two-space indented JSON, the form shown and diffed.
    pub fn to_pretty(&self) -> String {
        super::pretty(&self.json)
    }
}

impl Serialize for PolicyDocument {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(s)
    }
}

impl<'de> Deserialize<'de> for PolicyDocument {
    /// Accepts any JSON with the document's shape (no checks: data that was
    /// checked before it was stored); use [`PolicyDocument::parse`] for input.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Self::from_checked_value(&v)
            .ok_or_else(|| serde::de::Error::custom("not a policy document"))
    }
}
