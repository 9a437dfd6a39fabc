//! Counts in words, for messages and reports: `1 step`, `3 steps`.

/// `n` with its noun, which takes an `s` for any number but one: `1 step`,
/// `3 steps`, `0 steps`.
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `n` with the singular or the plural given: `1 entry`, `3 entries`.
pub fn count_as(n: u64, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {plural}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_number_plural() {
        assert_eq!(count(1, "week"), "1 week");
        assert_eq!(count(0, "week"), "0 weeks");
        assert_eq!(count(20, "week"), "20 weeks");
        assert_eq!(count_as(1, "entry", "entries"), "1 entry");
        assert_eq!(count_as(2, "entry", "entries"), "2 entries");
    }
}
