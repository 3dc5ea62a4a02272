//! Manifest text → JSON documents, as `kubectl apply -f` reads a file.
//!
//! Accepts multi-document YAML (`---` separators, `...` document ends, flow style), JSON
//! (sniffed from a leading `{` or `[` the way kubectl's YAMLOrJSON decoder does) and `kind: List`
//! wrappers, whose items are unwrapped. Each document is returned on its own so that one bad
//! document does not hide the results of the others.

use serde_json::Value;

use super::diag::Diagnostic;

/// One object read from the manifest text.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestDoc {
    /// 0-based position among the objects in the text (List items count individually).
    pub index: usize,
    /// 1-based line where the document starts.
    pub line: usize,
    pub value: Value,
}

/// Reads every document of `text`. Empty documents (comments only, bare `---`) are skipped, as
/// kubectl skips them. A syntax error ends the stream at that point, as it does for kubectl.
pub fn parse_manifests(text: &str) -> Vec<Result<ManifestDoc, Diagnostic>> {
    let trimmed = text.trim_start();
    // kubectl sniffs JSON from a leading `{`. A flow-style YAML mapping also starts with `{`, so
    // only a quoted first key (`{"`) or a leading `[` commits to JSON.
    let after_brace = trimmed.strip_prefix('{').map(str::trim_start);
    if trimmed.starts_with('[') || after_brace.is_some_and(|r| r.starts_with('"') || r.starts_with('}')) {
        return parse_json(text);
    }
    parse_yaml(text)
}

fn parse_json(text: &str) -> Vec<Result<ManifestDoc, Diagnostic>> {
    let mut out = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let mut index = 0;
    loop {
        let start = stream.byte_offset();
        match stream.next() {
            None => break,
            Some(Ok(value)) => {
                let line = line_of_offset(text, start + leading_ws(&text[start..]));
                push_value(&mut out, &mut index, line, value);
            }
            Some(Err(e)) => {
                out.push(Err(Diagnostic::new(format!(
                    "error parsing JSON: {}",
                    strip_json_position(&e.to_string())
                ))
                .at(e.line(), e.column())));
                break;
            }
        }
    }
    out
}

fn parse_yaml(text: &str) -> Vec<Result<ManifestDoc, Diagnostic>> {
    let mut out = Vec::new();
    let mut index = 0;
    for chunk in yaml_documents(text) {
        let Some(first_content) = chunk.first_content_line else { continue };
        match serde_norway::from_str::<Value>(&chunk.text) {
            Ok(Value::Null) => {}
            Ok(value) => push_value(&mut out, &mut index, first_content, value),
            Err(e) => {
                let skipped = usize::from(chunk.starts_with_marker);
                let place = go_yaml_line(&e, skipped).map(|l| format!("line {l}: ")).unwrap_or_default();
                let mut d = Diagnostic::new(format!(
                    "error converting YAML to JSON: yaml: {place}{}",
                    yaml_message(&e)
                ));
                if let Some(loc) = e.location() {
                    d = d.at(chunk.first_line + loc.line() - 1, loc.column());
                }
                out.push(Err(d));
                // Like kubectl, stop reading the stream at a syntax error.
                break;
            }
        }
    }
    out
}

/// One YAML document's text, cut out of the stream.
struct YamlChunk {
    text: String,
    /// 1-based line of the stream where `text` begins.
    first_line: usize,
    /// 1-based line of the first line that is neither blank nor a comment.
    first_content_line: Option<usize>,
    /// Whether `text` begins with the `---` line (kubectl's reader drops that line).
    starts_with_marker: bool,
}

/// Splits a YAML stream at its document markers. A `---` or `...` at the start of a line can
/// never be scalar content (YAML 1.2 "c-forbidden"), so splitting on them is exact.
fn yaml_documents(text: &str) -> Vec<YamlChunk> {
    fn is_marker(line: &str, marker: &str) -> bool {
        line.strip_prefix(marker)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r']))
    }
    let mut chunks = Vec::new();
    let mut current = YamlChunk { text: String::new(), first_line: 1, first_content_line: None, starts_with_marker: false };
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let line_no = i + 1;
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let start_doc = is_marker(line, "---");
        let end_doc = is_marker(line, "...");
        if start_doc || end_doc {
            let next = YamlChunk { text: String::new(), first_line: line_no, first_content_line: None, starts_with_marker: start_doc };
            chunks.push(std::mem::replace(&mut current, next));
            if end_doc {
                current.first_line = line_no + 1;
                current.starts_with_marker = false;
                continue;
            }
            // Content after `--- ` on the marker line belongs to the new document; keep its column.
            let rest = &line[3..];
            current.text.push_str("   ");
            current.text.push_str(rest);
            current.text.push('\n');
            let content = rest.trim();
            if !content.is_empty() && !content.starts_with('#') {
                current.first_content_line = Some(line_no);
            }
            continue;
        }
        let content = line.trim();
        if current.first_content_line.is_none() && !content.is_empty() && !content.starts_with('#') {
            current.first_content_line = Some(line_no);
        }
        current.text.push_str(raw);
    }
    chunks.push(current);
    chunks
}

/// Unwraps `kind: List` (and `*List` kinds) into their items.
fn push_value(
    out: &mut Vec<Result<ManifestDoc, Diagnostic>>,
    index: &mut usize,
    line: usize,
    value: Value,
) {
    let is_list = value
        .get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k == "List" || (k.ends_with("List") && value.get("items").is_some()));
    if is_list {
        match value.get("items") {
            Some(Value::Array(items)) => {
                for item in items {
                    out.push(Ok(ManifestDoc { index: *index, line, value: item.clone() }));
                    *index += 1;
                }
            }
            Some(Value::Null) | None => {}
            Some(_) => {
                out.push(Err(Diagnostic::new(
                    "items: Invalid value: a List's items must be an array of objects",
                )
                .at(line, 1)));
                *index += 1;
            }
        }
        return;
    }
    out.push(Ok(ManifestDoc { index: *index, line, value }));
    *index += 1;
}

