//! Choosing the closest catalogued tag when a tag is not listed: `node:21-alpine` is
//! estimated from `node:20-alpine`. Variants (alpine, slim, jre, apache …) are matched
//! first, then version numbers numerically, then the distribution codename, then the
//! newer image wins a tie. Everything here is a pure function of two tag strings.

use std::cmp::Reverse;
use std::collections::BTreeSet;

/// Debian and Ubuntu codenames with their release numbers: the version itself for the
/// `debian` and `ubuntu` repositories, a soft preference (`-bookworm`) elsewhere.
const DISTRO_CODENAMES: &[(&str, &[u64])] = &[
    ("stretch", &[9]),
    ("buster", &[10]),
    ("bullseye", &[11]),
    ("bookworm", &[12]),
    ("trixie", &[13]),
    ("forky", &[14]),
    ("xenial", &[16, 4]),
    ("bionic", &[18, 4]),
    ("focal", &[20, 4]),
    ("jammy", &[22, 4]),
    ("noble", &[24, 4]),
];

/// Node.js LTS codenames, which the `node` repository uses as tags (`iron-alpine`).
const NODE_CODENAMES: &[(&str, u64)] = &[
    ("argon", 4),
    ("boron", 6),
    ("carbon", 8),
    ("dubnium", 10),
    ("erbium", 12),
    ("fermium", 14),
    ("gallium", 16),
    ("hydrogen", 18),
    ("iron", 20),
    ("jod", 22),
    ("krypton", 24),
];

/// Words that mean "whatever is newest" rather than a variant.
const NEWEST: &[&str] = &["latest", "lts", "current", "stable", "mainline", "edge"];

/// Distribution prefixes that carry a version glued on (`alpine3.19`, `debian12`).
const GLUED: &[&str] = &["alpine", "debian", "ubuntu", "ubi"];

/// What a tag says, split into the parts that matter for "nearest".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Shape {
    /// The leading version (`20`, `3.11`, `1.22`), if any.
    pub version: Option<Vec<u64>>,
    /// Variant words, lowercased, with glued distro versions removed (`alpine`, `slim`).
    pub classes: BTreeSet<String>,
    /// A distribution codename that is not the version (`bookworm` in `20-bookworm`).
    pub codename: Option<String>,
    /// A later number (`17` in maven's `3.9-eclipse-temurin-17`).
    pub secondary: Option<u64>,
}

fn parse_version(token: &str) -> Option<Vec<u64>> {
    let token = token.strip_prefix('v').unwrap_or(token);
    if token.is_empty() || !token.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    // Temurin writes `17.0.17_10`; the build number after `_` is one more component.
    let mut parts = Vec::new();
    for part in token.split(['.', '_']) {
        if part.is_empty() || part.len() > 12 || !part.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        parts.push(part.parse().ok()?);
    }
    Some(parts)
}

fn distro_codename(word: &str) -> Option<&'static [u64]> {
    DISTRO_CODENAMES
        .iter()
        .find(|(name, _)| *name == word)
        .map(|(_, v)| *v)
}

/// Splits a tag of the repository `path` (`library/node`) into its shape.
pub(crate) fn shape(path: &str, tag: &str) -> Shape {
    let codename_is_version = matches!(path, "library/debian" | "library/ubuntu");
    let node = path == "library/node";
    let mut out = Shape::default();
    for (i, raw) in tag.split('-').filter(|t| !t.is_empty()).enumerate() {
        let token = raw.to_ascii_lowercase();
        if let Some(v) = parse_version(&token) {
            if i == 0 && out.version.is_none() {
                out.version = Some(v);
            } else if out.secondary.is_none() {
                out.secondary = v.first().copied();
            }
            continue;
        }
        if let Some(v) = distro_codename(&token) {
            if codename_is_version && out.version.is_none() {
                out.version = Some(v.to_vec());
            } else {
                out.codename = Some(token);
            }
            continue;
        }
        if node && i == 0 {
            if let Some((_, major)) = NODE_CODENAMES.iter().find(|(name, _)| *name == token) {
                out.version = Some(vec![*major]);
                continue;
            }
        }
        if i == 0 && NEWEST.contains(&token.as_str()) && token != "edge" {
            continue;
        }
        let glued = GLUED.iter().find(|p| {
            token
                .strip_prefix(**p)
                .is_some_and(|rest| parse_version(rest).is_some())
        });
        match glued {
            Some(prefix) => out.classes.insert((*prefix).to_string()),
            None => out.classes.insert(token),
        };
    }
    out
}

