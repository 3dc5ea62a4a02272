//! Column alignment as Go's `text/tabwriter` does it, and the table model of `kubectl get`.
//!
//! - [`tabwrite`]: cells are tab-terminated; the text after a line's last tab is not padded.
//!   Consecutive lines that have a cell in column `k` form a column block, padded to the widest
//!   cell of the block plus `padding` (at least `min_width`).
//! - [`Table`]: header + rows of one kind, rendered with kubectl's settings (min width 6,
//!   padding 3).

/// kubectl's table writer settings (`printers.GetNewTabWriter`).
pub const GET_MIN_WIDTH: usize = 6;
pub const GET_PADDING: usize = 3;

/// Aligns tab-separated text the way Go's `tabwriter.NewWriter(w, min_width, 8, padding, ' ', 0)`
/// does for one flushed buffer.
pub fn tabwrite(text: &str, min_width: usize, padding: usize) -> String {
    let mut lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    // A trailing newline leaves an empty last line that Go never emits.
    let ends_with_newline = text.ends_with('\n');
    if ends_with_newline {
        lines.pop();
    }
    let mut widths: Vec<usize> = Vec::new();
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    format_block(&lines, 0, lines.len(), &mut widths, min_width, padding, &mut out);
    if !ends_with_newline && out.ends_with('\n') {
        out.pop();
    }
    out
}

fn cell_width(s: &str) -> usize {
    s.chars().count()
}

fn format_block(
    lines: &[Vec<&str>],
    mut line0: usize,
    line1: usize,
    widths: &mut Vec<usize>,
    min_width: usize,
    padding: usize,
    out: &mut String,
) {
    let column = widths.len();
    let mut this = line0;
    while this < line1 {
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        write_lines(lines, line0, this, widths, out);
        line0 = this;
        let mut width = min_width;
        while this < line1 && column + 1 < lines[this].len() {
            width = width.max(cell_width(lines[this][column]) + padding);
            this += 1;
        }
        widths.push(width);
        format_block(lines, line0, this, widths, min_width, padding, out);
        widths.pop();
        line0 = this;
    }
    write_lines(lines, line0, line1, widths, out);
}

fn write_lines(lines: &[Vec<&str>], from: usize, to: usize, widths: &[usize], out: &mut String) {
    for line in &lines[from..to] {
        for (j, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if j < widths.len() && j + 1 < line.len() {
                let pad = widths[j].saturating_sub(cell_width(cell));
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
}

/// A column of a kind's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The column name as kubectl defines it (`Nominated Node`); printed upper-cased.
    pub name: &'static str,
    /// Shown only with `-o wide` (priority 1 in kubectl's column definitions).
    pub wide: bool,
}

pub const fn col(name: &'static str) -> Column {
    Column { name, wide: false }
}

pub const fn wide(name: &'static str) -> Column {
    Column { name, wide: true }
}

/// Header + rows, before alignment. Every row has one cell per header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The aligned text, one line per row, with the header line unless `no_headers`.
    pub fn render(&self, no_headers: bool) -> String {
        let mut text = String::new();
        let mut push = |cells: &[String]| {
            text.push_str(&cells.join("\t"));
            text.push('\n');
        };
        if !no_headers {
            push(&self.headers);
        }
        for row in &self.rows {
            push(row);
        }
        tabwrite(&text, GET_MIN_WIDTH, GET_PADDING)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_to_widest_cell_plus_padding_and_leaves_last_cell_bare() {
        let got = tabwrite("NAME\tREADY\tAGE\nweb-1\t1/1\t5m\nx\t0/1\t10d\n", 6, 3);
        assert_eq!(got, "NAME    READY   AGE\nweb-1   1/1     5m\nx       0/1     10d\n");
    }

    #[test]
    fn min_width_applies_to_narrow_columns() {
        assert_eq!(tabwrite("a\tb\nc\td\n", 6, 3), "a     b\nc     d\n");
    }

    #[test]
    fn lines_without_tabs_split_column_blocks() {
        let got = tabwrite("Name:\tx\nLonger label:\ty\nSection:\n  IP:\tz\n", 0, 2);
        assert_eq!(got, "Name:          x\nLonger label:  y\nSection:\n  IP:  z\n");
    }

    #[test]
    fn empty_leading_cells_keep_the_block() {
        let got = tabwrite("Labels:\ta=b\n\tc=d\nAnnotations:\t<none>\n", 0, 2);
        assert_eq!(got, "Labels:       a=b\n              c=d\nAnnotations:  <none>\n");
    }

    #[test]
    fn wide_characters_count_as_one_rune() {
        assert_eq!(tabwrite("é\tx\nab\ty\n", 0, 1), "é  x\nab y\n");
    }
}
