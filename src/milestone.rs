//! Which live-count changes are worth saying aloud: a screen reader hears the count when it
//! passes a milestone (each 10 % of the goal, or a round number when there is no goal), not on
//! every server tick.

/// The milestone `n` stands at: the number of whole tenths of `goal` reached (at most 10), or
/// without a goal the largest round number not above `n` (1–9, 10, 20 … 90, 100, 200 …).
pub fn milestone(n: u64, goal: Option<u64>) -> u64 {
    match goal.filter(|g| *g > 0) {
        // Counts stay below 9e15 (decode), so `* 10` cannot overflow.
        Some(g) => n.min(g) * 10 / g,
        None if n == 0 => 0,
        None => {
            let p = 10u64.pow(n.ilog10());
            n / p * p
        }
    }
}

/// Whether going from `before` to `now` passes a milestone (the first known count never does:
/// it is what the visitor sees on arrival).
pub fn passed(before: Option<u64>, now: u64, goal: Option<u64>) -> bool {
    before.is_some_and(|b| now > b && milestone(now, goal) > milestone(b, goal))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenths_of_the_goal() {
        assert!(!passed(None, 1000, Some(2000)));
        assert!(!passed(Some(401), 402, Some(2000)));
        assert!(passed(Some(399), 400, Some(2000)));
        assert!(passed(Some(1999), 2000, Some(2000)));
        assert!(!passed(Some(2000), 2600, Some(2000)));
        assert!(!passed(Some(400), 399, Some(2000)));
    }

    #[test]
    fn round_numbers_without_a_goal() {
        assert_eq!(milestone(475, None), 400);
        assert!(passed(Some(499), 500, None));
        assert!(!passed(Some(500), 599, None));
        assert!(passed(Some(9_999), 10_000, None));
        assert!(passed(Some(0), 1, None));
    }
}
