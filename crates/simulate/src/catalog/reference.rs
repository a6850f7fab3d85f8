//! Image references, normalised the way Docker does (`ParseNormalizedNamed` in
//! distribution/reference): `node:18` = `library/node:18` = `docker.io/library/node:18` =
//! `index.docker.io/library/node:18`; no tag means `latest`; a digest may pin the image.

/// A parsed, normalised image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host (and port), lowercase: `docker.io`, `gcr.io`, `localhost:5000`.
    pub domain: String,
    /// Repository path: `library/node`, `distroless/static-debian12`.
    pub path: String,
    /// The tag as written, if any.
    pub tag: Option<String>,
    /// The digest as written (`sha256:…`), if any.
    pub digest: Option<String>,
}

/// Why a reference is not one Docker would accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefError {
    Empty,
    /// Repository paths must be lowercase; carries the lowercased reference as a hint.
    Uppercase {
        lowercase: String,
    },
    Invalid(String),
}

impl std::fmt::Display for RefError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefError::Empty => write!(f, "empty image reference"),
            RefError::Uppercase { lowercase } => {
                write!(
                    f,
                    "repository name must be lowercase (did you mean `{lowercase}`?)"
                )
            }
            RefError::Invalid(why) => write!(f, "invalid reference format: {why}"),
        }
    }
}

pub const DEFAULT_DOMAIN: &str = "docker.io";
const LEGACY_DOMAIN: &str = "index.docker.io";

impl ImageRef {
    /// The canonical repository name: `docker.io/library/node`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }

    /// The tag, or `latest` when none was written (Docker's default).
    pub fn tag_or_latest(&self) -> &str {
        self.tag.as_deref().unwrap_or("latest")
    }

    /// `docker.io/library/node:latest`: the key the catalog indexes by.
    pub fn canonical(&self) -> String {
        format!("{}:{}", self.name(), self.tag_or_latest())
    }

    /// The short name people write: `node`, `cypress/included`, `gcr.io/distroless/cc-debian12`.
    pub fn familiar_name(&self) -> String {
        familiar_name(&self.domain, &self.path)
    }

    /// `node:20-alpine`, for notes and suggestions.
    pub fn familiar(&self) -> String {
        format!("{}:{}", self.familiar_name(), self.tag_or_latest())
    }
}

/// The short form of a repository, as `docker` prints it.
pub fn familiar_name(domain: &str, path: &str) -> String {
    if domain == DEFAULT_DOMAIN {
        match path.strip_prefix("library/") {
            Some(rest) if !rest.contains('/') => rest.to_string(),
            _ => path.to_string(),
        }
    } else {
        format!("{domain}/{path}")
    }
}

/// Parses and normalises a reference. Pure string work, bounded by the input length.
pub fn parse(reference: &str) -> Result<ImageRef, RefError> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Err(RefError::Empty);
    }
    // Docker caps the whole name at 255 characters; refuse huge input early so nothing
    // below does work proportional to junk.
    if reference.len() > 512 {
        return Err(RefError::Invalid("reference is too long".into()));
    }
    let (name_tag, digest) = match reference.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (reference, None),
    };
    if let Some(d) = digest {
        check_digest(d)?;
    }
    // A ':' after the last '/' starts the tag; one before it is a registry port.
    let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_tag[last_slash..].rfind(':') {
        Some(i) => (
            &name_tag[..last_slash + i],
            Some(&name_tag[last_slash + i + 1..]),
        ),
        None => (name_tag, None),
    };
    if let Some(t) = tag {
        check_tag(t)?;
    }
    if name.is_empty() {
        return Err(RefError::Invalid("missing repository name".into()));
    }
    if name.len() > 255 {
        return Err(RefError::Invalid(
            "repository name must not be more than 255 characters".into(),
        ));
    }
    let (mut domain, mut path) = split_domain(name);
    if domain.eq_ignore_ascii_case(LEGACY_DOMAIN) {
        domain = DEFAULT_DOMAIN.to_string();
    }
    if domain == DEFAULT_DOMAIN && !path.contains('/') {
        path = format!("library/{path}");
    }
    if path.chars().any(|c| c.is_ascii_uppercase()) {
        let lowered = ImageRef {
            domain: domain.clone(),
            path: path.to_ascii_lowercase(),
            tag: tag.map(str::to_string),
            digest: None,
        };
        return Err(RefError::Uppercase {
            lowercase: lowered.familiar(),
        });
    }
    check_domain(&domain)?;
    check_path(&path)?;
    Ok(ImageRef {
        domain,
        path,
        tag: tag.map(str::to_string),
        digest: digest.map(str::to_string),
    })
}

/// Docker's `splitDockerDomain`: the first component is a registry only if it looks like
/// a host (has a `.` or `:`, is `localhost`, or has uppercase letters).
fn split_domain(name: &str) -> (String, String) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains('.')
                || first.contains(':')
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            (first.to_ascii_lowercase(), rest.to_string())
        }
        _ => (DEFAULT_DOMAIN.to_string(), name.to_string()),
    }
}

