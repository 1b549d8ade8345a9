//! A JSON reader that keeps the line and column of every value, so that a model file's
//! semantic errors (a shape that does not chain, an unknown activation) can point at the
//! place in the file. Syntax is checked first by `serde_json`, whose messages are good;
//! numbers are kept as their text, so that they can be parsed straight to `f32` (one
//! correct rounding, the same bits as the value that was written).

use std::fmt;

/// Most nesting accepted (a model file needs four levels).
const MAX_DEPTH: usize = 64;

/// A 1-based line and character column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A JSON value and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the value starts.
    pub pos: Pos,
    /// The value.
    pub value: Value,
}

/// A JSON value; numbers keep their text.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Node>),
    /// An object: its members in order, each with the position of its key.
    Object(Vec<Member>),
}

/// One member of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The key.
    pub key: String,
    /// Where the key starts.
    pub key_pos: Pos,
    /// The value.
    pub node: Node,
}

impl Value {
    /// What kind of value this is, in words ("a number", "an array", …).
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

/// A syntax error: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where the problem was found.
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
}

/// Parses `text` (one JSON value, optionally surrounded by whitespace).
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        return Err(from_serde(text, &e));
    }
    let mut p = Parser { chars: text.chars().collect(), at: 0, line: 1, column: 1 };
    p.skip_ws();
    let node = p.value(0)?;
    p.skip_ws();
    if p.at < p.chars.len() {
        return Err(p.error("trailing characters after the JSON value"));
    }
    Ok(node)
}

/// Turns a `serde_json` error into a [`SyntaxError`] with a character column.
fn from_serde(text: &str, e: &serde_json::Error) -> SyntaxError {
    let full = e.to_string();
    let message = match full.rfind(" at line ") {
        Some(at) => full[..at].to_string(),
        None => full,
    };
    let line = e.line().max(1);
    // What stands where serde_json stopped (its column is 1-based, in bytes).
    let rest =
        text.split('\n').nth(line - 1).and_then(|row| row.get(e.column().saturating_sub(1)..)).unwrap_or("").trim_end();
    let word: String =
        rest.chars().take_while(|c| !matches!(c, ',' | ']' | '}' | ' ' | '\t' | '\r')).take(20).collect();
    let lower = word.to_ascii_lowercase();
    let message = if e.is_eof() {
        format!("the file ends early ({message})")
    } else if ["nan", "-nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"].contains(&lower.as_str()) {
        format!("{word} is not a JSON number (JSON numbers are finite decimals such as 0.5)")
    } else if text.trim_start().starts_with(rest) && !rest.is_empty() && !rest.starts_with(['{', '[']) {
        format!("the file does not start like JSON (it starts with \"{}\")", crate::model_file::shorten(rest, 20))
    } else {
        message
    };
    // serde_json counts the column in bytes; people count characters.
    let column = match text.split('\n').nth(line - 1) {
        Some(row) => {
            let bytes = e.column().min(row.len());
            let mut cut = bytes;
            while !row.is_char_boundary(cut) {
                cut -= 1;
            }
            row[..cut].chars().count().max(1)
        }
        None => e.column().max(1),
    };
    SyntaxError { pos: Pos { line, column }, message }
}

struct Parser {
    chars: Vec<char>,
    at: usize,
    line: usize,
    column: usize,
}

impl Parser {
    fn pos(&self) -> Pos {
        Pos { line: self.line, column: self.column }
    }

    fn error(&self, message: &str) -> SyntaxError {
        SyntaxError { pos: self.pos(), message: message.to_string() }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.bump();
        }
    }

    fn expect(&mut self, c: char) -> Result<(), SyntaxError> {
        if self.peek() == Some(c) {
            self.bump();
            Ok(())
        } else {
            Err(self.error(&format!("expected `{c}`")))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        let pos = self.pos();
        let value = match self.peek() {
            Some('{') => self.object(depth)?,
            Some('[') => self.array(depth)?,
            Some('"') => Value::String(self.string()?),
            Some('t') => self.word("true", Value::Bool(true))?,
            Some('f') => self.word("false", Value::Bool(false))?,
            Some('n') => self.word("null", Value::Null)?,
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(),
            _ => return Err(self.error("expected a value")),
        };
        Ok(Node { pos, value })
    }

    fn word(&mut self, word: &str, value: Value) -> Result<Value, SyntaxError> {
        for expected in word.chars() {
            if self.bump() != Some(expected) {
                return Err(self.error(&format!("expected `{word}`")));
            }
        }
        Ok(value)
    }

    fn number(&mut self) -> Value {
        let start = self.at;
        while matches!(self.peek(), Some(c) if c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E')) {
            self.bump();
        }
        Value::Number(self.chars[start..self.at].iter().collect())
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.expect('"')?;
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error("the file ends inside a string")),
                Some('"') => return Ok(out),
                Some('\\') => match self.bump() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('r') => out.push('\r'),
                    Some('b') => out.push('\u{8}'),
                    Some('f') => out.push('\u{c}'),
                    Some('u') => out.push(self.unicode_escape()?),
                    Some(c) => out.push(c),
                    None => return Err(self.error("the file ends inside a string")),
                },
                Some(c) => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let digit = self.bump().and_then(|c| c.to_digit(16)).ok_or_else(|| self.error("bad \\u escape"))?;
            v = v * 16 + digit;
        }
        Ok(v)
    }

    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) && self.peek() == Some('\\') {
            self.bump();
            self.expect('u')?;
            let second = self.hex4()?;
            0x10000 + ((first - 0xD800) << 10) + (second.wrapping_sub(0xDC00) & 0x3FF)
        } else {
            first
        };
        Ok(char::from_u32(code).unwrap_or('\u{FFFD}'))
    }

    fn array(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.expect('[')?;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(']') {
            self.bump();
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.bump() {
                Some(',') => continue,
                Some(']') => return Ok(Value::Array(items)),
                _ => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.expect('{')?;
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek() == Some('}') {
            self.bump();
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_ws();
            let key_pos = self.pos();
            let key = self.string()?;
            self.skip_ws();
            self.expect(':')?;
            self.skip_ws();
            let node = self.value(depth + 1)?;
            members.push(Member { key, key_pos, node });
            self.skip_ws();
            match self.bump() {
                Some(',') => continue,
                Some('}') => return Ok(Value::Object(members)),
                _ => return Err(self.error("expected `,` or `}`")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_lines_and_character_columns() {
        let text = "{\n  \"a\": [1, -2.5e3],\n  \"é\": \"x\", \"b\": true\n}";
        let root = parse(text).unwrap();
        let Value::Object(members) = root.value else { panic!("object") };
        assert_eq!(members[0].key_pos, Pos { line: 2, column: 3 });
        let Value::Array(items) = &members[0].node.value else { panic!("array") };
        assert_eq!(items[1].pos, Pos { line: 2, column: 12 });
        assert_eq!(items[1].value, Value::Number("-2.5e3".into()));
        assert_eq!(members[2].key_pos, Pos { line: 3, column: 13 });
    }

    #[test]
    fn syntax_errors_come_with_a_place() {
        let e = parse("{\n  \"a\": [1, 2,\n").unwrap_err();
        assert!(e.message.contains("ends early"), "{e:?}");
        assert_eq!(e.pos.line, 3);
        let e = parse("{\"é\": x}").unwrap_err();
        assert_eq!(e.pos, Pos { line: 1, column: 7 });
        assert!(parse("").unwrap_err().message.contains("ends early"));
    }
}
