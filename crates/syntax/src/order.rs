//! One stable sort for every crate of the page: `slice::sort_by` compiles a ~3.5 KB copy
//! of the standard sort per element type and comparator, and the page had 27 of them.
//! These helpers sort indices under a `dyn` comparator instead (one copy of the standard
//! sort in the whole binary) and then move the items into place; the result is exactly
//! that of `sort_by`, ties keep their order. `collect` into a `BTreeMap` or `BTreeSet`
//! sorts too (a copy per iterator type), hence `map_from` and `set_from`.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// The indices `0..len` in stable order under `cmp` (which compares indices).
pub fn stable_order(len: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

/// Like `items.sort_by(cmp)`.
pub fn sort_by<T>(items: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let order = stable_order(items.len(), &mut |a, b| cmp(&items[a], &items[b]));
    permute(items, &order);
}

/// Like `items.sort_by_key(key)`.
pub fn sort_by_key<T, K: Ord>(items: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// Like `items.sort()`.
pub fn sort<T: Ord>(items: &mut [T]) {
    sort_by(items, Ord::cmp);
}

/// Like `items.into_iter().collect::<BTreeMap<_, _>>()` (of two equal keys, the later
/// value wins), without the stable sort `collect` compiles for each iterator type.
pub fn map_from<K: Ord, V>(items: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    map.extend(items);
    map
}

/// Like `items.into_iter().collect::<BTreeSet<_>>()`, without its sort.
pub fn set_from<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    set.extend(items);
    set
}

/// Puts `items[order[k]]` at `k`, in place, one swap per misplaced item.
fn permute<T>(items: &mut [T], order: &[usize]) {
    let mut dest = vec![0; order.len()];
    for (new, &old) in order.iter().enumerate() {
        dest[old] = new;
    }
    for i in 0..items.len() {
        while dest[i] != i {
            let d = dest[i];
            items.swap(i, d);
            dest.swap(i, d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pseudo-random pairs from a fixed LCG: many ties in the key, distinct tags, so a
    /// wrong order of equal keys shows.
    fn pairs(len: usize, keys: u64, seed: u64) -> Vec<(u64, usize)> {
        let mut state = seed;
        (0..len)
            .map(|i| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 33) % keys, i)
            })
            .collect()
    }

    #[test]
    fn matches_the_standard_stable_sort_ties_included() {
        for (len, keys, seed) in [
            (0, 1, 1),
            (1, 1, 2),
            (2, 1, 3),
            (17, 3, 4),
            (300, 7, 5),
            (5000, 50, 6),
        ] {
            let items = pairs(len, keys, seed);
            let mut expected = items.clone();
            expected.sort_by_key(|p| p.0);
            let mut ours = items.clone();
            sort_by_key(&mut ours, |p| p.0);
            assert_eq!(ours, expected, "len {len}");
            let mut reversed = items.clone();
            sort_by(&mut reversed, |a, b| b.0.cmp(&a.0));
            expected.sort_by_key(|p| std::cmp::Reverse(p.0));
            assert_eq!(reversed, expected, "len {len}, descending");
        }
    }

    #[test]
    fn maps_and_sets_equal_what_collect_builds_duplicates_included() {
        let items = pairs(2000, 300, 11);
        let collected: BTreeMap<u64, usize> = items.iter().copied().collect();
        assert_eq!(map_from(items.iter().copied()), collected);
        assert!(collected.len() < items.len(), "the keys repeat");
        let keys: BTreeSet<u64> = items.iter().map(|p| p.0).collect();
        assert_eq!(set_from(items.iter().map(|p| p.0)), keys);
    }

    #[test]
    fn sort_orders_fully_and_keeps_every_item() {
        let mut words = vec!["pear", "apple", "fig", "apple", "kiwi", "banana"];
        sort(&mut words);
        assert_eq!(words, ["apple", "apple", "banana", "fig", "kiwi", "pear"]);
        let mut sorted = pairs(1000, 1000, 9);
        sort(&mut sorted);
        assert!(sorted.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(sorted.len(), 1000);
    }
}
