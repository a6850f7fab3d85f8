//! Go's `path/filepath.Match` on `/`-separated paths, as BuildKit applies it to COPY and ADD
//! sources (`fsutil/copy.ResolveWildcards`): `*` and `?` never match `/`, `[...]` classes
//! take `^` for negation (not `!`), `\` escapes, and a malformed pattern matches nothing.
//!
//! This is deliberately not `.dockerignore` matching: a source `src/**/*.go` has no `**`
//! meaning, it is `src/*/*.go` (exactly one directory level), because BuildKit hands the
//! remaining pattern to `filepath.Match`.

/// Why `filepath.Match` rejected a pattern (`ErrBadPattern`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadPattern;

/// Whether a source segment holds a wildcard (`*`, `?`, `[`), skipping `\`-escaped
/// characters, as `fsutil`'s `containsWildcards` does on Unix.
pub fn contains_wildcards(segment: &str) -> bool {
    let mut chars = segment.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '*' | '?' | '[' => return true,
            _ => {}
        }
    }
    false
}

/// `filepath.Match(pattern, name)`: the whole of `name` must match.
pub fn match_path(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    let mut pattern = pattern.as_slice();
    let mut name = name.as_slice();
    'outer: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            // A trailing `*` matches the rest of the name unless it holds a `/`.
            return Ok(!name.contains(&'/'));
        }
        // Try the chunk at the current position; if this is the last chunk it must use up
        // the name, or a star could still match more.
        let (t, ok) = match_chunk(chunk, name)?;
        if ok && (t.is_empty() || !pattern.is_empty()) {
            name = t;
            continue;
        }
        if star {
            // Let the star swallow 1, 2, … characters, never a `/`.
            let mut i = 0;
            while i < name.len() && name[i] != '/' {
                let (t, ok) = match_chunk(chunk, &name[i + 1..])?;
                if ok {
                    if pattern.is_empty() && !t.is_empty() {
                        i += 1;
                        continue;
                    }
                    name = t;
                    continue 'outer;
                }
                i += 1;
            }
        }
        // Go checks that the rest of the pattern is well-formed before saying no.
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            match_chunk(chunk, &[])?;
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

/// Splits off leading stars and the chunk up to the next star outside a class.
fn scan_chunk(pattern: &[char]) -> (bool, &[char], &[char]) {
    let mut pattern = pattern;
    let mut star = false;
    while pattern.first() == Some(&'*') {
        pattern = &pattern[1..];
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            // An escape takes the next character along (a trailing `\` is Go's
            // ErrBadPattern, found later by match_chunk).
            '\\' if i + 1 < pattern.len() => i += 1,
            '[' => in_range = true,
            ']' => in_range = false,
            '*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, &pattern[..i], &pattern[i..])
}

/// Matches one star-free chunk at the start of `s`; returns the rest of `s` and whether it
/// matched. Like Go it keeps reading the chunk after a failure, to report bad syntax.
fn match_chunk<'a>(chunk: &[char], s: &'a [char]) -> Result<(&'a [char], bool), BadPattern> {
    let mut chunk = chunk;
    let mut s = s;
    let mut failed = false;
    while let Some(&c) = chunk.first() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match c {
            '[' => {
                let mut r = '\0';
                if !failed {
                    r = s[0];
                    s = &s[1..];
                }
                chunk = &chunk[1..];
                let negated = chunk.first() == Some(&'^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut ranges = 0;
                loop {
                    if chunk.first() == Some(&']') && ranges > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = get_esc(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk.first() == Some(&'-') {
                        let (h, rest) = get_esc(&chunk[1..])?;
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    ranges += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            '?' => {
                if !failed {
                    if s[0] == '/' {
                        failed = true;
                    }
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
            _ => {
                let literal = if c == '\\' {
                    chunk = &chunk[1..];
                    *chunk.first().ok_or(BadPattern)?
                } else {
                    c
                };
                if !failed {
                    if literal != s[0] {
                        failed = true;
                    }
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    if failed {
        Ok((&[], false))
    } else {
        Ok((s, true))
    }
}

/// One possibly escaped character of a class; a class cannot end right after it.
fn get_esc(chunk: &[char]) -> Result<(char, &[char]), BadPattern> {
    let mut chunk = chunk;
    match chunk.first() {
        None | Some('-') | Some(']') => return Err(BadPattern),
        Some('\\') => {
            chunk = &chunk[1..];
            if chunk.is_empty() {
                return Err(BadPattern);
            }
        }
        Some(_) => {}
    }
    let c = chunk[0];
    let rest = &chunk[1..];
    if rest.is_empty() {
        return Err(BadPattern);
    }
    Ok((c, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, name: &str) -> bool {
        match_path(pattern, name) == Ok(true)
    }

    // Cases from Go's own filepath.Match tests (Unix).
    #[test]
    fn go_match_table() {
        assert!(m("abc", "abc"));
        assert!(m("*", "abc"));
        assert!(m("*c", "abc"));
        assert!(!m("a*", "ab/c"));
        assert!(m("a*/b", "abc/b"));
        assert!(!m("a*/b", "a/c/b"));
        assert!(m("a*b*c*d*e*/f", "axbxcxdxe/f"));
        assert!(m("a*b*c*d*e*/f", "axbxcxdxexxx/f"));
        assert!(!m("a*b*c*d*e*/f", "axbxcxdxe/xxx/f"));
        assert!(!m("a*b?c*x", "abxbbxdbxebxczzy"));
        assert!(m("ab[c]", "abc"));
        assert!(m("ab[b-d]", "abc"));
        assert!(!m("ab[e-g]", "abc"));
        assert!(!m("ab[^c]", "abc"));
        assert!(m("ab[^e-g]", "abc"));
        assert!(m("a?b", "a☺b"));
        assert!(m("[\\-]", "-"));
        assert!(m("[x\\-]", "x"));
        assert!(!m("[x\\-]", "z"));
        assert!(m("[\\-x]", "-"));
        assert!(m("*x", "xxx"));
        assert!(m("\\*", "*"));
        assert!(!m("\\*", "x"));
        assert_eq!(match_path("[", "a"), Err(BadPattern));
        assert_eq!(match_path("[^", "a"), Err(BadPattern));
        assert_eq!(match_path("[]a]", "]"), Err(BadPattern));
        assert_eq!(match_path("[-]", "-"), Err(BadPattern));
        assert_eq!(match_path("a[", "a"), Err(BadPattern));
        assert_eq!(match_path("a\\", "a"), Err(BadPattern));
        assert_eq!(match_path("a[", "x"), Err(BadPattern));
        // `!` is not negation in Go: `[!a]` is the class of `!` and `a`.
        assert!(m("[!a]", "!"));
        assert!(!m("[!a]", "b"));
    }

    #[test]
    fn double_star_is_just_a_star() {
        assert!(m("**/*.go", "pkg/main.go"));
        assert!(!m("**/*.go", "main.go"));
        assert!(!m("**/*.go", "a/b/main.go"));
    }

    #[test]
    fn wildcard_detection_skips_escapes() {
        assert!(contains_wildcards("package*.json"));
        assert!(contains_wildcards("[ab]"));
        assert!(contains_wildcards("a?"));
        assert!(!contains_wildcards("a\\*b"));
        assert!(!contains_wildcards("plain.txt"));
    }

    #[test]
    fn pathological_patterns_stay_fast() {
        let name = "a".repeat(2000);
        let pattern = "*a".repeat(200) + "b";
        assert!(!m(&pattern, &name));
    }
}
