//! The virtual filesystem of one stage: every path with its kind, size, owner, mode and
//! the layer that last wrote it. Paths are absolute, normalised, `/`-separated.
//!
//! Sizes are bytes. A directory's own size is 0; the bytes of what is in it are counted
//! from its entries. A *summary* entry (a file that stands for a whole tree, such as
//! `node_modules` from a recipe) has `kind: Tree` and carries the tree's total size.

use std::collections::BTreeMap;

use serde::Serialize;

/// What a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    File,
    Dir,
    Symlink,
    /// A directory whose contents are not listed one by one: its size is the whole tree.
    Tree,
}

/// Where the bytes at a path came from, for the image view and the step-through.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// The base image of the stage (or of the stage it starts from).
    Base { image: String },
    /// The build context (`COPY`/`ADD` without `--from`, or a heredoc).
    Context,
    /// `COPY --from=<stage>`.
    Stage { stage: usize },
    /// `COPY --from=<image>`.
    Image { image: String },
    /// A RUN instruction's modelled effect.
    Run,
    /// ADD from a URL or git repository.
    Remote { url: String },
}

/// One entry of the filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    pub kind: Kind,
    pub size: u64,
    /// `uid:gid` or `user:group` as written.
    pub owner: String,
    pub mode: u32,
    /// The layer (index into the stage's layers) that last wrote this path; `None` for
    /// what the base image brought.
    pub layer: Option<usize>,
    pub origin: Origin,
    /// A short description from the catalog or the recipe ("Node.js binary").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what: Option<String>,
    /// For symlinks, the target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

impl Node {
    pub fn new(kind: Kind, size: u64, origin: Origin) -> Self {
        Node {
            kind,
            size,
            owner: "0:0".to_string(),
            mode: if kind == Kind::File { 0o644 } else { 0o755 },
            layer: None,
            origin,
            what: None,
            target: None,
        }
    }

    pub fn is_dir_like(&self) -> bool {
        matches!(self.kind, Kind::Dir | Kind::Tree)
    }
}

/// Normalises a path against a working directory: `..` and `.` resolved, no trailing
/// slash, always absolute. `..` above the root stays at the root, as in Docker.
pub fn normalize(path: &str, workdir: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{}/{}", workdir.trim_end_matches('/'), path)
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The parent directory of a normalised path (`/` for top-level entries and the root).
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// Whether `path` is `dir` or lies under it.
pub fn is_within(path: &str, dir: &str) -> bool {
    dir == "/"
        || path == dir
        || (path.starts_with(dir) && path.as_bytes().get(dir.len()) == Some(&b'/'))
}

/// What one instruction did: each touched path with what it held before.
pub type Journal = BTreeMap<String, Option<Node>>;

/// A whole filesystem.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Fs {
    nodes: BTreeMap<String, Node>,
    /// While an instruction runs, the first previous value of every path it touches,
    /// so its diff and layer size come from what it did, not from comparing trees.
    #[serde(skip)]
    journal: Option<Journal>,
}

impl Fs {
    pub fn new() -> Self {
        Fs::default()
    }

    /// Starts recording what changes.
    pub fn begin_journal(&mut self) {
        self.journal = Some(Journal::new());
    }

    /// Stops recording and returns the touched paths with their previous values.
    pub fn take_journal(&mut self) -> Journal {
        self.journal.take().unwrap_or_default()
    }

    fn note(&mut self, path: &str) {
        if let Some(journal) = &mut self.journal {
            if !journal.contains_key(path) {
                journal.insert(path.to_string(), self.nodes.get(path).cloned());
            }
        }
    }

    fn put(&mut self, path: String, node: Node) {
        self.note(&path);
        self.nodes.insert(path, node);
    }

    fn take(&mut self, path: &str) -> Option<Node> {
        self.note(path);
        self.nodes.remove(path)
    }

