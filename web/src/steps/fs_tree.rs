//! A stage's filesystem after a step as a tree of directories, each entry marked with what
//! the step did to it (added, changed, removed: removed paths stay in the tree so they can
//! be shown struck through), with directory totals and which directories hold a change.

use stagecraft_simulate::model::Diff;
use stagecraft_simulate::vfs::{self, Fs, Kind};
use stagecraft_syntax::order::{sort_by, sort_by_key};

/// What the step did to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Added,
    Changed,
    Removed,
}

impl Mark {
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Added => "added",
            Mark::Changed => "changed",
            Mark::Removed => "removed",
        }
    }

    pub fn sign(self) -> &'static str {
        match self {
            Mark::Added => "+",
            Mark::Changed => "~",
            Mark::Removed => "−",
        }
    }
}

/// One entry of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    /// The last path component (`/` for the root).
    pub name: String,
    pub kind: Kind,
    /// Bytes at and under the entry as the filesystem holds them after the step; for a
    /// removed entry, the bytes it had.
    pub bytes: u64,
    /// For a changed entry, its size before the step.
    pub previous_bytes: Option<u64>,
    pub mark: Option<Mark>,
    /// Marked entries under this one (not counting itself).
    pub marked_below: usize,
    /// Indexes of the children in [`FsTree::entries`], directories first, then by name.
    pub children: Vec<usize>,
    /// A symlink's target.
    pub target: Option<String>,
}

impl Entry {
    /// A directory with nothing under it yet and no mark.
    fn dir(path: &str, name: &str) -> Entry {
        Entry {
            path: path.to_owned(),
            name: name.to_owned(),
            kind: Kind::Dir,
            bytes: 0,
            previous_bytes: None,
            mark: None,
            marked_below: 0,
            children: Vec::new(),
            target: None,
        }
    }

    pub fn is_dir(&self) -> bool {
        matches!(self.kind, Kind::Dir) || !self.children.is_empty()
    }
}

/// The tree; entry 0 is the root `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsTree {
    pub entries: Vec<Entry>,
}

impl FsTree {
    /// Builds the tree of `fs` (the filesystem right after the step) with `diff` (the
    /// step's changes) marked.
    pub fn build(fs: &Fs, diff: &Diff) -> FsTree {
        let mut tree = FsTree {
            entries: vec![Entry::dir("/", "/")],
        };
        // Paths in order put every parent before its children (a parent is a prefix).
        let mut index: std::collections::BTreeMap<String, usize> =
            std::collections::BTreeMap::new();
        index.insert("/".to_owned(), 0);
        let present = fs.iter().map(|(path, node)| {
            (
                path.as_str(),
                node.kind,
                node.size,
                node.target.clone(),
                None,
            )
        });
        let removed = diff
            .removed
            .iter()
            .filter(|c| fs.get(&c.path).is_none())
            .map(|c| (c.path.as_str(), c.kind, c.bytes, None, Some(Mark::Removed)));
        let mut all: Vec<_> = present.chain(removed).collect();
        sort_by(&mut all, |a, b| a.0.cmp(b.0));
        for (path, kind, size, target, mark) in all {
            if path == "/" {
                continue;
            }
            let parent = tree.ensure_dir(&mut index, vfs::parent(path));
            let entry = Entry {
                path: path.to_owned(),
                name: path.rsplit('/').next().unwrap_or(path).to_owned(),
                kind,
                bytes: size,
                previous_bytes: None,
                mark,
                marked_below: 0,
                children: Vec::new(),
                target,
            };
            match index.get(path) {
                // A parent made up earlier for an entry listed before it: fill it in.
                Some(&at) => {
                    let children = std::mem::take(&mut tree.entries[at].children);
                    tree.entries[at] = Entry { children, ..entry };
                }
                None => {
                    tree.entries.push(entry);
                    let at = tree.entries.len() - 1;
                    index.insert(path.to_owned(), at);
                    tree.entries[parent].children.push(at);
                }
            }
        }
        for change in &diff.added {
            if let Some(&at) = index.get(&change.path) {
                tree.entries[at].mark = Some(Mark::Added);
            }
        }
        for change in &diff.changed {
            if let Some(&at) = index.get(&change.path) {
                tree.entries[at].mark = Some(Mark::Changed);
                tree.entries[at].previous_bytes = change.previous_bytes;
            }
        }
        tree.total(0);
        tree.sort(0);
        tree
    }

