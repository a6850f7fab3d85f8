//! The squarified treemap layout (Bruls, Huizing and van Wijk): one rectangle per entry,
//! its area in proportion to the entry's bytes, rows chosen so the rectangles stay close to
//! squares. Pure arithmetic, so the image panel's treemap is unit-tested natively.

use stagecraft_syntax::order::{sort_by, sort_by_key};

/// A rectangle in the caller's units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    pub fn area(&self) -> f64 {
        self.width * self.height
    }
}

/// What a cell stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tile {
    /// The entry at this index of the input.
    Entry(usize),
    /// Entries too small (or too many) to draw apart, grouped into one cell.
    More { count: usize },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    pub tile: Tile,
    pub bytes: u64,
    pub rect: Rect,
}

/// How many cells at most, and the smallest share of the total an entry needs to get a
/// cell of its own: beyond either the rest are grouped, so a directory of 100,000 files
/// costs as much to draw as one of 60.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub max_cells: usize,
    pub min_share: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_cells: 60,
            min_share: 0.002,
        }
    }
}

/// Lays out `sizes` in `bounds`, biggest first (ties in input order, then the grouped
/// cell). Entries of zero bytes get no cell (they have no area); an empty result means
/// there is nothing to draw. The cells tile `bounds` exactly.
pub fn squarify(sizes: &[u64], bounds: Rect, limits: Limits) -> Vec<Cell> {
    let total: f64 = sizes.iter().map(|&b| b as f64).sum();
    // Also refuses a NaN box, which no comparison lets through.
    if total <= 0.0 || bounds.area().partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return Vec::new();
    }
    let tiles = choose_tiles(sizes, total, limits);
    let scale = bounds.area() / total;
    let areas: Vec<f64> = tiles.iter().map(|&(_, b)| b as f64 * scale).collect();
    let rects = lay_out(&areas, bounds);
    tiles
        .into_iter()
        .zip(rects)
        .map(|((tile, bytes), rect)| Cell { tile, bytes, rect })
        .collect()
}

/// The tiles to draw with their bytes, biggest first.
fn choose_tiles(sizes: &[u64], total: f64, limits: Limits) -> Vec<(Tile, u64)> {
    let mut order: Vec<usize> = (0..sizes.len()).filter(|&i| sizes[i] > 0).collect();
    sort_by(&mut order, |&a, &b| sizes[b].cmp(&sizes[a]).then(a.cmp(&b)));
    let max_cells = limits.max_cells.max(1);
    let big_enough = |i: usize| sizes[i] as f64 / total >= limits.min_share;
    let mut keep = if order.len() <= max_cells && order.iter().all(|&i| big_enough(i)) {
        order.len()
    } else {
        order
            .iter()
            .take(max_cells - 1)
            .take_while(|&&i| big_enough(i))
            .count()
    };
    // A group of one is just that entry.
    if order.len() - keep == 1 {
        keep += 1;
    }
    let mut tiles: Vec<(Tile, u64)> = order[..keep]
        .iter()
        .map(|&i| (Tile::Entry(i), sizes[i]))
        .collect();
    let rest = &order[keep..];
    if !rest.is_empty() {
        let bytes = rest
            .iter()
            .fold(0u64, |sum, &i| sum.saturating_add(sizes[i]));
        tiles.push((Tile::More { count: rest.len() }, bytes));
        // The group can outweigh entries kept apart; squarifying wants biggest first, and
        // a stable sort keeps the group after entries of the same size.
        sort_by_key(&mut tiles, |&(_, bytes)| std::cmp::Reverse(bytes));
    }
    tiles
}

