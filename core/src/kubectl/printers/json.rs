//! `-o json` text as Go's `json.MarshalIndent(obj, "", "    ")` writes an unstructured object:
//! keys in byte order, four-space indentation, HTML-safe escapes (`<` → `\u003c`).

use serde_json::{Map, Number, Value};

/// The object as kubectl prints it with `-o json` (no trailing newline).
pub fn to_json(v: &Value) -> String {
    let mut out = String::new();
    write_value(v, 0, &mut out);
    out
}

fn indent(out: &mut String, level: usize) {
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', level * 4));
}

fn write_value(v: &Value, level: usize, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&go_json_number(n)),
        Value::String(s) => write_string(s, out),
        Value::Array(a) if a.is_empty() => out.push_str("[]"),
        Value::Array(a) => {
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(out, level + 1);
                write_value(item, level + 1, out);
            }
            indent(out, level);
            out.push(']');
        }
        Value::Object(m) if m.is_empty() => out.push_str("{}"),
        Value::Object(m) => write_object(m, level, out),
    }
}

fn write_object(m: &Map<String, Value>, level: usize, out: &mut String) {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    out.push('{');
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        indent(out, level + 1);
        write_string(k, out);
        out.push_str(": ");
        write_value(&m[k.as_str()], level + 1, out);
    }
    indent(out, level);
    out.push('}');
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Shortest decimal digits and the decimal exponent of `f` (`1.5e3` → ("15", 3)).
pub(crate) fn shortest_digits(f: f64) -> (String, i32) {
    let s = format!("{:e}", f.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    (digits, exp.parse().unwrap_or(0))
}

/// Fixed notation from shortest digits.
pub(crate) fn fixed(neg: bool, digits: &str, exp: i32) -> String {
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    let point = exp + 1;
    if point <= 0 {
        s.push_str("0.");
        s.extend(std::iter::repeat_n('0', (-point) as usize));
        s.push_str(digits);
    } else if point as usize >= digits.len() {
        s.push_str(digits);
        s.extend(std::iter::repeat_n('0', point as usize - digits.len()));
    } else {
        s.push_str(&digits[..point as usize]);
        s.push('.');
        s.push_str(&digits[point as usize..]);
    }
    s
}

/// Exponent notation the way Go writes it (`1.5e+06`, `1e-07`).
pub(crate) fn exponent(neg: bool, digits: &str, exp: i32) -> String {
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    s.push_str(&digits[..1]);
    if digits.len() > 1 {
        s.push('.');
        s.push_str(&digits[1..]);
    }
    let sign = if exp < 0 { '-' } else { '+' };
    s.push_str(&format!("e{sign}{:02}", exp.abs()));
    s
}

fn go_json_number(n: &Number) -> String {
    match n.as_f64() {
        Some(f) if n.is_f64() => {
            if !f.is_finite() {
                return "null".to_string();
            }
            if f == 0.0 {
                return "0".to_string();
            }
            let (digits, exp) = shortest_digits(f);
            if (-7..21).contains(&exp) {
                fixed(f < 0.0, &digits, exp)
            } else {
                exponent(f < 0.0, &digits, exp)
            }
        }
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn four_space_indent_sorted_keys_and_empty_containers() {
        let v = json!({"kind": "Pod", "apiVersion": "v1", "spec": {}, "items": [], "n": [1, 2]});
        let want = "{\n    \"apiVersion\": \"v1\",\n    \"items\": [],\n    \"kind\": \"Pod\",\n    \"n\": [\n        1,\n        2\n    ],\n    \"spec\": {}\n}";
        assert_eq!(to_json(&v), want);
    }

    #[test]
    fn html_characters_are_escaped_like_go() {
        assert_eq!(to_json(&json!("a<b>&\"\n")), "\"a\\u003cb\\u003e\\u0026\\\"\\n\"");
    }

    #[test]
    fn floats_use_go_notation() {
        assert_eq!(to_json(&json!(0.5)), "0.5");
        assert_eq!(to_json(&json!(1.0e21)), "1e+21");
        assert_eq!(to_json(&json!(1.5e-8)), "1.5e-08");
        assert_eq!(to_json(&json!(-2)), "-2");
    }
}