    /// The entry at `path`, made up as a plain directory if the filesystem lacks it.
    fn ensure_dir(
        &mut self,
        index: &mut std::collections::BTreeMap<String, usize>,
        path: &str,
    ) -> usize {
        if let Some(&at) = index.get(path) {
            return at;
        }
        let parent = self.ensure_dir(index, vfs::parent(path));
        self.entries
            .push(Entry::dir(path, path.rsplit('/').next().unwrap_or(path)));
        let at = self.entries.len() - 1;
        index.insert(path.to_owned(), at);
        self.entries[parent].children.push(at);
        at
    }

    /// Adds children's bytes and marks into each directory; returns (bytes, marks) of `at`.
    fn total(&mut self, at: usize) -> (u64, usize) {
        let children = self.entries[at].children.clone();
        let (mut bytes, mut marked) = (0u64, 0usize);
        let removed = self.entries[at].mark == Some(Mark::Removed);
        for child in children {
            let (b, m) = self.total(child);
            // What the step removed is no longer there: it counts as a change, not as
            // bytes, except in a removed directory (which shows what it held).
            if removed || self.entries[child].mark != Some(Mark::Removed) {
                bytes += b;
            }
            marked += m;
        }
        let entry = &mut self.entries[at];
        entry.bytes += bytes;
        entry.marked_below = marked;
        (entry.bytes, marked + usize::from(entry.mark.is_some()))
    }

    fn sort(&mut self, at: usize) {
        let mut children = std::mem::take(&mut self.entries[at].children);
        sort_by(&mut children, |&a, &b| {
            let (a, b) = (&self.entries[a], &self.entries[b]);
            b.is_dir()
                .cmp(&a.is_dir())
                .then_with(|| a.name.cmp(&b.name))
        });
        for &child in &children {
            self.sort(child);
        }
        self.entries[at].children = children;
    }

    /// The directories open at first: those with a change below them.
    pub fn initially_open(&self) -> std::collections::BTreeSet<String> {
        stagecraft_syntax::order::set_from(
            self.entries
                .iter()
                .filter(|e| e.marked_below > 0)
                .map(|e| e.path.clone()),
        )
    }

    /// Rows to draw with `open` directories expanded: (entry index, depth), the root's
    /// children at depth 0. Each directory shows at most `per_dir` children; a row with
    /// `None` says how many more a directory holds.
    pub fn rows(&self, open: &std::collections::BTreeSet<String>, per_dir: usize) -> Vec<Row> {
        let mut rows = Vec::new();
        self.push_rows(0, 0, open, per_dir, &mut rows);
        rows
    }

    fn push_rows(
        &self,
        at: usize,
        depth: usize,
        open: &std::collections::BTreeSet<String>,
        per_dir: usize,
        rows: &mut Vec<Row>,
    ) {
        let children = &self.entries[at].children;
        // Changed entries are shown first when a directory is cut short, so the step's
        // work is never hidden behind "more".
        let (shown, hidden) = if children.len() > per_dir {
            let mut keep: Vec<usize> = children
                .iter()
                .copied()
                .filter(|&c| self.entries[c].mark.is_some() || self.entries[c].marked_below > 0)
                .take(per_dir)
                .collect();
            for &c in children {
                if keep.len() >= per_dir {
                    break;
                }
                if !keep.contains(&c) {
                    keep.push(c);
                }
            }
            sort_by_key(&mut keep, |c| children.iter().position(|x| x == c));
            let hidden = children.len() - keep.len();
            (keep, hidden)
        } else {
            (children.clone(), 0)
        };
        for child in shown {
            rows.push(Row::Entry {
                index: child,
                depth,
            });
            if open.contains(&self.entries[child].path) {
                self.push_rows(child, depth + 1, open, per_dir, rows);
            }
        }
        if hidden > 0 {
            rows.push(Row::More { hidden, depth });
        }
    }
}

/// One line of the drawn tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Entry { index: usize, depth: usize },
    More { hidden: usize, depth: usize },
}

#[cfg(test)]
mod tests {
    use super::*;
    use stagecraft_simulate::model::PathChange;
    use stagecraft_simulate::vfs::{Node, Origin};

    fn change(path: &str, kind: Kind, bytes: u64, previous: Option<u64>) -> PathChange {
        PathChange {
            path: path.to_owned(),
            kind,
            bytes,
            previous_bytes: previous,
            origin: Origin::Context,
        }
    }