fn check_tag(tag: &str) -> Result<(), RefError> {
    let ok = !tag.is_empty()
        && tag.len() <= 128
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && !tag.starts_with(['.', '-']);
    if ok {
        Ok(())
    } else {
        Err(RefError::Invalid(format!("`{tag}` is not a valid tag")))
    }
}

fn check_digest(digest: &str) -> Result<(), RefError> {
    let bad = || RefError::Invalid(format!("`{digest}` is not a valid digest"));
    let (algorithm, hex) = digest.split_once(':').ok_or_else(bad)?;
    let algorithm_ok = algorithm.starts_with(|c: char| c.is_ascii_alphabetic())
        && algorithm
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '.'));
    let hex_ok = hex.len() >= 32 && hex.chars().all(|c| c.is_ascii_hexdigit());
    if !algorithm_ok || !hex_ok || (algorithm == "sha256" && hex.len() != 64) {
        return Err(bad());
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), RefError> {
    let (host, port) = match domain.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (domain, None),
    };
    let host_ok = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if host_ok && port_ok {
        Ok(())
    } else {
        Err(RefError::Invalid(format!(
            "`{domain}` is not a valid registry host"
        )))
    }
}

/// Path components are `[a-z0-9]+` joined by `.`, `_`, `__` or runs of `-`.
fn check_path(path: &str) -> Result<(), RefError> {
    for component in path.split('/') {
        if !component_ok(component) {
            return Err(RefError::Invalid(format!(
                "`{component}` is not a valid repository name component"
            )));
        }
    }
    Ok(())
}

fn component_ok(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        // A separator run: `.`, `_`, `__`, or any number of `-`.
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &component[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|b| b == b'-');
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(reference: &str) -> String {
        match parse(reference) {
            Ok(r) => r.canonical(),
            Err(e) => panic!("{reference}: {e}"),
        }
    }

    #[test]
    fn docker_hub_forms_normalise_to_one_name() {
        for form in [
            "node:18",
            "library/node:18",
            "docker.io/library/node:18",
            "index.docker.io/library/node:18",
            "docker.io/node:18",
        ] {
            assert_eq!(canonical(form), "docker.io/library/node:18", "{form}");
        }
        assert_eq!(canonical("node"), "docker.io/library/node:latest");
        assert_eq!(
            canonical("cypress/included:12.8.1"),
            "docker.io/cypress/included:12.8.1"
        );
        assert_eq!(
            canonical("gcr.io/distroless/static-debian12"),
            "gcr.io/distroless/static-debian12:latest"
        );
        assert_eq!(canonical("localhost:5000/app:v1"), "localhost:5000/app:v1");
        assert_eq!(
            canonical("GCR.io/distroless/cc-debian12:debug"),
            "gcr.io/distroless/cc-debian12:debug"
        );
    }

    #[test]
    fn familiar_forms_are_what_docker_prints() {
        let r = parse("docker.io/library/node:20-alpine");
        assert_eq!(r.map(|r| r.familiar()), Ok("node:20-alpine".to_string()));
        let r = parse("gcr.io/distroless/static-debian12:nonroot");
        assert_eq!(
            r.map(|r| r.familiar()),
            Ok("gcr.io/distroless/static-debian12:nonroot".to_string())
        );
    }

    #[test]
    fn digests_are_kept_and_checked() {
        let hex = "a".repeat(64);
        let r = parse(&format!("node:20@sha256:{hex}"));
        assert_eq!(r.as_ref().map(|r| r.tag.as_deref()), Ok(Some("20")));
        assert_eq!(r.map(|r| r.digest), Ok(Some(format!("sha256:{hex}"))));
        let r = parse(&format!("node@sha256:{hex}"));
        assert_eq!(
            r.map(|r| r.canonical()),
            Ok("docker.io/library/node:latest".to_string())
        );
        assert!(matches!(
            parse("node@sha256:abc"),
            Err(RefError::Invalid(_))
        ));
    }

    #[test]
    fn bad_references_are_refused() {
        assert_eq!(parse("  "), Err(RefError::Empty));
        assert_eq!(
            parse("Node:20"),
            Err(RefError::Uppercase {
                lowercase: "node:20".into()
            })
        );
        assert!(matches!(parse("node:"), Err(RefError::Invalid(_))));
        assert!(matches!(parse("node:-x"), Err(RefError::Invalid(_))));
        assert!(matches!(parse("no de:1"), Err(RefError::Invalid(_))));
        assert!(parse("a--b__c/x_y.z").is_ok());
        assert!(matches!(parse("a___b"), Err(RefError::Invalid(_))));
        assert!(matches!(parse(&"x".repeat(600)), Err(RefError::Invalid(_))));
        assert!(matches!(parse(":tag"), Err(RefError::Invalid(_))));
    }
}
