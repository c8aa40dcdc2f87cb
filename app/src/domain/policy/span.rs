//! Where each JSON element of a policy text starts, so findings made on the
//! parsed value (by JSON path) can point at a line and column in the editor.
//!
//! A small scanner instead of a span-preserving JSON crate: it runs only on
//! text serde_json has already accepted, needs ~150 lines, adds nothing to the
//! wasm bundle, and also reports duplicate keys (which serde_json silently
//! resolves to the last one).

use std::collections::HashMap;

/// Start positions (1-based line, column in characters) by JSON path.
#[derive(Debug, Default)]
pub struct Spans {
    positions: HashMap<String, (u32, u32)>,
    /// Paths of object keys that appear more than once.
    pub duplicates: Vec<String>,
}

impl Spans {
    /// Scans `text`; on malformed input it stops and keeps what it found.
    pub fn scan(text: &str) -> Self {
        let mut s = Scanner {
            chars: text.chars().collect(),
            i: 0,
            line: 1,
            col: 1,
            out: Spans::default(),
        };
        s.ws();
        let _ = s.value(String::new());
        s.out
    }

    /// Position of `path`, or of its nearest ancestor that has one.
    pub fn locate(&self, path: &str) -> Option<(u32, u32)> {
        let mut p = path;
        loop {
            if let Some(pos) = self.positions.get(p) {
                return Some(*pos);
            }
            p = parent(p)?;
        }
    }
}

fn parent(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    let cut = path.rfind(['.', '['])?;
    Some(&path[..cut])
}

fn child(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

struct Scanner {
    chars: Vec<char>,
    i: usize,
    line: u32,
    col: u32,
    out: Spans,
}

impl Scanner {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn expect(&mut self, c: char) -> Option<()> {
        self.ws();
        (self.bump()? == c).then_some(())
    }

    fn value(&mut self, path: String) -> Option<()> {
        self.ws();
        self.out
            .positions
            .entry(path.clone())
            .or_insert((self.line, self.col));
        match self.peek()? {
            '{' => self.object(path),
            '[' => self.array(path),
            '"' => self.string().map(|_| ()),
            _ => {
                while self
                    .peek()
                    .is_some_and(|c| !matches!(c, ',' | '}' | ']') && !c.is_whitespace())
                {
                    self.bump();
                }
                Some(())
            }
        }
    }

    /// Reads an object or array from its opening character to `close`,
    /// reading its n-th member (from 0) with `member`; None when the text
    /// is malformed.
    fn members(
        &mut self,
        close: char,
        mut member: impl FnMut(&mut Self, usize) -> Option<()>,
    ) -> Option<()> {
        self.bump();
        self.ws();
        if self.peek()? == close {
            self.bump();
            return Some(());
        }
        let mut n = 0;
        loop {
            member(self, n)?;
            n += 1;
            self.ws();
            match self.bump()? {
                ',' => continue,
                c if c == close => return Some(()),
                _ => return None,
            }
        }
    }

    fn object(&mut self, path: String) -> Option<()> {
        let mut seen = Vec::new();
        self.members('}', |s, _| {
            s.ws();
            let key = s.string()?;
            let kp = child(&path, &key);
            if seen.contains(&key) {
                s.out.duplicates.push(kp.clone());
            }
            seen.push(key.clone());
            s.expect(':')?;
            // A single statement object stands for `Statement[0]` in finding paths.
            if path.is_empty() && key == "Statement" {
                s.ws();
                if s.peek()? == '{' {
                    let pos = (s.line, s.col);
                    s.out.positions.entry(kp.clone()).or_insert(pos);
                    return s.value("Statement[0]".to_owned());
                }
            }
            s.value(kp)
        })
    }

    fn array(&mut self, path: String) -> Option<()> {
        self.members(']', |s, i| s.value(format!("{path}[{i}]")))
    }

    /// Reads a string literal; escapes are decoded well enough for key names.
    fn string(&mut self) -> Option<String> {
        if self.bump()? != '"' {
            return None;
        }
        let mut s = String::new();
        loop {
            match self.bump()? {
                '"' => return Some(s),
                '\\' => match self.bump()? {
                    'n' => s.push('\n'),
                    't' => s.push('\t'),
                    'u' => {
                        let hex: String = (0..4).filter_map(|_| self.bump()).collect();
                        let c = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                        s.push(c.unwrap_or('\u{fffd}'));
                    }
                    c => s.push(c),
                },
                c => s.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Spans;

    #[test]
    fn positions_of_nested_elements_are_one_based_lines_and_columns() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\",\n     \"Action\": [\"s3:GetObject\", \"s3:Bad\"]}\n  ]\n}";
        let s = Spans::scan(text);
        assert_eq!(s.locate("Version"), Some((2, 14)));
        assert_eq!(s.locate("Statement[0]"), Some((4, 5)));
        assert_eq!(s.locate("Statement[0].Action[1]"), Some((5, 33)));
        // Unknown children fall back to the nearest ancestor.
        assert_eq!(s.locate("Statement[0].Resource"), Some((4, 5)));
    }

    #[test]
    fn single_statement_object_is_addressed_as_statement_zero() {
        let s = Spans::scan(r#"{"Statement": {"Effect": "Allow"}}"#);
        assert_eq!(s.locate("Statement[0].Effect"), Some((1, 26)));
        assert_eq!(s.locate("Statement"), Some((1, 15)));
    }

    #[test]
    fn duplicate_keys_are_reported_by_path() {
        let s = Spans::scan(r#"{"Statement": [{"Effect": "Allow", "Effect": "Deny"}]}"#);
        assert_eq!(s.duplicates, vec!["Statement[0].Effect".to_owned()]);
    }

    #[test]
    fn malformed_text_does_not_panic() {
        for t in ["", "{", "{\"a\"", "[1,", "\"\\u12", "{\"a\":}"] {
            let _ = Spans::scan(t);
        }
    }
}