    fn sample() -> (Fs, Diff) {
        let mut fs = Fs::new();
        fs.insert("/etc/os-release", Node::new(Kind::File, 100, Origin::Run));
        fs.insert(
            "/app/server.js",
            Node::new(Kind::File, 500, Origin::Context),
        );
        fs.insert(
            "/app/lib/util.js",
            Node::new(Kind::File, 200, Origin::Context),
        );
        fs.insert(
            "/app/node_modules",
            Node::new(Kind::Tree, 9_000, Origin::Run),
        );
        let diff = Diff {
            added: vec![
                change("/app/lib", Kind::Dir, 0, None),
                change("/app/lib/util.js", Kind::File, 200, None),
            ],
            changed: vec![change("/app/server.js", Kind::File, 500, Some(450))],
            removed: vec![
                change("/app/old.js", Kind::File, 70, None),
                change("/tmp/cache", Kind::Dir, 0, None),
                change("/tmp/cache/a", Kind::File, 30, None),
            ],
        };
        (fs, diff)
    }

    fn entry<'a>(tree: &'a FsTree, path: &str) -> &'a Entry {
        match tree.entries.iter().find(|e| e.path == path) {
            Some(e) => e,
            None => panic!("{path} is not in the tree"),
        }
    }

    #[test]
    fn marks_follow_the_diff_and_removed_paths_stay_visible() {
        let (fs, diff) = sample();
        let tree = FsTree::build(&fs, &diff);
        assert_eq!(entry(&tree, "/app/lib/util.js").mark, Some(Mark::Added));
        assert_eq!(entry(&tree, "/app/lib").mark, Some(Mark::Added));
        let server = entry(&tree, "/app/server.js");
        assert_eq!(
            (server.mark, server.previous_bytes),
            (Some(Mark::Changed), Some(450))
        );
        assert_eq!(entry(&tree, "/app/old.js").mark, Some(Mark::Removed));
        assert_eq!(entry(&tree, "/tmp/cache/a").mark, Some(Mark::Removed));
        assert_eq!(entry(&tree, "/etc/os-release").mark, None);
        // `/tmp` is not in the filesystem any more, but holds what was removed.
        assert_eq!(entry(&tree, "/tmp").mark, None);
    }

    #[test]
    fn directory_totals_count_what_is_there_after_the_step() {
        let (fs, diff) = sample();
        let tree = FsTree::build(&fs, &diff);
        assert_eq!(entry(&tree, "/app").bytes, 500 + 200 + 9_000);
        assert_eq!(entry(&tree, "/app/old.js").bytes, 70);
        assert_eq!(entry(&tree, "/tmp").bytes, 0);
        assert_eq!(entry(&tree, "/tmp/cache").bytes, 30);
        assert_eq!(tree.entries[0].bytes, fs.total_size());
        assert_eq!(entry(&tree, "/app").marked_below, 4);
        assert_eq!(entry(&tree, "/etc").marked_below, 0);
    }

    #[test]
    fn changed_directories_open_first_and_children_list_dirs_then_names() {
        let (fs, diff) = sample();
        let tree = FsTree::build(&fs, &diff);
        let open = tree.initially_open();
        assert!(open.contains("/app") && open.contains("/app/lib") && open.contains("/tmp"));
        assert!(!open.contains("/etc"));
        let names: Vec<(String, usize)> = tree
            .rows(&open, 100)
            .into_iter()
            .filter_map(|r| match r {
                Row::Entry { index, depth } => Some((tree.entries[index].path.clone(), depth)),
                Row::More { .. } => None,
            })
            .collect();
        let expected = [
            ("/app", 0),
            ("/app/lib", 1),
            ("/app/lib/util.js", 2),
            ("/app/node_modules", 1),
            ("/app/old.js", 1),
            ("/app/server.js", 1),
            ("/etc", 0),
            ("/tmp", 0),
            ("/tmp/cache", 1),
            ("/tmp/cache/a", 2),
        ];
        let expected: Vec<(String, usize)> =
            expected.iter().map(|(p, d)| (p.to_string(), *d)).collect();
        assert_eq!(names, expected);
    }

    #[test]
    fn long_directories_are_cut_but_keep_their_changes() {
        let mut fs = Fs::new();
        for i in 0..50 {
            fs.insert(
                &format!("/data/f{i:02}"),
                Node::new(Kind::File, 1, Origin::Run),
            );
        }
        let diff = Diff {
            added: vec![change("/data/f42", Kind::File, 1, None)],
            ..Diff::default()
        };
        let tree = FsTree::build(&fs, &diff);
        let rows = tree.rows(&tree.initially_open(), 10);
        let shown: Vec<&str> = rows
            .iter()
            .filter_map(|r| match r {
                Row::Entry { index, .. } => Some(tree.entries[*index].path.as_str()),
                Row::More { .. } => None,
            })
            .collect();
        assert_eq!(shown.len(), 11, "the directory and ten of its files");
        assert!(shown.contains(&"/data/f42"));
        assert_eq!(
            rows.last(),
            Some(&Row::More {
                hidden: 40,
                depth: 1
            })
        );
    }
}
