//! Label selectors, with the semantics and error texts of `k8s.io/apimachinery/pkg/labels`.
//!
//! - [`Selector`] — an AND of [`Requirement`]s (key, [`Operator`], sorted values); `matches`,
//!   `is_empty` and the canonical `Display` form that `labels.Selector.String()` prints.
//! - [`parse`] — the `kubectl -l` / `--selector` syntax (`a=b,c!=d,e in (x,y),f notin (z),g,!h`,
//!   `==`, `a>3`, `a<3`), with the parser's own error messages.
//! - [`from_label_selector`] — `metav1.LabelSelectorAsSelector` (matchLabels + matchExpressions).
//! - [`from_map`] / [`from_map_validated`] — `labels.SelectorFromSet` for Service and
//!   ReplicationController selectors.
//! - [`validate_label_key`] / [`validate_label_value`] (and the per-message
//!   [`label_key_errors`] / [`label_value_errors`]) — qualified-name and label-value rules, shared
//!   with object validation and `kubectl label`.
//!
//! Every error message is a plain string matching what the Go code prints, so callers can wrap it
//! exactly as the API server or kubectl does.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// A selector that could not be parsed or built. `Display` prints the message as Go prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorError {
    message: String,
}

impl SelectorError {
    fn new(message: impl Into<String>) -> Self {
        SelectorError { message: message.into() }
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for SelectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SelectorError {}

// ---------------------------------------------------------------------------------------------
// Operators and requirements
// ---------------------------------------------------------------------------------------------

/// The operators of `k8s.io/apimachinery/pkg/selection`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operator {
    In,
    NotIn,
    Equals,
    DoubleEquals,
    NotEquals,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}

impl Operator {
    /// The `selection.Operator` string value (`in`, `notin`, `=`, `==`, `!=`, `exists`, `!`,
    /// `gt`, `lt`).
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::In => "in",
            Operator::NotIn => "notin",
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::Exists => "exists",
            Operator::DoesNotExist => "!",
            Operator::GreaterThan => "gt",
            Operator::LessThan => "lt",
        }
    }
}

/// The binary operators in the order the parser lists them in its "expected:" message.
const BINARY_OPERATORS: &str = "in, notin, =, ==, !=, gt, lt";

/// One `key <op> values` term. Values are a sorted set, as the parser produces them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Requirement {
    key: String,
    operator: Operator,
    values: BTreeSet<String>,
}

