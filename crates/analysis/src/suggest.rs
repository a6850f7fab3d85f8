//! "Did you mean …?": the closest known name to a misspelt one.

/// Edit distance where swapping two neighbouring characters counts as one edit
/// (optimal string alignment), since transpositions are the commonest typo.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

/// [`edit_distance`] when it is at most `limit`, cheaply ruling out candidates whose
/// lengths alone differ by more (the common case when scanning many names).
pub fn edit_distance_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    let (la, lb) = (a.chars().count(), b.chars().count());
    if la.abs_diff(lb) > limit {
        return None;
    }
    Some(edit_distance(a, b)).filter(|&d| d <= limit)
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
        .filter(|c| !c.eq_ignore_ascii_case(word))
        .filter_map(|c| {
            edit_distance_within(&lower, &c.to_ascii_lowercase(), limit).map(|d| (d, *c))
        })
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("biuld", "build"), 1);
        assert_eq!(closest("biuld", &["build", "test"]), Some("build"));
        assert_eq!(closest("zzz", &["build", "test"]), None);
    }
}