/// Variant words that stand in for each other when the exact one is missing: both
/// `alpine` and `slim` mean "the small image", so an alpine request prefers slim to full.
fn kindred(word: &str) -> Option<&'static str> {
    match word {
        "alpine" => Some("slim"),
        "slim" => Some("alpine"),
        _ => None,
    }
}

/// How well a candidate's variants fit the request: higher is better; equal sets win.
fn variant_score(request: &BTreeSet<String>, candidate: &BTreeSet<String>) -> i64 {
    if request == candidate {
        return 1000;
    }
    let mut score = 0;
    for word in request {
        if candidate.contains(word) {
            score += 2;
        } else if kindred(word).is_some_and(|k| candidate.contains(k)) {
            score += 1;
        } else {
            score -= 1;
        }
    }
    for word in candidate {
        let matched = request.contains(word) || kindred(word).is_some_and(|k| request.contains(k));
        if !matched {
            score -= 1;
        }
    }
    score
}

/// Component-wise distance over the common prefix, padded to three components, so
/// `3.11` is one minor away from both `3.10` and `3.12`, and `20.11.0` matches `20`.
fn version_distance(request: Option<&[u64]>, candidate: Option<&[u64]>) -> [u64; 3] {
    match (request, candidate) {
        (None, _) => [0; 3],
        (Some(_), None) => [u64::MAX; 3],
        (Some(r), Some(c)) => {
            let mut d = [0; 3];
            for (slot, (a, b)) in d.iter_mut().zip(r.iter().zip(c.iter())) {
                *slot = a.abs_diff(*b);
            }
            d
        }
    }
}

/// One way a catalogued entry can be written (its tag or an alias).
pub(crate) struct Form<'a> {
    pub entry: usize,
    pub tag: &'a str,
    /// The familiar reference of the entry itself (`node:20-alpine`), for ordering.
    pub familiar: &'a str,
    /// The newest version any of the entry's tags names, for "newer wins a tie".
    pub newest: Option<&'a [u64]>,
}

/// The outcome of a nearest-tag search.
pub(crate) struct Choice {
    pub entry: usize,
    /// The variants differ (not just the version).
    pub variant_differs: bool,
}

type RankKey = (Reverse<i64>, [u64; 3], bool, u64, Reverse<Vec<u64>>, String);

/// The best form for `tag` among `forms` (all of one repository).
pub(crate) fn choose(path: &str, tag: &str, forms: &[Form<'_>]) -> Option<Choice> {
    let request = shape(path, tag);
    let mut best: Option<(RankKey, Choice)> = None;
    for form in forms {
        let candidate = shape(path, form.tag);
        let score = variant_score(&request.classes, &candidate.classes);
        let distance = version_distance(request.version.as_deref(), candidate.version.as_deref());
        let codename_miss = request.codename.is_some() && request.codename != candidate.codename;
        let secondary = match (request.secondary, candidate.secondary) {
            (Some(a), Some(b)) => a.abs_diff(b),
            (Some(_), None) => u64::MAX,
            _ => 0,
        };
        let newest = Reverse(form.newest.map(<[u64]>::to_vec).unwrap_or_default());
        let key = (
            Reverse(score),
            distance,
            codename_miss,
            secondary,
            newest,
            form.familiar.to_string(),
        );
        if best.as_ref().is_none_or(|(k, _)| key < *k) {
            let choice = Choice {
                entry: form.entry,
                variant_differs: request.classes != candidate.classes,
            };
            best = Some((key, choice));
        }
    }
    best.map(|(_, c)| c)
}

/// The variant words of a tag, joined (`alpine-slim`), or `None` for a plain tag.
pub(crate) fn variant_label(path: &str, tag: &str) -> Option<String> {
    let classes = shape(path, tag).classes;
    (!classes.is_empty()).then(|| classes.into_iter().collect::<Vec<_>>().join("-"))
}

/// Whether the tag names no version (`latest`, `alpine`, `slim`): "the newest one".
pub(crate) fn asks_for_newest(path: &str, tag: &str) -> bool {
    shape(path, tag).version.is_none()
}

/// The newest version named by any of `tags`.
pub(crate) fn newest_version<'a>(
    path: &str,
    tags: impl Iterator<Item = &'a str>,
) -> Option<Vec<u64>> {
    tags.filter_map(|t| shape(path, t).version).max()
}

