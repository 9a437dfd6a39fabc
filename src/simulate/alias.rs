//! Walker's alias method (Walker, 1977; construction by Vose, 1991): draw from
//! a discrete distribution over `n` outcomes in `O(1)` with one 64-bit random
//! word.
//!
//! The table has `n` columns; column `k` keeps outcome `k` with probability
//! `keep[k] / 2^64` and otherwise yields `alias[k]`. One word `x` picks the
//! column as the high part of `x · n` (a 128-bit product, so every column is
//! equally likely up to `n / 2^64`) and the low part serves as the uniform
//! number compared with `keep[k]`, so no second draw is needed.

use rand::Rng;

/// An alias table for one distribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasTable {
    /// `floor(q_k · 2^64)`, or `u64::MAX` for a column whose alias is itself.
    keep: Vec<u64>,
    alias: Vec<u32>,
}

impl AliasTable {
    /// Builds the table for `weights` (non-negative, not all zero).
    ///
    /// # Panics
    ///
    /// When every weight is zero or there are more than `u32::MAX` outcomes;
    /// callers pass rows of a validated chain or a validated distribution.
    pub fn new(weights: &[f64]) -> Self {
        let n = weights.len();
        assert!(
            n > 0 && n <= u32::MAX as usize,
            "alias table of {n} outcomes"
        );
        let total: f64 = weights.iter().sum();
        assert!(total > 0.0, "alias table of zero weights");

        // Scaled so that the average column holds exactly 1.
        let mut scaled: Vec<f64> = weights.iter().map(|w| w / total * n as f64).collect();
        let mut keep = vec![u64::MAX; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&k| scaled[k] < 1.0);

        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            keep[s] = to_threshold(scaled[s]);
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // What is left holds 1 up to rounding: it keeps itself (alias = self).
        Self { keep, alias }
    }

    /// Draws one outcome.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        self.sample_word(rng.next_u64())
    }

    /// The outcome for one uniformly random 64-bit word.
    #[inline]
    pub fn sample_word(&self, word: u64) -> usize {
        let product = u128::from(word) * self.keep.len() as u128;
        let column = (product >> 64) as usize;
        let kept = (product as u64) < self.keep[column];
        std::hint::select_unpredictable(kept, column, self.alias[column] as usize)
    }
}

/// The alias tables of every row of a transition matrix, flattened so that
/// one step of a walker reads one entry: column `k` of row `i` is at
/// `i · n + k`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowTables {
    n: usize,
    entries: Vec<Column>,
}

/// One column of an alias table: keep the column's own outcome when the
/// uniform word is below `keep`, otherwise take `alias`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Column {
    keep: u64,
    alias: u32,
}

impl RowTables {
    /// One table per row; each row must have a positive sum.
    pub fn new<'a>(rows: impl IntoIterator<Item = &'a [f64]>) -> Self {
        let (mut entries, mut n) = (Vec::new(), 0);
        for row in rows {
            let table = AliasTable::new(row);
            n = row.len();
            entries.extend(
                table
                    .keep
                    .iter()
                    .zip(&table.alias)
                    .map(|(&keep, &alias)| Column { keep, alias }),
            );
        }
        Self { n, entries }
    }

    /// The number of states.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Always false: a chain has at least one state.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The next state from `state` for one uniformly random word.
    #[inline]
    pub fn next_state(&self, state: u32, word: u64) -> u32 {
        let product = u128::from(word) * self.n as u128;
        let column = (product >> 64) as usize;
        let entry = self.entries[state as usize * self.n + column];
        // The comparison is a coin flip no branch predictor can learn: ask
        // for a conditional move instead of a branch.
        std::hint::select_unpredictable((product as u64) < entry.keep, column as u32, entry.alias)
    }
}

/// `floor(q · 2^64)` for `q` in `[0, 1)`.
fn to_threshold(q: f64) -> u64 {
    // 2^64 as f64 is exact; the product of q < 1 with it stays below 2^64.
    (q.max(0.0) * 18_446_744_073_709_551_616.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exact probability of each outcome, summed over all 2^64 words
    /// column by column: column k yields k for `keep[k]` of its `2^64 / n`
    /// words (approximately) and `alias[k]` for the others.
    fn implied(table: &AliasTable) -> Vec<f64> {
        let n = table.keep.len();
        let mut p = vec![0.0; n];
        for k in 0..n {
            let kept = if table.alias[k] as usize == k {
                1.0
            } else {
                table.keep[k] as f64 / 2f64.powi(64)
            };
            p[k] += kept / n as f64;
            p[table.alias[k] as usize] += (1.0 - kept) / n as f64;
        }
        p
    }

    #[test]
    fn reproduces_the_weights() {
        let cases: [&[f64]; 5] = [
            &[1.0],
            &[0.5, 0.5],
            &[0.0, 0.3, 0.7],
            &[0.1, 0.2, 0.3, 0.4],
            &[1e-10, 0.0, 1.0 - 1e-10, 0.0, 0.0],
        ];
        for weights in cases {
            let p = implied(&AliasTable::new(weights));
            for (got, want) in p.iter().zip(weights) {
                assert!((got - want).abs() < 1e-15, "{weights:?}: {p:?}");
            }
        }
    }

    #[test]
    fn row_tables_agree_with_single_tables() {
        let rows: [&[f64]; 3] = [&[0.2, 0.8, 0.0], &[0.0, 0.0, 1.0], &[0.5, 0.25, 0.25]];
        let tables = RowTables::new(rows);
        for (i, row) in rows.iter().enumerate() {
            let single = AliasTable::new(row);
            for word in (0..1000u64).map(|k| k.wrapping_mul(0x9E37_79B9_7F4A_7C15)) {
                assert_eq!(
                    tables.next_state(i as u32, word) as usize,
                    single.sample_word(word)
                );
            }
        }
    }

    #[test]
    fn never_draws_an_impossible_outcome() {
        let table = AliasTable::new(&[0.0, 1.0, 0.0]);
        for word in [0, 1, u64::MAX / 3, u64::MAX / 2, u64::MAX - 1, u64::MAX] {
            assert_eq!(table.sample_word(word), 1);
        }
    }
}