/// Rows of rectangles along the shorter side of what is left, each row grown while that
/// makes its worst aspect ratio no worse. The last rectangle of a row, and the last row,
/// take what remains, so rounding never leaves a gap or spills out.
fn lay_out(areas: &[f64], bounds: Rect) -> Vec<Rect> {
    let mut rects = Vec::with_capacity(areas.len());
    let mut rest = bounds;
    let mut start = 0;
    while start < areas.len() {
        let side = rest.width.min(rest.height);
        let mut end = start + 1;
        let mut sum = areas[start];
        let mut worst = worst_ratio(&areas[start..end], sum, side);
        while end < areas.len() {
            let grown = sum + areas[end];
            let ratio = worst_ratio(&areas[start..=end], grown, side);
            if ratio > worst {
                break;
            }
            worst = ratio;
            sum = grown;
            end += 1;
        }
        let last_row = end == areas.len();
        let row = &areas[start..end];
        if rest.width >= rest.height {
            // A column on the left of what is left.
            let thick = if last_row {
                rest.width
            } else {
                (sum / rest.height).min(rest.width)
            };
            let mut y = rest.y;
            for (k, area) in row.iter().enumerate() {
                let height = if k + 1 == row.len() {
                    (rest.y + rest.height - y).max(0.0)
                } else {
                    area / thick
                };
                rects.push(Rect {
                    x: rest.x,
                    y,
                    width: thick,
                    height,
                });
                y += height;
            }
            rest.x += thick;
            rest.width = (rest.width - thick).max(0.0);
        } else {
            // A row along the top of what is left.
            let thick = if last_row {
                rest.height
            } else {
                (sum / rest.width).min(rest.height)
            };
            let mut x = rest.x;
            for (k, area) in row.iter().enumerate() {
                let width = if k + 1 == row.len() {
                    (rest.x + rest.width - x).max(0.0)
                } else {
                    area / thick
                };
                rects.push(Rect {
                    x,
                    y: rest.y,
                    width,
                    height: thick,
                });
                x += width;
            }
            rest.y += thick;
            rest.height = (rest.height - thick).max(0.0);
        }
        start = end;
    }
    rects
}