fn yaml_message(e: &serde_norway::Error) -> String {
    // serde_norway appends " at line L column C"; the position is reported separately.
    let s = e.to_string();
    match s.find(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Problems libyaml's scanner reports (the rest come from its parser).
const SCANNER_PROBLEMS: &[&str] = &[
    "block sequence entries are not allowed in this context",
    "could not find expected ':'",
    "did not find expected comment or line break",
    "did not find expected whitespace or line break",
    "found a tab character that violates indentation",
    "found a tab character where an indentation space is expected",
    "found character that cannot start any token",
    "found unexpected end of stream",
    "found unexpected ':'",
    "found unexpected document indicator",
    "mapping keys are not allowed in this context",
    "mapping values are not allowed in this context",
];

/// The line go-yaml (and so kubectl) names in a syntax error, counted within the document:
/// the problem's 0-based line, plus one for scanner errors, else the context's 0-based line
/// (go-yaml's `parser.fail`). `None` when both are on the first line: go-yaml then omits it.
/// `skipped`: lines of `e`'s text before the document kubectl would see (its `---` line).
fn go_yaml_line(e: &serde_norway::Error, skipped: usize) -> Option<usize> {
    let problem = yaml_message(e);
    let problem_line = (e.location()?.line() - 1).saturating_sub(skipped);
    if problem_line != 0 {
        return Some(problem_line + usize::from(SCANNER_PROBLEMS.contains(&problem.as_str())));
    }
    // The context's mark only appears in the text: "…, while parsing X at line L column C".
    let text = e.to_string();
    let context = text.rsplit_once(" at line ")?.1;
    let line: usize = context.split_whitespace().next()?.parse().ok()?;
    let line = (line - 1).saturating_sub(skipped);
    (line > 0).then_some(line)
}

fn strip_json_position(s: &str) -> String {
    match s.find(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s.to_string(),
    }
}

fn leading_ws(s: &str) -> usize {
    s.len() - s.trim_start().len()
}

fn line_of_offset(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|&b| b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<String> {
        parse_manifests(text)
            .into_iter()
            .map(|r| match r {
                Ok(d) => format!("{}@{}", d.value["kind"].as_str().unwrap_or("?"), d.line),
                Err(e) => format!("error@{:?}:{:?}", e.line, e.column),
            })
            .collect()
    }

    #[test]
    fn syntax_errors_name_the_line_go_yaml_names() {
        // Scanner errors: the problem's line. Parser errors: go-yaml's 0-based problem line,
        // one less than where the problem is. Lines count from the document's start.
        for (text, message, at) in [
            ("a: 1\nb: 2\nc: d: e\n", "yaml: line 3: mapping values are not allowed in this context", (3, 5)),
            ("a:\n  b: 1\n c: 2\n", "yaml: line 2: did not find expected key", (3, 2)),
            ("kind: A\n---\na:\n  b: 1\n c: 2\n", "yaml: line 2: did not find expected key", (5, 2)),
            ("a: [1, 2\n", "yaml: line 1: did not find expected ',' or ']'", (2, 1)),
            ("a: \"x\n", "yaml: line 2: found unexpected end of stream", (2, 1)),
            ("{a: 1", "yaml: line 1: did not find expected ',' or '}'", (2, 1)),
            ("a: b: c\n", "yaml: mapping values are not allowed in this context", (1, 5)),
        ] {
            let docs = parse_manifests(text);
            let err = docs.iter().find_map(|d| d.as_ref().err()).expect("an error");
            assert_eq!(err.message, format!("error converting YAML to JSON: {message}"), "{text:?}");
            assert_eq!((err.line, err.column), (Some(at.0), Some(at.1)), "{text:?}");
        }
    }

    #[test]
    fn multi_document_yaml_with_lines() {
        let text = "# leading comment\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\n# c\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n...\n";
        assert_eq!(kinds(text), vec!["Namespace@2", "ConfigMap@8"]);
    }

    #[test]
    fn flow_style_and_document_end() {
        let text = "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: nginx}]}}\n...\n";
        let docs = parse_manifests(text);
        assert_eq!(docs.len(), 1);
        let d = docs[0].as_ref().unwrap();
        assert_eq!(d.value["spec"]["containers"][0]["image"], "nginx");
    }

    #[test]
    fn json_input_and_lists() {
        let text = r#"{"apiVersion":"v1","kind":"List","items":[
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"s"}},
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}]}"#;
        assert_eq!(kinds(text), vec!["Service@1", "Pod@1"]);
    }

    #[test]
    fn yaml_syntax_error_has_line_and_column() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n   labels: x: y\n";
        let docs = parse_manifests(text);
        let err = docs.last().unwrap().as_ref().unwrap_err();
        assert_eq!(err.line, Some(5), "{err:?}");
        assert!(err.column.is_some());
        assert!(err.message.starts_with("error converting YAML to JSON: yaml: "), "{}", err.message);
    }

    #[test]
    fn json_syntax_error_has_line_and_column() {
        let text = "{\"apiVersion\": \"v1\",\n \"kind\": }";
        let err = parse_manifests(text).pop().unwrap().unwrap_err();
        assert_eq!(err.line, Some(2));
        assert_eq!(err.column, Some(10));
    }
}
