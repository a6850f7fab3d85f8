//! `.dockerignore` patterns with Docker's matching rules (`moby/patternmatcher`): one
//! pattern a line, `#` comments, `!` re-includes, `*` and `?` within a path segment,
//! `**` across segments, a leading `/` ignored, the last matching pattern wins, and a
//! pattern that matches a directory also matches everything under it.

/// One cleaned pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    segments: Vec<String>,
    exclusion: bool,
}

/// The patterns of one `.dockerignore` file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Patterns {
    patterns: Vec<Pattern>,
}

/// `filepath.Clean` for slash paths, without a leading `/` or `./`.
pub fn clean_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

impl Patterns {
    pub fn parse(text: &str) -> Self {
        let patterns = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|line| {
                let (exclusion, body) = match line.strip_prefix('!') {
                    Some(rest) => (true, rest.trim()),
                    None => (false, line),
                };
                let cleaned = clean_path(body);
                (!cleaned.is_empty()).then(|| Pattern {
                    segments: cleaned.split('/').map(str::to_string).collect(),
                    exclusion,
                })
            })
            .collect();
        Patterns { patterns }
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether `path` (relative to the context) is left out of the build context.
    pub fn excludes(&self, path: &str) -> bool {
        let cleaned = clean_path(path);
        if cleaned.is_empty() {
            return false;
        }
        let segments: Vec<&str> = cleaned.split('/').collect();
        let mut excluded = false;
        for pattern in &self.patterns {
            // The pattern matches the path or one of its parent directories.
            let matched =
                (1..=segments.len()).any(|n| match_segments(&pattern.segments, &segments[..n]));
            if matched {
                excluded = !pattern.exclusion;
            }
        }
        excluded
    }
}

fn match_segments(pattern: &[String], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((first, rest)) if first == "**" => {
            (0..=path.len()).any(|skip| match_segments(rest, &path[skip..]))
        }
        Some((first, rest)) => match path.split_first() {
            Some((segment, path_rest)) => glob(first, segment) && match_segments(rest, path_rest),
            None => false,
        },
    }
}

/// Shell-style matching of one segment: `*`, `?`, `[abc]`, `[a-z]`, `[^a]`, `\x`.
pub fn glob(pattern: &str, text: &str) -> bool {
    // Hot path (every context file against every pattern, every command against every
    // recipe): a pattern without wildcards is a plain comparison.
    if !pattern.contains(['*', '?', '[', '\\']) {
        return pattern == text;
    }
    if pattern.is_ascii() && text.is_ascii() {
        return glob_chars(&ascii_chars(pattern), &ascii_chars(text));
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    glob_chars(&p, &t)
}

/// ASCII text as chars on the stack for short strings, avoiding a heap allocation.
fn ascii_chars(s: &str) -> smallchars::Chars {
    smallchars::Chars::new(s)
}

mod smallchars {
    //! A char buffer that stays on the stack for short ASCII strings.
    // The inline variant is large on purpose: it is the stack buffer that saves the allocation.
    #[allow(clippy::large_enum_variant)]
    pub(super) enum Chars {
        Inline([char; 64], usize),
        Heap(Vec<char>),
    }

    impl Chars {
        pub(super) fn new(s: &str) -> Self {
            if s.len() <= 64 {
                let mut buf = ['\0'; 64];
                for (slot, b) in buf.iter_mut().zip(s.bytes()) {
                    *slot = b as char;
                }
                Chars::Inline(buf, s.len())
            } else {
                Chars::Heap(s.chars().collect())
            }
        }
    }

    impl std::ops::Deref for Chars {
        type Target = [char];
        fn deref(&self) -> &[char] {
            match self {
                Chars::Inline(buf, len) => &buf[..*len],
                Chars::Heap(v) => v,
            }
        }
    }
}

fn glob_chars(p: &[char], t: &[char]) -> bool {
    // Iterative matcher with single-star backtracking: linear-ish, never exponential.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                '?' => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                '[' => {
                    if let Some((matched, next)) = class(p, pi, t[ti]) {
                        if matched {
                            pi = next;
                            ti += 1;
                            continue;
                        }
                    } else if t[ti] == '[' {
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
                '\\' if pi + 1 < p.len() && p[pi + 1] == t[ti] => {
                    pi += 2;
                    ti += 1;
                    continue;
                }
                c if c == t[ti] => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Matches a `[...]` class at `p[start]`; returns whether `c` matched and where the
/// pattern continues, or `None` if the class is not closed.
fn class(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negated = matches!(p.get(i), Some('^') | Some('!'));
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() {
        if p[i] == ']' && !first {
            return Some((matched != negated, i + 1));
        }
        first = false;
        let lo = p[i];
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|&hi| hi != ']') {
            let hi = p[i + 2];
            matched |= lo <= c && c <= hi;
            i += 3;
        } else {
            matched |= lo == c;
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_matching_rules() {
        let patterns =
            Patterns::parse("# comment\nnode_modules\n*.md\n!README.md\n/build/**/*.o\n**/.env\n");
        assert!(patterns.excludes("node_modules"));
        assert!(patterns.excludes("node_modules/react/index.js"));
        assert!(patterns.excludes("CHANGES.md"));
        assert!(!patterns.excludes("README.md"));
        assert!(!patterns.excludes("docs/CHANGES.md"));
        assert!(patterns.excludes("build/a/b/x.o"));
        assert!(patterns.excludes("build/x.o"));
        assert!(patterns.excludes("deep/dir/.env"));
        assert!(patterns.excludes(".env"));
        assert!(!patterns.excludes("src/main.rs"));
        assert!(!patterns.excludes("."));
    }

    #[test]
    fn glob_segments() {
        assert!(glob("*.go", "main.go"));
        assert!(glob("ma?n.[a-z]o", "main.go"));
        assert!(!glob("*.go", "main.rs"));
        assert!(glob("[!a]*", "bcd"));
        assert!(!glob(&"*a".repeat(50), &"b".repeat(60)));
    }
}