/// The worst aspect ratio (≥ 1) of a row of `areas` summing to `sum` laid along `side`.
fn worst_ratio(areas: &[f64], sum: f64, side: f64) -> f64 {
    let (min, max) = areas.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &a| {
        (lo.min(a), hi.max(a))
    });
    if sum <= 0.0 || min <= 0.0 || side <= 0.0 {
        return f64::INFINITY;
    }
    let side2 = side * side;
    let sum2 = sum * sum;
    (side2 * max / sum2).max(sum2 / (side2 * min))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPS: f64 = 1e-6;

    fn bounds(width: f64, height: f64) -> Rect {
        Rect {
            x: 10.0,
            y: 5.0,
            width,
            height,
        }
    }

    fn assert_tiles(cells: &[Cell], b: Rect) {
        for c in cells {
            let r = c.rect;
            assert!(r.width >= 0.0 && r.height >= 0.0, "{c:?}");
            assert!(
                r.x >= b.x - EPS && r.y >= b.y - EPS,
                "{c:?} starts inside {b:?}"
            );
            assert!(
                r.x + r.width <= b.x + b.width + EPS,
                "{c:?} ends inside {b:?}"
            );
            assert!(
                r.y + r.height <= b.y + b.height + EPS,
                "{c:?} ends inside {b:?}"
            );
        }
        for (i, a) in cells.iter().enumerate() {
            for c in &cells[i + 1..] {
                let w =
                    (a.rect.x + a.rect.width).min(c.rect.x + c.rect.width) - a.rect.x.max(c.rect.x);
                let h = (a.rect.y + a.rect.height).min(c.rect.y + c.rect.height)
                    - a.rect.y.max(c.rect.y);
                assert!(w <= EPS || h <= EPS, "{a:?} overlaps {c:?}");
            }
        }
        let covered: f64 = cells.iter().map(|c| c.rect.area()).sum();
        assert!(
            (covered - b.area()).abs() < 1e-6 * b.area(),
            "covers the box"
        );
    }

    #[test]
    fn areas_are_in_proportion_to_bytes() {
        let sizes = [6, 6, 4, 3, 2, 2, 1];
        let b = bounds(6.0, 4.0);
        let cells = squarify(&sizes, b, Limits::default());
        assert_eq!(cells.len(), sizes.len());
        for c in &cells {
            let Tile::Entry(i) = c.tile else {
                panic!("no group expected: {c:?}");
            };
            assert_eq!(c.bytes, sizes[i]);
            assert!((c.rect.area() - sizes[i] as f64).abs() < EPS, "{c:?}");
        }
        assert_tiles(&cells, b);
    }

    #[test]
    fn rectangles_stay_close_to_squares() {
        let sizes: Vec<u64> = (1..=30).map(|i| 1_000 + i * 37 % 500).collect();
        let b = bounds(300.0, 200.0);
        let cells = squarify(&sizes, b, Limits::default());
        assert_tiles(&cells, b);
        let worst = cells
            .iter()
            .map(|c| {
                let r = c.rect;
                r.width.max(r.height) / r.width.min(r.height)
            })
            .fold(0.0, f64::max);
        assert!(worst < 3.0, "worst aspect ratio {worst}");
    }

    #[test]
    fn order_is_biggest_first_with_ties_in_input_order_and_repeatable() {
        let sizes = [5, 9, 5, 1, 9];
        let cells = squarify(&sizes, bounds(100.0, 60.0), Limits::default());
        let order: Vec<Tile> = cells.iter().map(|c| c.tile).collect();
        assert_eq!(
            order,
            [1, 4, 0, 2, 3].map(Tile::Entry),
            "biggest first, ties by index"
        );
        assert_eq!(
            cells,
            squarify(&sizes, bounds(100.0, 60.0), Limits::default())
        );
    }

    #[test]
    fn zero_bytes_get_no_cell_and_nothing_to_draw_is_empty() {
        let b = bounds(40.0, 30.0);
        let cells = squarify(&[0, 7, 0], b, Limits::default());
        assert_eq!(cells.len(), 1);
        assert_eq!(cells[0].tile, Tile::Entry(1));
        assert_eq!(cells[0].rect, b);
        assert!(squarify(&[0, 0], b, Limits::default()).is_empty());
        assert!(squarify(&[], b, Limits::default()).is_empty());
        assert!(squarify(&[3], bounds(0.0, 10.0), Limits::default()).is_empty());
    }

    #[test]
    fn a_single_entry_fills_the_box() {
        let b = bounds(17.0, 3.0);
        let cells = squarify(&[42], b, Limits::default());
        assert_eq!(
            cells,
            [Cell {
                tile: Tile::Entry(0),
                bytes: 42,
                rect: b
            }]
        );
    }

    #[test]
    fn huge_counts_are_bounded_by_grouping_the_small_ones() {
        let mut sizes = vec![1_000_000, 500_000];
        sizes.extend((0..100_000u64).map(|i| 1 + i % 7));
        let total: u64 = sizes.iter().sum();
        let limits = Limits {
            max_cells: 40,
            min_share: 0.0,
        };
        let b = bounds(800.0, 500.0);
        let cells = squarify(&sizes, b, limits);
        assert_eq!(cells.len(), 40);
        let more: Vec<&Cell> = cells
            .iter()
            .filter(|c| matches!(c.tile, Tile::More { .. }))
            .collect();
        assert_eq!(more.len(), 1);
        assert_eq!(
            more[0].tile,
            Tile::More {
                count: sizes.len() - 39
            }
        );
        assert_eq!(cells.iter().map(|c| c.bytes).sum::<u64>(), total);
        assert_tiles(&cells, b);
        for c in &cells {
            let share = c.bytes as f64 / total as f64;
            assert!((c.rect.area() / b.area() - share).abs() < 1e-9, "{c:?}");
        }
    }

    #[test]
    fn entries_below_the_minimum_share_are_grouped_but_never_alone() {
        let limits = Limits {
            max_cells: 60,
            min_share: 0.05,
        };
        let b = bounds(100.0, 100.0);
        let cells = squarify(&[100, 1, 1, 1], b, limits);
        assert_eq!(
            cells.iter().map(|c| c.tile).collect::<Vec<_>>(),
            [Tile::Entry(0), Tile::More { count: 3 }]
        );
        assert_eq!(cells[1].bytes, 3);
        // One small entry left over is drawn as itself, not as "1 more".
        let cells = squarify(&[100, 1], b, limits);
        assert_eq!(
            cells.iter().map(|c| c.tile).collect::<Vec<_>>(),
            [Tile::Entry(0), Tile::Entry(1)]
        );
        assert_tiles(&cells, b);
    }
}
