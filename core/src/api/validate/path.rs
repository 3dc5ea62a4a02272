//! Field paths built as validation descends (`spec.containers[0].image`), like Go's
//! `field.Path`: each step borrows its parent, so nothing is allocated until an error is
//! created and the path is rendered.

use std::fmt;

/// A position in an object: the root, a named child, a list index or a map key.
#[derive(Debug, Clone, Copy)]
pub(super) enum Path<'a> {
    Root,
    /// `parent.name` (just `name` under the root). `name` may itself contain dots.
    Child(&'a Path<'a>, &'a str),
    /// `parent[i]`.
    Index(&'a Path<'a>, usize),
    /// `parent[key]`.
    Key(&'a Path<'a>, &'a str),
}

impl<'a> Path<'a> {
    /// A path starting at `name` (`Path::new("spec.template")`).
    pub(super) const fn new(name: &'a str) -> Path<'a> {
        Path::Child(&Path::Root, name)
    }

    pub(super) fn child(&'a self, name: &'a str) -> Path<'a> {
        Path::Child(self, name)
    }

    pub(super) fn index(&'a self, i: usize) -> Path<'a> {
        Path::Index(self, i)
    }

    pub(super) fn key(&'a self, key: &'a str) -> Path<'a> {
        Path::Key(self, key)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Child(Path::Root, name) => f.write_str(name),
            Path::Child(parent, name) => write!(f, "{parent}.{name}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
            Path::Key(parent, key) => write!(f, "{parent}[{key}]"),
        }
    }
}

impl From<&Path<'_>> for String {
    fn from(p: &Path<'_>) -> String {
        p.to_string()
    }
}

impl From<Path<'_>> for String {
    fn from(p: Path<'_>) -> String {
        p.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::Path;

    #[test]
    fn renders_like_field_path() {
        let spec = Path::new("spec.template");
        let c = spec.child("spec");
        let containers = c.child("containers");
        let first = containers.index(0);
        assert_eq!(first.child("image").to_string(), "spec.template.spec.containers[0].image");
        assert_eq!(Path::new("data").key("a.b").to_string(), "data[a.b]");
        assert_eq!(Path::Root.child("spec").to_string(), "spec");
    }
}
