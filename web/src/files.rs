//! The console's files in the browser. Reading: the editor's text is `manifest.yaml`. Writing
//! (`pcap FILE`): the bytes become a download the page offers once the command has run.

use std::cell::RefCell;

use fishbowl_core::kubectl::Files;

/// A file the console wrote, waiting to be offered as a download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// Tells two downloads of the same bytes apart, so that each one is offered.
    pub serial: u64,
    /// The name the browser saves it under (the path's last component).
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The files one console command sees.
pub struct EditorFiles<'a> {
    manifest: &'a str,
    written: RefCell<Option<(String, Vec<u8>)>>,
}

impl<'a> EditorFiles<'a> {
    pub fn new(manifest: &'a str) -> Self {
        EditorFiles { manifest, written: RefCell::new(None) }
    }

    /// The file the command wrote, if any: `(name, bytes)`.
    pub fn into_written(self) -> Option<(String, Vec<u8>)> {
        self.written.into_inner()
    }
}

impl Files for EditorFiles<'_> {
    fn read(&self, path: &str) -> Result<String, String> {
        match path {
            "manifest.yaml" | "./manifest.yaml" => Ok(self.manifest.to_string()),
            _ => Err(format!("the path \"{path}\" does not exist (the editor's text is manifest.yaml)")),
        }
    }

    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), String> {
        let name = download_name(path).ok_or_else(|| format!("\"{path}\" is not a file name"))?;
        *self.written.borrow_mut() = Some((name, bytes.to_vec()));
        Ok(())
    }
}

/// The last component of `path`, which the browser saves the download under.
fn download_name(path: &str) -> Option<String> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or("").trim();
    (!name.is_empty() && name != "." && name != "..").then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn a_written_file_is_kept_under_its_last_name() {
        let files = EditorFiles::new("kind: Pod");
        assert_eq!(files.read("manifest.yaml").as_deref(), Ok("kind: Pod"));
        assert!(files.write("captures/", b"x").is_err());
        files.write("/tmp/captures/trace.pcap", &[0xd4, 0xc3]).unwrap();
        assert_eq!(files.into_written(), Some(("trace.pcap".to_string(), vec![0xd4, 0xc3])));
    }
}
