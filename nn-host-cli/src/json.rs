//! A strict JSON reader (RFC 8259) that keeps where every value starts, so that a model
//! file's semantic errors (a shape that does not chain, an unknown activation) can point at
//! the place in the file. The text is read once: syntax, positions and values in one pass
//! over the bytes. Numbers keep their text, so that they are parsed straight to `f32` (one
//! correct rounding, the same bits as the value that was written).
//!
//! Why not serde: measured on serde_json 1.0.154 with serde_path_to_error 0.1.20, the
//! derive route gives a path but (a) `f32` fields go decimal → `f64` → `f32`, two roundings
//! (`1.00000005960464477539062501` becomes `0x3f800000`, the nearest `f32` is
//! `0x3f800001`; `float_roundtrip` only makes the `f64` step exact), (b) its positions are
//! where the reader stood when the check failed — the end of a value (an unknown key at
//! 2:82 instead of 2:77 where it starts) — and (c) nothing of the position is left after
//! deserialisation, which `--loss` checks need for `layers[N].activation`. Borrowed
//! `RawValue`s fix (a) for numbers only. So the syntax messages below keep serde_json's
//! wording, and the reader stays here.

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
pub struct Node<'a> {
    /// Where the value starts.
    pub pos: Pos,
    /// The value.
    pub value: Value<'a>,
}

/// A JSON value; numbers keep their text.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written (checked against JSON's number grammar).
    Number(&'a str),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Node<'a>>),
    /// An object: its members in order, each with the position of its key.
    Object(Vec<Member<'a>>),
}

/// One member of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Member<'a> {
    /// The key.
    pub key: String,
    /// Where the key starts.
    pub key_pos: Pos,
    /// The value.
    pub node: Node<'a>,
}

impl Value<'_> {
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

/// What was being read when the text ended (serde_json's words).
#[derive(Clone, Copy)]
enum Within {
    Value,
    List,
    Object,
    String,
}

/// Parses `text` (one JSON value, optionally surrounded by whitespace).
pub fn parse(text: &str) -> Result<Node<'_>, SyntaxError> {
    let mut p = Parser { text, at: 0, line: 1, column: 1 };
    p.skip_ws();
    if p.at == text.len() {
        return Err(p.eof(Within::Value));
    }
    let node = p.value(0)?;
    p.skip_ws();
    if p.at < text.len() {
        return Err(p.error("trailing characters"));
    }
    Ok(node)
}

struct Parser<'a> {
    text: &'a str,
    /// Byte offset of the next byte.
    at: usize,
    line: usize,
    /// Character column of the next byte.
    column: usize,
}

impl<'a> Parser<'a> {
    fn pos(&self) -> Pos {
        Pos { line: self.line, column: self.column }
    }

    fn error(&self, message: &str) -> SyntaxError {
        SyntaxError { pos: self.pos(), message: message.to_string() }
    }

    /// The text ended inside `within`: reported at its last character, as serde_json does.
    fn eof(&self, within: Within) -> SyntaxError {
        let what = match within {
            Within::Value => "a value",
            Within::List => "a list",
            Within::Object => "an object",
            Within::String => "a string",
        };
        let pos = Pos { line: self.line, column: self.column.saturating_sub(1).max(1) };
        SyntaxError { pos, message: format!("the file ends early (EOF while parsing {what})") }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        if b == b'\n' {
            self.line += 1;
            self.column = 1;
        } else if b & 0xC0 != 0x80 {
            // A UTF-8 continuation byte belongs to the character before it.
            self.column += 1;
        }
        Some(b)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }

    /// The next non-blank byte, or an end-of-file error inside `within`.
    fn next_token(&mut self, within: Within) -> Result<u8, SyntaxError> {
        self.skip_ws();
        self.peek().ok_or_else(|| self.eof(within))
    }