    pub fn get(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path)
    }

    pub fn contains(&self, path: &str) -> bool {
        self.nodes.contains_key(path) || self.covering_tree(path).is_some()
    }

    /// A `Tree` entry that stands for `path` (it is the tree or lies inside it).
    pub fn covering_tree(&self, path: &str) -> Option<(&str, &Node)> {
        let mut current = path;
        loop {
            if let Some((key, node)) = self.nodes.get_key_value(current) {
                if node.kind == Kind::Tree {
                    return Some((key.as_str(), node));
                }
            }
            if current == "/" {
                return None;
            }
            current = parent(current);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Node)> {
        self.nodes.iter()
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Entries at or under `dir`, in path order.
    pub fn under<'a>(&'a self, dir: &'a str) -> impl Iterator<Item = (&'a String, &'a Node)> + 'a {
        let start = dir.to_string();
        self.nodes
            .range(start..)
            .take_while(move |(p, _)| is_within(p, dir))
    }

    /// Total bytes at or under `dir`.
    pub fn size_under(&self, dir: &str) -> u64 {
        self.under(dir).map(|(_, n)| n.size).sum()
    }

    /// Total bytes of the whole filesystem.
    pub fn total_size(&self) -> u64 {
        self.nodes.values().map(|n| n.size).sum()
    }

    /// Creates the missing parent directories of `path`, owned like `owner`.
    pub fn ensure_parents(
        &mut self,
        path: &str,
        owner: &str,
        layer: Option<usize>,
        origin: &Origin,
    ) {
        let mut dirs = Vec::new();
        let mut current = parent(path);
        while current != "/" && !self.nodes.contains_key(current) {
            dirs.push(current.to_string());
            current = parent(current);
        }
        for dir in dirs.into_iter().rev() {
            let mut node = Node::new(Kind::Dir, 0, origin.clone());
            node.owner = owner.to_string();
            node.layer = layer;
            self.put(dir, node);
        }
    }

    /// Writes `node` at `path` (normalised), creating parents; replaces what was there,
    /// including anything under it when the new node is not a directory.
    pub fn insert(&mut self, path: &str, node: Node) {
        if path == "/" {
            return;
        }
        if !node.is_dir_like() || node.kind == Kind::Tree {
            let below: Vec<String> = self
                .under(path)
                .filter(|(p, _)| p.as_str() != path)
                .map(|(p, _)| p.clone())
                .collect();
            for p in below {
                self.take(&p);
            }
        }
        self.ensure_parents(path, &node.owner.clone(), node.layer, &node.origin.clone());
        self.put(path.to_string(), node);
    }

    /// Sets `path` to `node` without touching what lies under it: a summary tree merged
    /// into an existing directory (COPY of a whole `dist/` into `html/`) keeps the
    /// directory's own files beside the tree's bytes.
    pub fn set_keeping_children(&mut self, path: &str, node: Node) {
        if path == "/" {
            return;
        }
        self.ensure_parents(path, &node.owner.clone(), node.layer, &node.origin.clone());
        self.put(path.to_string(), node);
    }

    /// Removes `path` and everything under it; returns the removed entries.
    pub fn remove(&mut self, path: &str) -> Vec<(String, Node)> {
        let doomed: Vec<String> = self.under(path).map(|(p, _)| p.clone()).collect();
        doomed
            .into_iter()
            .filter_map(|p| self.take(&p).map(|n| (p, n)))
            .collect()
    }

    /// Mutable access to the entries at or under `path` (for chown/chmod).
    pub fn update_under(&mut self, path: &str, mut f: impl FnMut(&str, &mut Node)) {
        let keys: Vec<String> = self.under(path).map(|(p, _)| p.clone()).collect();
        for key in keys {
            self.note(&key);
            if let Some(node) = self.nodes.get_mut(&key) {
                f(&key, node);
            }
        }
    }

    /// All paths, for "did you mean" suggestions.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.nodes.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalise_against_the_workdir() {
        assert_eq!(normalize("src/../bin/./app", "/app"), "/app/bin/app");
        assert_eq!(normalize("/../../etc", "/x"), "/etc");
        assert_eq!(normalize(".", "/"), "/");
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(parent("/a"), "/");
        assert!(is_within("/app/x", "/app") && !is_within("/application", "/app"));
    }

    #[test]
    fn insert_remove_and_sizes() {
        let mut fs = Fs::new();
        fs.insert(
            "/app/node_modules",
            Node::new(Kind::Tree, 1000, Origin::Run),
        );
        fs.insert("/app/server.js", Node::new(Kind::File, 10, Origin::Context));
        assert_eq!(fs.get("/app").map(|n| n.kind), Some(Kind::Dir));
        assert_eq!(fs.size_under("/app"), 1010);
        assert!(fs.contains("/app/node_modules/express/index.js"));
        fs.begin_journal();
        let removed = fs.remove("/app/node_modules");
        let journal = fs.take_journal();
        assert_eq!(
            journal
                .get("/app/node_modules")
                .and_then(|n| n.as_ref())
                .map(|n| n.size),
            Some(1000)
        );
        assert_eq!(removed.len(), 1);
        assert_eq!(fs.total_size(), 10);
    }
}