/// Distroless repositories by kind and version: `nodejs20-debian12` is (`nodejs`, 20),
/// `base-nossl-debian12` counts as `base`, `static` as (`static`, none).
pub(crate) fn distroless_kind(repo_last: &str) -> (String, Option<u64>) {
    let mut stem = repo_last;
    if let Some(i) = stem.rfind("-debian") {
        if stem[i + "-debian".len()..]
            .chars()
            .all(|c| c.is_ascii_digit())
        {
            stem = &stem[..i];
        }
    }
    let stem = stem.strip_suffix("-nossl").unwrap_or(stem);
    let digits = stem.len() - stem.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (kind, version) = stem.split_at(stem.len() - digits);
    (kind.to_string(), version.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(words: &[&str]) -> BTreeSet<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn tags_split_into_version_variants_and_codename() {
        let s = shape("library/python", "3.11-slim-bookworm");
        assert_eq!(s.version, Some(vec![3, 11]));
        assert_eq!(s.classes, set(&["slim"]));
        assert_eq!(s.codename.as_deref(), Some("bookworm"));
        let s = shape("library/node", "iron-alpine3.19");
        assert_eq!((s.version, s.classes), (Some(vec![20]), set(&["alpine"])));
        let s = shape("library/debian", "bullseye-slim");
        assert_eq!((s.version, s.classes), (Some(vec![11]), set(&["slim"])));
        let s = shape("library/maven", "3.9.6-eclipse-temurin-21");
        assert_eq!((s.version, s.secondary), (Some(vec![3, 9, 6]), Some(21)));
        assert_eq!(s.classes, set(&["eclipse", "temurin"]));
        let s = shape("library/eclipse-temurin", "17.0.17_10-jdk");
        assert_eq!(s.version, Some(vec![17, 0, 17, 10]));
        assert_eq!(shape("library/nginx", "latest"), Shape::default());
        assert!(shape("library/alpine", "edge").classes.contains("edge"));
    }

    #[test]
    fn variants_outrank_versions() {
        assert_eq!(variant_score(&set(&["alpine"]), &set(&["alpine"])), 1000);
        assert!(
            variant_score(&set(&["alpine"]), &set(&["slim"]))
                > variant_score(&set(&["alpine"]), &set(&[]))
        );
        assert_eq!(version_distance(Some(&[3, 11]), Some(&[3, 12])), [0, 1, 0]);
        assert_eq!(version_distance(Some(&[20, 11, 0]), Some(&[20])), [0, 0, 0]);
    }

    #[test]
    fn distroless_names_have_a_kind() {
        assert_eq!(
            distroless_kind("nodejs22-debian12"),
            ("nodejs".to_string(), Some(22))
        );
        assert_eq!(
            distroless_kind("base-nossl-debian12"),
            ("base".to_string(), None)
        );
        assert_eq!(distroless_kind("static"), ("static".to_string(), None));
        assert_eq!(distroless_kind("python3"), ("python".to_string(), Some(3)));
    }
}
