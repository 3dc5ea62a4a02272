//! An HTTP/1.1 response as a server sends it, and the date format servers write.
//!
//! `Response::bytes` is the status line, the header lines in the server's order, each ending in
//! CRLF, an empty line and the body. The answer to a `HEAD` request carries the headers of the
//! `GET` answer (its Content-Length too) and no body. Dates are IMF-fixdate (RFC 9110 §5.6.7):
//! `Mon, 01 Jan 2024 00:00:05 GMT`, from the simulated clock.

use crate::time::{civil_from_days, unix_secs, SimTime};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// The reason phrase the server writes (`OK`, `Not Found`).
    pub reason: String,
    /// Header lines in the order they are sent.
    pub headers: Vec<(String, String)>,
    /// The body (empty for a `HEAD` request).
    pub body: String,
}

impl Response {
    /// A header's value (names compare without case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// `HTTP/1.1 200 OK`.
    pub fn status_line(&self) -> String {
        format!("HTTP/1.1 {} {}", self.status, self.reason)
    }

    /// The status line and header lines, each without its CRLF.
    pub fn head_lines(&self) -> Vec<String> {
        let mut lines = vec![self.status_line()];
        lines.extend(self.headers.iter().map(|(n, v)| format!("{n}: {v}")));
        lines
    }

    /// The header block as sent: lines ending in CRLF and the empty line that ends them.
    pub fn head_bytes(&self) -> String {
        let mut text: String = self.head_lines().iter().map(|l| format!("{l}\r\n")).collect();
        text.push_str("\r\n");
        text
    }

    /// The whole response as sent.
    pub fn bytes(&self) -> String {
        format!("{}{}", self.head_bytes(), self.body)
    }
}

/// The reason phrase both nginx and Go's net/http write for a status.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A Unix time as IMF-fixdate: `Tue, 26 Nov 2024 15:55:00 GMT`.
pub fn imf_fixdate_unix(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let weekday = WEEKDAYS[days.rem_euclid(7) as usize];
    let month = MONTHS[(m as usize).saturating_sub(1).min(11)];
    format!("{weekday}, {d:02} {month} {y:04} {:02}:{:02}:{:02} GMT", rem / 3600, (rem % 3600) / 60, rem % 60)
}

/// The simulated instant as IMF-fixdate (whole seconds).
pub fn imf_fixdate(t: SimTime) -> String {
    imf_fixdate_unix(unix_secs(t))
}