    fn value(&mut self, depth: usize) -> Result<Node<'a>, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        let first = self.next_token(Within::Value)?;
        let pos = self.pos();
        let value = match first {
            b'{' => self.object(depth)?,
            b'[' => self.array(depth)?,
            b'"' => Value::String(self.string()?),
            b't' => self.word("true", Value::Bool(true))?,
            b'f' => self.word("false", Value::Bool(false))?,
            b'n' if !self.text[self.at..].starts_with("nan") => self.word("null", Value::Null)?,
            b'-' | b'0'..=b'9' => Value::Number(self.number()?),
            _ => return Err(self.not_a_value()),
        };
        Ok(Node { pos, value })
    }

    /// What stands where a value should: NaN and infinities are named, and text that
    /// does not start like JSON at all is quoted.
    fn not_a_value(&self) -> SyntaxError {
        let rest = self.text[self.at..].lines().next().unwrap_or("").trim_end();
        let word: String = rest.chars().take_while(|c| !matches!(c, ',' | ']' | '}' | ' ' | '\t')).take(20).collect();
        let lower = word.to_ascii_lowercase();
        let message = if ["nan", "-nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"]
            .contains(&lower.as_str())
        {
            format!("{word} is not a JSON number (JSON numbers are finite decimals such as 0.5)")
        } else if self.text[..self.at].trim().is_empty() {
            format!("the file does not start like JSON (it starts with \"{}\")", crate::model_file::shorten(rest, 20))
        } else {
            "expected value".to_string()
        };
        SyntaxError { pos: self.pos(), message }
    }

    fn word(&mut self, word: &str, value: Value<'a>) -> Result<Value<'a>, SyntaxError> {
        for expected in word.bytes() {
            match self.peek() {
                Some(b) if b == expected => {
                    self.bump();
                }
                Some(_) => return Err(self.error("expected ident")),
                None => return Err(self.eof(Within::Value)),
            }
        }
        Ok(value)
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.bump();
        }
        self.at - start
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, as written.
    fn number(&mut self) -> Result<&'a str, SyntaxError> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.bump();
        }
        if self.peek() == Some(b'0') {
            self.bump();
            if matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("invalid number"));
            }
        } else if self.digits() == 0 {
            return Err(match self.peek() {
                None => self.eof(Within::Value),
                Some(b) if b.is_ascii_alphabetic() => self.not_a_value(),
                Some(_) => self.error("invalid number"),
            });
        }
        if self.peek() == Some(b'.') {
            self.bump();
            if self.digits() == 0 {
                return Err(self.number_error());
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.bump();
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.bump();
            }
            if self.digits() == 0 {
                return Err(self.number_error());
            }
        }
        Ok(&self.text[start..self.at])
    }

    fn number_error(&self) -> SyntaxError {
        match self.peek() {
            None => self.eof(Within::Value),
            Some(_) => self.error("invalid number"),
        }
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.bump(); // the opening quote
        let mut out = String::new();
        loop {
            let start = self.at;
            while matches!(self.peek(), Some(b) if b != b'"' && b != b'\\' && b >= 0x20) {
                self.bump();
            }
            out.push_str(&self.text[start..self.at]);
            match self.peek() {
                None => return Err(self.eof(Within::String)),
                Some(b'"') => {
                    self.bump();
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.bump();
                    self.escape(&mut out)?;
                }
                Some(_) => return Err(self.error("control character (\\u0000-\\u001F) found while parsing a string")),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), SyntaxError> {
        let escaped = self.peek();
        if escaped.is_some_and(|b| !b"\"\\/bfnrtu".contains(&b)) {
            return Err(self.error("invalid escape"));
        }
        let c = match self.bump() {
            None => return Err(self.eof(Within::String)),
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => self.unicode_escape()?,
            Some(_) => return Err(self.error("invalid escape")),
        };
        out.push(c);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let digit = match self.peek() {
                None => return Err(self.eof(Within::String)),
                Some(b) => char::from(b).to_digit(16).ok_or_else(|| self.error("invalid escape"))?,
            };
            self.bump();
            v = v * 16 + digit;
        }
        Ok(v)
    }

    /// After `\u`: one code point, from a surrogate pair where it takes two escapes.
    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) {
            if !self.text[self.at..].starts_with("\\u") {
                return Err(self.error("lone leading surrogate in hex escape"));
            }
            self.bump();
            self.bump();
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(self.error("lone leading surrogate in hex escape"));
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid unicode code point"))
    }

    fn array(&mut self, depth: usize) -> Result<Value<'a>, SyntaxError> {
        self.bump(); // `[`
        let mut items = Vec::new();
        if self.next_token(Within::List)? == b']' {
            self.bump();
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            match self.next_token(Within::List)? {
                b',' => {
                    self.bump();
                    if self.next_token(Within::Value)? == b']' {
                        return Err(self.error("trailing comma"));
                    }
                }
                b']' => {
                    self.bump();
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value<'a>, SyntaxError> {
        self.bump(); // `{`
        let mut members = Vec::new();
        let mut first = true;
        loop {
            match self.next_token(Within::Object)? {
                b'}' if first => {
                    self.bump();
                    return Ok(Value::Object(members));
                }
                b'}' => return Err(self.error("trailing comma")),
                b'"' => {}
                _ => return Err(self.error("key must be a string")),
            }
            first = false;
            let key_pos = self.pos();
            let key = self.string()?;
            if self.next_token(Within::Object)? != b':' {
                return Err(self.error("expected `:`"));
            }
            self.bump();
            let node = self.value(depth + 1)?;
            members.push(Member { key, key_pos, node });
            match self.next_token(Within::Object)? {
                b',' => {
                    self.bump();
                }
                b'}' => {
                    self.bump();
                    return Ok(Value::Object(members));
                }
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
        assert_eq!(items[1].value, Value::Number("-2.5e3"));
        assert_eq!(members[2].key_pos, Pos { line: 3, column: 13 });
    }

    #[test]
    fn strings_are_unescaped() {
        let root = parse(r#"["a\"\\\/\b\f\n\r\t", "\u00e9\ud83d\ude00"]"#).unwrap();
        let Value::Array(items) = root.value else { panic!("array") };
        assert_eq!(items[0].value, Value::String("a\"\\/\u{8}\u{c}\n\r\t".into()));
        assert_eq!(items[1].value, Value::String("é😀".into()));
    }

    /// Text that is not JSON, where it goes wrong and what is said (serde_json's words).
    const NOT_JSON: [(&str, usize, usize, &str); 18] = [
        ("{\n  \"a\": [1, 2,\n", 3, 1, "the file ends early (EOF while parsing a value)"),
        ("{\"é\": x}", 1, 7, "expected value"),
        ("", 1, 1, "the file ends early (EOF while parsing a value)"),
        ("[01]", 1, 3, "invalid number"),
        ("[1.]", 1, 4, "invalid number"),
        ("[1e+]", 1, 5, "invalid number"),
        ("[-x]", 1, 3, "expected value"),
        ("[- 1]", 1, 3, "invalid number"),
        ("[.5]", 1, 2, "expected value"),
        ("[1,]", 1, 4, "trailing comma"),
        ("{\"a\": 1,}", 1, 9, "trailing comma"),
        ("{a: 1}", 1, 2, "key must be a string"),
        ("{\"a\" 1}", 1, 6, "expected `:`"),
        ("[1 2]", 1, 4, "expected `,` or `]`"),
        ("[\"\\x\"]", 1, 4, "invalid escape"),
        ("[\"\t\"]", 1, 3, "control character (\\u0000-\\u001F) found while parsing a string"),
        ("[\"\\ud800\"]", 1, 9, "lone leading surrogate in hex escape"),
        ("[tru]", 1, 5, "expected ident"),
    ];

    #[test]
    fn syntax_errors_come_with_a_place() {
        for (text, line, column, message) in NOT_JSON {
            let e = parse(text).unwrap_err();
            assert_eq!((e.pos, e.message.as_str()), (Pos { line, column }, message), "{text:?}");
        }
        assert!(parse("[NaN]").unwrap_err().message.starts_with("NaN is not a JSON number"));
        assert!(parse("x1,x2\n").unwrap_err().message.starts_with("the file does not start like JSON"));
        assert_eq!(parse("[1] x").unwrap_err().message, "trailing characters");
        assert_eq!(parse(&"[".repeat(100)).unwrap_err().message, "nested too deeply");
    }
}
