//! The text sink of `kubectl describe`: lines indented two spaces per level, tab-separated
//! cells aligned per flushed segment with Go tabwriter settings (min width 0, padding 2).

use crate::kubectl::printers::table::tabwrite;

const PADDING: usize = 2;

/// Collects describe output; [`DescWriter::flush`] ends a tabwriter segment (kubectl flushes
/// before the Events table, so that table aligns on its own).
#[derive(Debug, Default)]
pub struct DescWriter {
    done: String,
    current: String,
}

impl DescWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes `text` at `level` (two spaces per level), without adding a newline.
    pub fn write(&mut self, level: usize, text: &str) {
        for _ in 0..level {
            self.current.push_str("  ");
        }
        self.current.push_str(text);
    }

    /// Writes `text` at `level` followed by a newline.
    pub fn line(&mut self, level: usize, text: &str) {
        self.write(level, text);
        self.current.push('\n');
    }

    pub fn flush(&mut self) {
        let segment = std::mem::take(&mut self.current);
        self.done.push_str(&tabwrite(&segment, 0, PADDING));
    }

    pub fn finish(mut self) -> String {
        self.flush();
        self.done
    }

    /// The text with the unflushed cells left tab-separated, as kubectl's plain prefix writer
    /// prints them (`rollout history --revision`).
    pub fn finish_untabbed(mut self) -> String {
        self.done.push_str(&self.current);
        self.done
    }
}
