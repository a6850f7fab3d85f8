//! "Did you mean …?": the closest known name to a misspelt one.

/// Edit distance, bounded by the lengths involved (names are short).
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == cb {
                previous
            } else {
                1 + previous.min(row[j]).min(row[j + 1])
            };
            previous = current;
        }
    }
    row[b.len()]
}

/// The candidate closest to `word` (case-insensitively), if it is close enough to be a
/// plausible typo: at most a third of the word's length away.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if word.len() > 256 {
        return None;
    }
    let lower = word.to_ascii_lowercase();
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .iter()
        .filter(|c| c.len() <= 256)
        .map(|c| (levenshtein(&lower, &c.to_ascii_lowercase()), *c))
        .filter(|(d, c)| *d <= limit && !c.eq_ignore_ascii_case(word))
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(closest("biuld", &["build", "test"]), Some("build"));
        assert_eq!(closest("zzz", &["build", "test"]), None);
    }
}