impl Requirement {
    /// `labels.NewRequirement`: validates the key, the number of values for the operator, integer
    /// values for `gt`/`lt`, and each value as a label value. `values` is taken in caller order
    /// because the error messages index into it.
    pub fn new(key: &str, operator: Operator, values: &[String]) -> Result<Requirement, SelectorError> {
        let mut errs: Vec<String> = Vec::new();
        let key_errs = label_key_errors(key);
        if !key_errs.is_empty() {
            errs.push(format!("key: Invalid value: {}: {}", go_quote(key), key_errs.join("; ")));
        }
        match operator {
            Operator::In | Operator::NotIn => {
                if values.is_empty() {
                    errs.push(format!(
                        "values: Invalid value: {}: for 'in', 'notin' operators, values set can't be empty",
                        go_string_slice(values)
                    ));
                }
            }
            Operator::Equals | Operator::DoubleEquals | Operator::NotEquals => {
                if values.len() != 1 {
                    errs.push(format!(
                        "values: Invalid value: {}: exact-match compatibility requires one single value",
                        go_string_slice(values)
                    ));
                }
            }
            Operator::Exists | Operator::DoesNotExist => {
                if !values.is_empty() {
                    errs.push(format!(
                        "values: Invalid value: {}: values set must be empty for exists and does not exist",
                        go_string_slice(values)
                    ));
                }
            }
            Operator::GreaterThan | Operator::LessThan => {
                if values.len() != 1 {
                    errs.push(format!(
                        "values: Invalid value: {}: for 'Gt', 'Lt' operators, exactly one value is required",
                        go_string_slice(values)
                    ));
                }
                for (i, v) in values.iter().enumerate() {
                    if v.parse::<i64>().is_err() {
                        errs.push(format!(
                            "values[{i}]: Invalid value: {}: for 'Gt', 'Lt' operators, the value must be an integer",
                            go_quote(v)
                        ));
                    }
                }
            }
        }
        for (i, v) in values.iter().enumerate() {
            let value_errs = label_value_errors(v);
            if !value_errs.is_empty() {
                errs.push(format!(
                    "values[{i}][{key}]: Invalid value: {}: {}",
                    go_quote(v),
                    value_errs.join("; ")
                ));
            }
        }
        if errs.is_empty() {
            Ok(Requirement { key: key.to_string(), operator, values: values.iter().cloned().collect() })
        } else {
            Err(SelectorError::new(aggregate(errs)))
        }
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn operator(&self) -> Operator {
        self.operator
    }

    pub fn values(&self) -> &BTreeSet<String> {
        &self.values
    }

    /// `Requirement.Matches`: `in`/`=`/`==` need the key with a listed value; `notin`/`!=` match
    /// a missing key; `gt`/`lt` need the key with an integer value.
    pub fn matches(&self, labels: Option<&BTreeMap<String, String>>) -> bool {
        let value = labels.and_then(|l| l.get(&self.key));
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => {
                value.is_some_and(|v| self.values.contains(v))
            }
            Operator::NotIn | Operator::NotEquals => value.is_none_or(|v| !self.values.contains(v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let Some(actual) = value.and_then(|v| v.parse::<i64>().ok()) else {
                    return false;
                };
                if self.values.len() != 1 {
                    return false;
                }
                let Some(bound) = self.values.iter().next().and_then(|v| v.parse::<i64>().ok()) else {
                    return false;
                };
                match self.operator {
                    Operator::GreaterThan => actual > bound,
                    _ => actual < bound,
                }
            }
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.operator == Operator::DoesNotExist {
            f.write_str("!")?;
        }
        f.write_str(&self.key)?;
        let (op, parens) = match self.operator {
            Operator::Exists | Operator::DoesNotExist => return Ok(()),
            Operator::Equals => ("=", false),
            Operator::DoubleEquals => ("==", false),
            Operator::NotEquals => ("!=", false),
            Operator::In => (" in ", true),
            Operator::NotIn => (" notin ", true),
            Operator::GreaterThan => (">", false),
            Operator::LessThan => ("<", false),
        };
        f.write_str(op)?;
        if parens {
            f.write_str("(")?;
        }
        let joined: Vec<&str> = self.values.iter().map(String::as_str).collect();
        f.write_str(&joined.join(","))?;
        if parens {
            f.write_str(")")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Selector
// ---------------------------------------------------------------------------------------------

/// An AND of requirements, kept sorted by key (stably, so equal keys keep their input order).
///
/// Besides ordinary selectors there is [`Selector::nothing`], which matches no label set at all
/// (`labels.Nothing()`), for callers whose semantics say "an absent selector selects nothing".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Selector {
    requirements: Vec<Requirement>,
    nothing: bool,
}

impl Selector {
    /// `labels.Everything()`: no requirements, matches every label set.
    pub fn everything() -> Selector {
        Selector::default()
    }

    /// `labels.Nothing()`: matches no label set; prints as the empty string; not "empty".
    pub fn nothing() -> Selector {
        Selector { requirements: Vec::new(), nothing: true }
    }

    /// Builds a selector from requirements, sorting them by key.
    pub fn from_requirements(requirements: Vec<Requirement>) -> Selector {
        let mut s = Selector { requirements, nothing: false };
        s.requirements.sort_by(|a, b| a.key.cmp(&b.key));
        s
    }

    /// Adds a requirement, keeping the key order (`Selector.Add`).
    pub fn with_requirement(mut self, requirement: Requirement) -> Selector {
        if !self.nothing {
            self.requirements.push(requirement);
            self.requirements.sort_by(|a, b| a.key.cmp(&b.key));
        }
        self
    }

    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// True for a selector that does not restrict anything (no requirements, not `nothing`).
    pub fn is_empty(&self) -> bool {
        !self.nothing && self.requirements.is_empty()
    }

    /// True only for [`Selector::nothing`].
    pub fn is_nothing(&self) -> bool {
        self.nothing
    }

    /// True if every requirement matches `labels` (`None` = the object has no labels).
    pub fn matches(&self, labels: Option<&BTreeMap<String, String>>) -> bool {
        !self.nothing && self.requirements.iter().all(|r| r.matches(labels))
    }

    /// `RequiresExactMatch`: the single value the selector demands for `label` through the first
    /// requirement on that key, if that requirement is `=`, `==` or a one-value `in`.
    pub fn requires_exact_match(&self, label: &str) -> Option<&str> {
        let r = self.requirements.iter().find(|r| r.key == label)?;
        match r.operator {
            Operator::Equals | Operator::DoubleEquals | Operator::In if r.values.len() == 1 => {
                r.values.iter().next().map(String::as_str)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Conversions
// ---------------------------------------------------------------------------------------------

/// `labels.SelectorFromSet`: one `key=value` requirement per pair, without validation; an empty
/// map gives [`Selector::everything`].
///
/// Callers decide what an empty map means for their object. Kubernetes treats an empty or absent
/// Service `spec.selector` as selecting *nothing* (no Endpoints are managed), while an empty
/// ReplicationController selector is defaulted from the template labels before it is used. Check
/// the map for emptiness first and use [`Selector::nothing`] where the API says "selects nothing".
pub fn from_map(map: &BTreeMap<String, String>) -> Selector {
    let requirements = map
        .iter()
        .map(|(k, v)| Requirement {
            key: k.clone(),
            operator: Operator::Equals,
            values: BTreeSet::from([v.clone()]),
        })
        .collect();
    Selector { requirements, nothing: false }
}

/// `labels.ValidatedSelectorFromSet`: like [`from_map`], but every key and value is validated;
/// the first invalid pair (in key order) is the error.
pub fn from_map_validated(map: &BTreeMap<String, String>) -> Result<Selector, SelectorError> {
    let mut requirements = Vec::with_capacity(map.len());
    for (k, v) in map {
        requirements.push(Requirement::new(k, Operator::Equals, std::slice::from_ref(v))?);
    }
    Ok(Selector { requirements, nothing: false })
}

/// `metav1.LabelSelectorAsSelector`: matchLabels become `key=value`, matchExpressions map
/// `In`/`NotIn`/`Exists`/`DoesNotExist` to their operators. A selector with neither matches
/// everything. Any other operator is an error (`"Foo" is not a valid pod selector operator`), as
/// is an invalid key or value. matchLabels are checked in key order, then expressions in order.
pub fn from_label_selector(sel: &LabelSelector) -> Result<Selector, SelectorError> {
    let labels = sel.match_labels.as_ref();
    let exprs = sel.match_expressions.as_deref().unwrap_or(&[]);
    if labels.is_none_or(BTreeMap::is_empty) && exprs.is_empty() {
        return Ok(Selector::everything());
    }
    let mut requirements = Vec::new();
    for (k, v) in labels.into_iter().flatten() {
        requirements.push(Requirement::new(k, Operator::Equals, std::slice::from_ref(v))?);
    }
    for e in exprs {
        let op = match e.operator.as_str() {
            "In" => Operator::In,
            "NotIn" => Operator::NotIn,
            "Exists" => Operator::Exists,
            "DoesNotExist" => Operator::DoesNotExist,
            other => {
                return Err(SelectorError::new(format!(
                    "{} is not a valid pod selector operator",
                    go_quote(other)
                )))
            }
        };
        let values = e.values.as_deref().unwrap_or(&[]);
        requirements.push(Requirement::new(&e.key, op, values)?);
    }
    Ok(Selector::from_requirements(requirements))
}

// ---------------------------------------------------------------------------------------------
// Parser (the `-l` syntax)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    EndOfString,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

fn symbol_token(s: &[u8]) -> Option<Tok> {
    Some(match s {
        b")" => Tok::ClosedPar,
        b"," => Tok::Comma,
        b"!" => Tok::DoesNotExist,
        b"==" => Tok::DoubleEquals,
        b"=" => Tok::Equals,
        b">" => Tok::GreaterThan,
        b"<" => Tok::LessThan,
        b"!=" => Tok::NotEquals,
        b"(" => Tok::OpenPar,
        _ => return None,
    })
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

/// A byte lexer. A NUL byte reads like the end of input, as in the Go lexer.
struct Lexer<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn read(&mut self) -> u8 {
        if self.pos < self.s.len() {
            let b = self.s[self.pos];
            self.pos += 1;
            b
        } else {
            0
        }
    }

    fn unread(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }

    fn lex(&mut self) -> (Tok, String) {
        let mut ch = self.read();
        while is_whitespace(ch) {
            ch = self.read();
        }
        if ch == 0 {
            return (Tok::EndOfString, String::new());
        }
        self.unread();
        if is_special(ch) {
            self.scan_symbol()
        } else {
            self.scan_word()
        }
    }

    fn scan_word(&mut self) -> (Tok, String) {
        let start = self.pos;
        let mut end = start;
        loop {
            let ch = self.read();
            if ch == 0 {
                break;
            }
            if is_special(ch) || is_whitespace(ch) {
                self.unread();
                break;
            }
            end = self.pos;
        }
        let word = String::from_utf8_lossy(&self.s[start..end]).into_owned();
        let tok = match word.as_str() {
            "in" => Tok::In,
            "notin" => Tok::NotIn,
            _ => Tok::Identifier,
        };
        (tok, word)
    }

    /// Longest run of special bytes that still spells an operator.
    fn scan_symbol(&mut self) -> (Tok, String) {
        let start = self.pos;
        let mut best: Option<(Tok, usize)> = None;
        loop {
            let ch = self.read();
            if ch == 0 {
                break;
            }
            if !is_special(ch) {
                self.unread();
                break;
            }
            match symbol_token(&self.s[start..self.pos]) {
                Some(t) => best = Some((t, self.pos)),
                None if best.is_some() => {
                    self.unread();
                    break;
                }
                None => {}
            }
        }
        match best {
            Some((t, end)) => {
                self.pos = end;
                (t, String::from_utf8_lossy(&self.s[start..end]).into_owned())
            }
            // Every single special byte is an operator, so this is only reached on odd input.
            None => (Tok::EndOfString, String::new()),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    KeyAndOperator,
    Values,
}

struct Parser {
    items: Vec<(Tok, String)>,
    position: usize,
}

impl Parser {
    fn item(&self, context: Context) -> (Tok, String) {
        let (tok, lit) = self
            .items
            .get(self.position)
            .cloned()
            .unwrap_or((Tok::EndOfString, String::new()));
        let tok = match (context, tok) {
            (Context::Values, Tok::In | Tok::NotIn) => Tok::Identifier,
            _ => tok,
        };
        (tok, lit)
    }

    fn lookahead(&self, context: Context) -> (Tok, String) {
        self.item(context)
    }

    fn consume(&mut self, context: Context) -> (Tok, String) {
        let it = self.item(context);
        if self.position < self.items.len() {
            self.position += 1;
        }
        it
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, String> {
        let mut reqs = Vec::new();
        loop {
            let (tok, lit) = self.lookahead(Context::Values);
            match tok {
                Tok::Identifier | Tok::DoesNotExist => {
                    let r = self
                        .parse_requirement()
                        .map_err(|e| format!("unable to parse requirement: {e}"))?;
                    reqs.push(r);
                    let (t, l) = self.consume(Context::Values);
                    match t {
                        Tok::EndOfString => return Ok(reqs),
                        Tok::Comma => {
                            let (t2, l2) = self.lookahead(Context::Values);
                            if t2 != Tok::Identifier && t2 != Tok::DoesNotExist {
                                return Err(format!("found '{l2}', expected: identifier after ','"));
                            }
                        }
                        _ => return Err(format!("found '{l}', expected: ',' or 'end of string'")),
                    }
                }
                Tok::EndOfString => return Ok(reqs),
                _ => return Err(format!("found '{lit}', expected: !, identifier, or 'end of string'")),
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, String> {
        let (key, inferred) = self.parse_key_and_infer_operator()?;
        if let Some(op) = inferred {
            return Requirement::new(&key, op, &[]).map_err(|e| e.message);
        }
        let op = self.parse_operator()?;
        let values = match op {
            Operator::In | Operator::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        let values: Vec<String> = values.into_iter().collect();
        Requirement::new(&key, op, &values).map_err(|e| e.message)
    }

    /// Returns the key and, when the requirement has no binary operator, `Exists` or
    /// `DoesNotExist`.
    fn parse_key_and_infer_operator(&mut self) -> Result<(String, Option<Operator>), String> {
        let mut op = None;
        let (mut tok, mut lit) = self.consume(Context::Values);
        if tok == Tok::DoesNotExist {
            op = Some(Operator::DoesNotExist);
            (tok, lit) = self.consume(Context::Values);
        }
        if tok != Tok::Identifier {
            return Err(format!("found '{lit}', expected: identifier"));
        }
        let errs = label_key_errors(&lit);
        if !errs.is_empty() {
            return Err(format!("<nil>: Invalid value: {}: {}", go_quote(&lit), errs.join("; ")));
        }
        let (next, _) = self.lookahead(Context::Values);
        if (next == Tok::EndOfString || next == Tok::Comma) && op.is_none() {
            op = Some(Operator::Exists);
        }
        Ok((lit, op))
    }

    fn parse_operator(&mut self) -> Result<Operator, String> {
        let (tok, lit) = self.consume(Context::KeyAndOperator);
        Ok(match tok {
            Tok::In => Operator::In,
            Tok::Equals => Operator::Equals,
            Tok::DoubleEquals => Operator::DoubleEquals,
            Tok::GreaterThan => Operator::GreaterThan,
            Tok::LessThan => Operator::LessThan,
            Tok::NotIn => Operator::NotIn,
            Tok::NotEquals => Operator::NotEquals,
            _ => return Err(format!("found '{lit}', expected: {BINARY_OPERATORS}")),
        })
    }

    fn parse_values(&mut self) -> Result<BTreeSet<String>, String> {
        let (tok, lit) = self.consume(Context::Values);
        if tok != Tok::OpenPar {
            return Err(format!("found '{lit}' expected: '('"));
        }
        let (tok, lit) = self.lookahead(Context::Values);
        match tok {
            Tok::Identifier | Tok::Comma => {
                let set = self.parse_identifiers_list()?;
                let (close, _) = self.consume(Context::Values);
                if close != Tok::ClosedPar {
                    return Err(format!("found '{lit}', expected: ')'"));
                }
                Ok(set)
            }
            Tok::ClosedPar => {
                self.consume(Context::Values);
                Ok(BTreeSet::from([String::new()]))
            }
            _ => Err(format!("found '{lit}', expected: ',', ')' or identifier")),
        }
    }

    fn parse_identifiers_list(&mut self) -> Result<BTreeSet<String>, String> {
        let mut set = BTreeSet::new();
        loop {
            let (tok, lit) = self.consume(Context::Values);
            match tok {
                Tok::Identifier => {
                    set.insert(lit);
                    let (t2, l2) = self.lookahead(Context::Values);
                    match t2 {
                        Tok::Comma => continue,
                        Tok::ClosedPar => return Ok(set),
                        _ => return Err(format!("found '{l2}', expected: ',' or ')'")),
                    }
                }
                Tok::Comma => {
                    if set.is_empty() {
                        set.insert(String::new());
                    }
                    let (t2, _) = self.lookahead(Context::Values);
                    if t2 == Tok::ClosedPar {
                        set.insert(String::new());
                        return Ok(set);
                    }
                    if t2 == Tok::Comma {
                        self.consume(Context::Values);
                        set.insert(String::new());
                    }
                }
                _ => return Err(format!("found '{lit}', expected: ',', or identifier")),
            }
        }
    }

    fn parse_exact_value(&mut self) -> Result<BTreeSet<String>, String> {
        let (tok, _) = self.lookahead(Context::Values);
        if tok == Tok::EndOfString || tok == Tok::Comma {
            return Ok(BTreeSet::from([String::new()]));
        }
        let (tok, lit) = self.consume(Context::Values);
        if tok == Tok::Identifier {
            Ok(BTreeSet::from([lit]))
        } else {
            Err(format!("found '{lit}', expected: identifier"))
        }
    }
}

/// `labels.Parse`: the `kubectl get -l` syntax.
///
/// ```text
/// <selector>    ::= <requirement> | <requirement> "," <selector>
/// <requirement> ::= [!] KEY [ ("in" | "notin") "(" VALUES ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ]
/// ```
/// Whitespace (space, tab, CR, LF) separates tokens and is otherwise ignored; the empty string is
/// the selector that matches everything. `in`/`notin` are keywords only in operator position.
/// Requirements come back sorted by key.
pub fn parse(s: &str) -> Result<Selector, SelectorError> {
    let mut lexer = Lexer { s: s.as_bytes(), pos: 0 };
    let mut items = Vec::new();
    loop {
        let (tok, lit) = lexer.lex();
        items.push((tok, lit));
        if tok == Tok::EndOfString {
            break;
        }
    }
    let mut parser = Parser { items, position: 0 };
    let reqs = parser.parse().map_err(SelectorError::new)?;
    Ok(Selector::from_requirements(reqs))
}

// ---------------------------------------------------------------------------------------------
// Label key / value validation
// ---------------------------------------------------------------------------------------------

const LABEL_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_NAME_MSG: &str =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const LABEL_MAX: usize = 63;
const DNS1123_SUBDOMAIN_MAX: usize = 253;

/// The `(e.g. 'x',  or 'y', regex used for validation is '...')` suffix Kubernetes appends.
fn regex_error(msg: &str, re: &str, examples: &[&str]) -> String {
    let mut out = String::from(msg);
    if examples.is_empty() {
        out.push_str(&format!(" (regex used for validation is '{re}')"));
        return out;
    }
    out.push_str(" (e.g. ");
    for (i, e) in examples.iter().enumerate() {
        if i > 0 {
            out.push_str(" or ");
        }
        out.push_str(&format!("'{e}', "));
    }
    out.push_str(&format!("regex used for validation is '{re}')"));
    out
}

fn max_len_error(n: usize) -> String {
    format!("must be no more than {n} bytes")
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
fn is_label_name(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => {
            f.is_ascii_alphanumeric()
                && l.is_ascii_alphanumeric()
                && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?` joined by dots.
fn is_dns1123_subdomain(s: &str) -> bool {
    let label_ok = |p: &str| {
        let b = p.as_bytes();
        let edge = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        match (b.first(), b.last()) {
            (Some(f), Some(l)) => edge(f) && edge(l) && b.iter().all(|c| edge(c) || *c == b'-'),
            _ => false,
        }
    };
    s.split('.').all(label_ok)
}

fn dns1123_subdomain_errors(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > DNS1123_SUBDOMAIN_MAX {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX));
    }
    if !is_dns1123_subdomain(s) {
        errs.push(regex_error(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, &["example.com"]));
    }
    errs
}

/// Every message the qualified-name (label key) check produces for `key`, in order; empty when
/// the key is valid. Object validation reports each as its own `Invalid value` error.
pub fn label_key_errors(key: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = key.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                errs.extend(dns1123_subdomain_errors(prefix).into_iter().map(|m| format!("prefix part {m}")));
            }
            *name
        }
        _ => {
            errs.push(format!(
                "a valid label key {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(LABEL_NAME_MSG, LABEL_NAME_FMT, &["MyName", "my.name", "123-abc"])
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > LABEL_MAX {
        errs.push(format!("name part {}", max_len_error(LABEL_MAX)));
    }
    if !is_label_name(name) {
        errs.push(format!(
            "name part {}",
            regex_error(LABEL_NAME_MSG, LABEL_NAME_FMT, &["MyName", "my.name", "123-abc"])
        ));
    }
    errs
}

/// Every message the label-value check produces for `value`; empty when valid (the empty string
/// is a valid value).
pub fn label_value_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > LABEL_MAX {
        errs.push(max_len_error(LABEL_MAX));
    }
    if !value.is_empty() && !is_label_name(value) {
        errs.push(regex_error(
            LABEL_VALUE_MSG,
            &format!("({LABEL_NAME_FMT})?"),
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// A label key (qualified name: optional DNS-subdomain prefix and `/`, then a name of at most 63
/// bytes). The error is the messages joined with `"; "`, as the selector code joins them.
pub fn validate_label_key(key: &str) -> Result<(), String> {
    let errs = label_key_errors(key);
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("; "))
    }
}

/// A label value: empty, or at most 63 bytes of `[A-Za-z0-9_.-]` starting and ending
/// alphanumeric. The error is the messages joined with `"; "`.
pub fn validate_label_value(value: &str) -> Result<(), String> {
    let errs = label_value_errors(value);
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("; "))
    }
}

// ---------------------------------------------------------------------------------------------
// Go formatting helpers
// ---------------------------------------------------------------------------------------------

/// Go's `%q` for a string (`strconv.Quote`).
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() => {
                if (c as u32) <= 0xffff {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `%#v` for a `[]string`; an empty slice is printed as the nil slice the API code passes.
fn go_string_slice(values: &[String]) -> String {
    if values.is_empty() {
        return "[]string(nil)".to_string();
    }
    let inner: Vec<String> = values.iter().map(|v| go_quote(v)).collect();
    format!("[]string{{{}}}", inner.join(", "))
}

/// `utilerrors.NewAggregate(...).Error()` over a field.ErrorList: duplicates dropped, one message
/// alone, several as `[a, b]`.
fn aggregate(errs: Vec<String>) -> String {
    let mut seen = BTreeSet::new();
    let unique: Vec<String> = errs.into_iter().filter(|e| seen.insert(e.clone())).collect();
    if unique.len() == 1 {
        unique.into_iter().next().unwrap_or_default()
    } else {
        format!("[{}]", unique.join(", "))
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

    const NAME_REGEX_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    const VALUE_REGEX_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// `Ok(canonical string)` or `Err(message)`.
    fn check(input: &str, expect: Result<&str, &str>) {
        let got = parse(input).map(|s| s.to_string()).map_err(|e| e.to_string());
        let want = expect.map(str::to_string).map_err(str::to_string);
        assert_eq!(got, want, "parse({input:?})");
    }

    #[test]
    fn parses_valid_selectors_to_canonical_form() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("   ", ""),
            ("a=b", "a=b"),
            ("a==b", "a==b"),
            ("a!=b", "a!=b"),
            ("a", "a"),
            ("!a", "!a"),
            (" ! a ", "!a"),
            ("a in (x,y)", "a in (x,y)"),
            ("a in (y,x)", "a in (x,y)"),
            ("a in (x,x)", "a in (x)"),
            ("a notin (z)", "a notin (z)"),
            ("a in ()", "a in ()"),
            ("a in (,x)", "a in (,x)"),
            ("a in (x,)", "a in (,x)"),
            ("a in (x,,y)", "a in (,x,y)"),
            ("a=", "a="),
            ("a=,b", "a=,b"),
            ("a>5", "a>5"),
            ("a < 10", "a<10"),
            ("c=d,b,a!=x", "a!=x,b,c=d"),
            ("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),
            ("a = b", "a=b"),
            ("a\tin\t(x , y)", "a in (x,y)"),
            ("in", "in"),
            ("in=notin", "in=notin"),
            ("a in (in,notin)", "a in (in,notin)"),
            ("example.com/app=web", "example.com/app=web"),
            ("a=b,a=c", "a=b,a=c"),
            ("env=prod,!canary,tier in (fe,be)", "!canary,env=prod,tier in (be,fe)"),
        ];
        for (input, want) in cases {
            check(input, Ok(want));
        }
    }

    #[test]
    fn parse_errors_match_the_go_parser() {
        let cases: &[(&str, &str)] = &[
            ("!", "unable to parse requirement: found '', expected: identifier"),
            ("!=a", "found '!=', expected: !, identifier, or 'end of string'"),
            (",", "found ',', expected: !, identifier, or 'end of string'"),
            ("a,", "found '', expected: identifier after ','"),
            ("a,,b", "found ',', expected: identifier after ','"),
            ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
            ("a=b c", "found 'c', expected: ',' or 'end of string'"),
            ("a=b=c", "found '=', expected: ',' or 'end of string'"),
            ("!a=b", "found '=', expected: ',' or 'end of string'"),
            ("a=(b)", "unable to parse requirement: found '(', expected: identifier"),
            ("a in x", "unable to parse requirement: found 'x' expected: '('"),
            ("a in", "unable to parse requirement: found '' expected: '('"),
            ("a in (x", "unable to parse requirement: found '', expected: ',' or ')'"),
            ("a in (x y)", "unable to parse requirement: found 'y', expected: ',' or ')'"),
            ("a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
            ("a in (x,=)", "unable to parse requirement: found '=', expected: ',', or identifier"),
            ("(a)", "found '(', expected: !, identifier, or 'end of string'"),
            (
                "a>x",
                "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer",
            ),
            (
                "a>",
                "unable to parse requirement: values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value must be an integer",
            ),
        ];
        for (input, want) in cases {
            check(input, Err(want));
        }
    }

    #[test]
    fn parse_validates_keys_and_values() {
        let key_err = |k: &str, msg: &str| {
            format!("unable to parse requirement: <nil>: Invalid value: {}: {msg}", go_quote(k))
        };
        check("-a=b", Err(&key_err("-a", &format!("name part {NAME_REGEX_MSG}"))));
        check("a_", Err(&key_err("a_", &format!("name part {NAME_REGEX_MSG}"))));
        check("/a", Err(&key_err("/a", "prefix part must be non-empty")));
        check("a/", Err(&key_err("a/", &format!("name part must be non-empty; name part {NAME_REGEX_MSG}"))));
        check(
            "Example.com/a",
            Err(&key_err(
                "Example.com/a",
                "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            )),
        );
        check(
            "a/b/c",
            Err(&key_err(
                "a/b/c",
                &format!("a valid label key {NAME_REGEX_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"),
            )),
        );
        let long = "k".repeat(64);
        check(&long, Err(&key_err(&long, "name part must be no more than 63 bytes")));
        check(
            "a=-b",
            Err(&format!("unable to parse requirement: values[0][a]: Invalid value: \"-b\": {VALUE_REGEX_MSG}")),
        );
        // The index is into the sorted value list.
        check(
            "a in (x,-y)",
            Err(&format!("unable to parse requirement: values[0][a]: Invalid value: \"-y\": {VALUE_REGEX_MSG}")),
        );
        check(
            "a<-1",
            Err(&format!("unable to parse requirement: values[0][a]: Invalid value: \"-1\": {VALUE_REGEX_MSG}")),
        );
        check(
            "a>1x",
            Err("unable to parse requirement: values[0]: Invalid value: \"1x\": for 'Gt', 'Lt' operators, the value must be an integer"),
        );
        let long_value = format!("a={}", "v".repeat(64));
        check(
            &long_value,
            Err(&format!(
                "unable to parse requirement: values[0][a]: Invalid value: \"{}\": must be no more than 63 bytes",
                "v".repeat(64)
            )),
        );
        check(&format!("{}=x", "k".repeat(63)), Ok(&format!("{}=x", "k".repeat(63))));
    }

    #[test]
    fn matching() {
        let web = labels(&[("app", "web"), ("tier", "fe"), ("replicas", "3")]);
        type Case<'a> = (&'a str, Option<&'a BTreeMap<String, String>>, bool);
        let cases: &[Case] = &[
            ("", Some(&web), true),
            ("", None, true),
            ("app=web", Some(&web), true),
            ("app==web", Some(&web), true),
            ("app=db", Some(&web), false),
            ("app=web", None, false),
            ("app!=db", Some(&web), true),
            ("app!=web", Some(&web), false),
            ("app!=web", None, true),
            ("app in (web,db)", Some(&web), true),
            ("app in (db)", Some(&web), false),
            ("app in (web)", None, false),
            ("app notin (web)", Some(&web), false),
            ("app notin (db)", Some(&web), true),
            ("app notin (web)", None, true),
            ("missing notin (x)", Some(&web), true),
            ("app", Some(&web), true),
            ("missing", Some(&web), false),
            ("app", None, false),
            ("!app", Some(&web), false),
            ("!missing", Some(&web), true),
            ("!app", None, true),
            ("replicas>2", Some(&web), true),
            ("replicas>3", Some(&web), false),
            ("replicas<4", Some(&web), true),
            ("replicas<3", Some(&web), false),
            ("app>1", Some(&web), false),
            ("missing<100", Some(&web), false),
            ("replicas>-5", Some(&web), false),
            ("app=web,tier=fe", Some(&web), true),
            ("app=web,tier=be", Some(&web), false),
            ("app in (web),!canary,replicas>0", Some(&web), true),
            ("missing=", Some(&web), false),
            ("missing!=", Some(&web), true),
        ];
        for (sel, l, want) in cases {
            // "replicas>-5" does not parse ("-5" is not a label value): it must not match either.
            let got = parse(sel).map(|s| s.matches(*l)).unwrap_or(false);
            assert_eq!(got, *want, "{sel} on {l:?}");
        }
        let empty_value = labels(&[("flag", "")]);
        assert!(parse("flag=").unwrap().matches(Some(&empty_value)));
        assert!(parse("flag in ()").unwrap().matches(Some(&empty_value)));
        assert!(parse("flag").unwrap().matches(Some(&empty_value)));
    }

    #[test]
    fn empty_and_nothing() {
        assert!(parse("").unwrap().is_empty());
        assert!(!parse("a").unwrap().is_empty());
        assert!(Selector::everything().matches(None));
        let nothing = Selector::nothing();
        assert!(!nothing.is_empty());
        assert!(nothing.is_nothing());
        assert!(!nothing.matches(None));
        assert!(!nothing.matches(Some(&labels(&[("a", "b")]))));
        assert_eq!(nothing.to_string(), "");
        let req = |k: &str| Requirement::new(k, Operator::Exists, &[]).unwrap();
        let grown = parse("m=1").unwrap().with_requirement(req("z")).with_requirement(req("a"));
        assert_eq!(grown.to_string(), "a,m=1,z");
        assert!(Selector::nothing().with_requirement(req("a")).is_nothing());
    }

    #[test]
    fn requires_exact_match() {
        let s = parse("a=b,c in (d),e in (f,g),h!=i").unwrap();
        assert_eq!(s.requires_exact_match("a"), Some("b"));
        assert_eq!(s.requires_exact_match("c"), Some("d"));
        assert_eq!(s.requires_exact_match("e"), None);
        assert_eq!(s.requires_exact_match("h"), None);
        assert_eq!(s.requires_exact_match("z"), None);
    }

    fn label_selector(yaml: &str) -> LabelSelector {
        serde_norway::from_str(yaml).expect("test YAML is a LabelSelector")
    }

    fn check_ls(yaml: &str, expect: Result<&str, &str>) {
        let got = from_label_selector(&label_selector(yaml))
            .map(|s| s.to_string())
            .map_err(|e| e.to_string());
        let want = expect.map(str::to_string).map_err(str::to_string);
        assert_eq!(got, want, "{yaml}");
    }

    #[test]
    fn label_selector_conversion() {
        check_ls("{}", Ok(""));
        check_ls("matchLabels: {}\nmatchExpressions: []", Ok(""));
        check_ls("matchLabels: {app: web, tier: fe}", Ok("app=web,tier=fe"));
        check_ls(
            "matchLabels: {tier: fe}\nmatchExpressions:\n- {key: env, operator: In, values: [prod, dev]}\n- {key: canary, operator: DoesNotExist}\n- {key: app, operator: Exists}\n- {key: zone, operator: NotIn, values: [b]}",
            Ok("app,!canary,env in (dev,prod),tier=fe,zone notin (b)"),
        );
        check_ls(
            "matchExpressions:\n- {key: env, operator: Foo, values: [x]}",
            Err("\"Foo\" is not a valid pod selector operator"),
        );
        check_ls(
            "matchExpressions:\n- {key: env, operator: in, values: [x]}",
            Err("\"in\" is not a valid pod selector operator"),
        );
        check_ls(
            "matchExpressions:\n- {key: env, operator: In}",
            Err("values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"),
        );
        check_ls(
            "matchExpressions:\n- {key: env, operator: In, values: []}",
            Err("values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"),
        );
        check_ls(
            "matchExpressions:\n- {key: env, operator: Exists, values: [a, b]}",
            Err("values: Invalid value: []string{\"a\", \"b\"}: values set must be empty for exists and does not exist"),
        );
        check_ls(
            "matchLabels: {\"a b\": x}",
            Err(&format!("key: Invalid value: \"a b\": name part {NAME_REGEX_MSG}")),
        );
        check_ls(
            "matchLabels: {app: \"-x\"}",
            Err(&format!("values[0][app]: Invalid value: \"-x\": {VALUE_REGEX_MSG}")),
        );
        check_ls(
            "matchExpressions:\n- {key: \"a b\", operator: In}",
            Err(&format!(
                "[key: Invalid value: \"a b\": name part {NAME_REGEX_MSG}, values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty]"
            )),
        );
    }

    #[test]
    fn label_selector_matching() {
        let sel = from_label_selector(&label_selector(
            "matchLabels: {app: web}\nmatchExpressions:\n- {key: track, operator: NotIn, values: [canary]}",
        ))
        .unwrap();
        assert!(sel.matches(Some(&labels(&[("app", "web")]))));
        assert!(sel.matches(Some(&labels(&[("app", "web"), ("track", "stable")]))));
        assert!(!sel.matches(Some(&labels(&[("app", "web"), ("track", "canary")]))));
        assert!(!sel.matches(None));
        let all = from_label_selector(&label_selector("{}")).unwrap();
        assert!(all.is_empty());
        assert!(all.matches(None));
        assert!(all.matches(Some(&labels(&[("x", "y")]))));
    }

    #[test]
    fn selector_from_map() {
        let m = labels(&[("tier", "fe"), ("app", "web")]);
        let s = from_map(&m);
        assert_eq!(s.to_string(), "app=web,tier=fe");
        assert!(s.matches(Some(&labels(&[("app", "web"), ("tier", "fe"), ("x", "y")]))));
        assert!(!s.matches(Some(&labels(&[("app", "web")]))));
        let empty = from_map(&BTreeMap::new());
        assert!(empty.is_empty());
        assert!(empty.matches(None));
        // Not validated, exactly like SelectorFromSet.
        assert_eq!(from_map(&labels(&[("a b", "c")])).to_string(), "a b=c");
        assert_eq!(
            from_map_validated(&labels(&[("a b", "c")])).unwrap_err().to_string(),
            format!("key: Invalid value: \"a b\": name part {NAME_REGEX_MSG}")
        );
        assert_eq!(from_map_validated(&m).unwrap(), s);
    }

    #[test]
    fn requirement_constructor() {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        type Case<'a> = (&'a str, Operator, Vec<String>, Result<&'a str, &'a str>);
        let cases: &[Case] = &[
            ("a", Operator::Equals, v(&["b"]), Ok("a=b")),
            ("a", Operator::Equals, v(&["b", "c"]), Err("values: Invalid value: []string{\"b\", \"c\"}: exact-match compatibility requires one single value")),
            ("a", Operator::NotEquals, v(&[]), Err("values: Invalid value: []string(nil): exact-match compatibility requires one single value")),
            ("a", Operator::GreaterThan, v(&["1", "2"]), Err("values: Invalid value: []string{\"1\", \"2\"}: for 'Gt', 'Lt' operators, exactly one value is required")),
            ("a", Operator::LessThan, v(&["7"]), Ok("a<7")),
            ("a", Operator::In, v(&["z", "y"]), Ok("a in (y,z)")),
            ("a", Operator::DoesNotExist, v(&[]), Ok("!a")),
            ("", Operator::Exists, v(&[]), Err("key: Invalid value: \"\": name part must be non-empty; name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")),
        ];
        for (key, op, values, want) in cases {
            let got = Requirement::new(key, *op, values).map(|r| r.to_string()).map_err(|e| e.to_string());
            let want = want.map(str::to_string).map_err(str::to_string);
            assert_eq!(got, want, "{key} {op:?} {values:?}");
        }
    }

    #[test]
    fn label_key_and_value_validation() {
        let keys: &[(&str, bool)] = &[
            ("app", true),
            ("App.Kubernetes_io-1", true),
            ("app.kubernetes.io/name", true),
            ("kubernetes.io/a", true),
            ("a", true),
            ("1", true),
            ("", false),
            ("-a", false),
            ("a-", false),
            ("a b", false),
            ("a/b/c", false),
            ("/a", false),
            ("UPPER.com/a", false),
            ("ex_ample.com/a", false),
            (&"x".repeat(63), true),
            (&"x".repeat(64), false),
        ];
        for (k, ok) in keys {
            assert_eq!(validate_label_key(k).is_ok(), *ok, "key {k:?}");
        }
        let long_prefix = format!("{}/a", "p".repeat(254));
        assert_eq!(
            label_key_errors(&long_prefix),
            vec!["prefix part must be no more than 253 bytes".to_string()]
        );
        let values: &[(&str, bool)] = &[
            ("", true),
            ("web", true),
            ("1.2.3", true),
            ("my_value", true),
            ("-x", false),
            ("x-", false),
            ("a b", false),
            ("a/b", false),
            (&"v".repeat(63), true),
            (&"v".repeat(64), false),
        ];
        for (v, ok) in values {
            assert_eq!(validate_label_value(v).is_ok(), *ok, "value {v:?}");
        }
        assert_eq!(validate_label_value("-x"), Err(VALUE_REGEX_MSG.to_string()));
        assert_eq!(
            validate_label_value(&format!("-{}", "v".repeat(63))),
            Err(format!("must be no more than 63 bytes; {VALUE_REGEX_MSG}"))
        );
    }

    #[test]
    fn odd_input_never_panics() {
        for s in ["\0", "a\0b", "é=ü", "a in (é)", "((((", "))", "!!!", "a<<b", "a>>1", "=", "a in (,,,)", "a\u{0}=b"] {
            let _ = parse(s).map(|sel| sel.to_string());
        }
        check("a in (,,,)", Ok("a in ()"));
        check("a!!", Err("unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"));
    }

    #[test]
    fn go_quoting() {
        assert_eq!(go_quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(go_quote("é"), "\"é\"");
        assert_eq!(go_quote("\u{1}"), "\"\\x01\"");
    }
}
