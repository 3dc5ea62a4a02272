//! Reports the size of what the browser downloads: the wasm and JS in dist, raw and gzipped.

use std::io::Write;
use std::path::Path;

use flate2::write::GzEncoder;
use flate2::Compression;

pub fn report(dist: &Path) -> Result<(), String> {
    let mut files: Vec<_> = std::fs::read_dir(dist)
        .map_err(|e| e.to_string())?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("wasm" | "js")))
        .collect();
    files.sort();
    let (mut raw_total, mut gz_total) = (0usize, 0usize);
    println!("shipped size (wasm + JS):");
    for path in files {
        let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
        let mut enc = GzEncoder::new(Vec::new(), Compression::best());
        enc.write_all(&bytes).map_err(|e| e.to_string())?;
        let gz = enc.finish().map_err(|e| e.to_string())?.len();
        println!(
            "  {:<24} {:>9} bytes  {:>8} bytes gzipped",
            path.file_name().unwrap_or_default().to_string_lossy(),
            bytes.len(),
            gz
        );
        raw_total += bytes.len();
        gz_total += gz;
    }
    println!("  {:<24} {:>9} bytes  {:>8} bytes gzipped ({:.1} KiB)", "total", raw_total, gz_total, gz_total as f64 / 1024.0);
    Ok(())
}
