//! A small static file server for the built app (GET/HEAD, loopback only).

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};

/// Serves `dir` on an already bound listener until the process is stopped.
pub fn serve_forever(listener: TcpListener, dir: &Path) -> Result<(), String> {
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    println!("Fishbowl is being served at http://127.0.0.1:{port}/ (Ctrl-C to stop)");
    accept_loop(listener, dir.to_path_buf());
    Ok(())
}

/// Binds 127.0.0.1:`port` (0 picks a free port), with a one-line message when the port is taken.
pub fn bind(port: u16) -> Result<TcpListener, String> {
    TcpListener::bind(("127.0.0.1", port)).map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "port {port} on 127.0.0.1 is already in use; stop whatever holds it or choose another port: cargo xtask serve --port 8081"
        ),
        _ => format!("cannot listen on 127.0.0.1:{port}: {e}"),
    })
}

/// Starts serving `dir` on a background thread; returns the bound address.
pub fn serve_in_background(dir: PathBuf, port: u16) -> Result<SocketAddr, String> {
    let listener = bind(port)?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    std::thread::spawn(move || accept_loop(listener, dir));
    Ok(addr)
}

fn accept_loop(listener: TcpListener, dir: PathBuf) {
    for stream in listener.incoming().flatten() {
        let dir = dir.clone();
        std::thread::spawn(move || {
            let _ = handle(stream, &dir);
        });
    }
}

fn handle(mut stream: TcpStream, dir: &Path) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("/");
    if method != "GET" && method != "HEAD" {
        return respond(&mut stream, "405 Method Not Allowed", "text/plain", b"method not allowed\n", method);
    }
    match resolve(dir, target) {
        Some(path) => match std::fs::read(&path) {
            Ok(body) => respond(&mut stream, "200 OK", mime(&path), &body, method),
            Err(_) => respond(&mut stream, "404 Not Found", "text/plain", b"not found\n", method),
        },
        None => respond(&mut stream, "404 Not Found", "text/plain", b"not found\n", method),
    }
}

/// Maps a request target to a file under `dir`, refusing anything that climbs out of it.
fn resolve(dir: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let mut out = dir.to_path_buf();
    for c in Path::new(path.trim_start_matches('/')).components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if out.is_dir() {
        out.push("index.html");
    }
    out.is_file().then_some(out)
}

fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" => "application/json",
        "yaml" | "yml" | "md" | "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn respond(stream: &mut TcpStream, status: &str, content_type: &str, body: &[u8], method: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    if method != "HEAD" {
        stream.write_all(body)?;
    }
    stream.flush()
}
