//! The fair method's arithmetic: the runtime order of each round, and what a
//! row's rounds add up to (medians, spreads, paired ratios).
//!
//! Every timed cell is measured once per round, the runtimes of a round in an
//! order rotated by one place each round, so that none always runs first
//! (on this project's VM, memory left untouched for half a second is slow to
//! touch again, and the first runtime of a round paid for it). A ratio is
//! taken within a round (ours ÷ the peer's figure of the same round), and the
//! verdict is the median of those ratios, printed with their spread.

use std::collections::BTreeMap;

/// One round of a row: column → figure.
pub type Results = BTreeMap<&'static str, f64>;

/// `items` rotated left by `round` places: round 0 keeps the order, round 1
/// starts with the second item, and so on, wrapping around.
pub fn rotated<T: Copy>(items: &[T], round: usize) -> Vec<T> {
    let k = if items.is_empty() { 0 } else { round % items.len() };
    items[k..].iter().chain(&items[..k]).copied().collect()
}

/// The median of `values` (the mean of the middle two for an even count), or
/// `None` if there are none.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// A ratio over rounds: its median and its range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// Median over the rounds.
    pub median: f64,
    /// Smallest round.
    pub min: f64,
    /// Largest round.
    pub max: f64,
}

impl Spread {
    /// The spread of `values`, or `None` if there are none.
    pub fn of(values: &[f64]) -> Option<Spread> {
        let median = median(values)?;
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some(Spread { median, min, max })
    }
}

/// What a row's rounds add up to.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Each column's median figure.
    pub medians: Results,
    /// Each column's figures over the rounds.
    pub figures: BTreeMap<&'static str, Spread>,
    /// Per column, the median over rounds of ours ÷ that column (rounds in
    /// which both ran).
    pub paired: BTreeMap<&'static str, Spread>,
    /// Ours ÷ the best of `peers` within each round.
    pub best_peer: Option<Spread>,
    /// The peer that was best in most rounds (the first in `peers` on a tie).
    pub best_peer_name: Option<&'static str>,
}

impl Summary {
    /// Sums up `rounds` of one row; `ours` is our column, `peers` the columns
    /// whose best is the yardstick.
    pub fn of(rounds: &[Results], ours: &str, peers: &[&'static str]) -> Summary {
        let mut columns: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
        let mut ratios: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
        let mut best_ratios = Vec::new();
        let mut best_counts: BTreeMap<&'static str, usize> = BTreeMap::new();
        for round in rounds {
            for (&c, &v) in round {
                columns.entry(c).or_default().push(v);
            }
            let Some(&o) = round.get(ours) else { continue };
            for (&c, &v) in round {
                ratios.entry(c).or_default().push(o / v);
            }
            let best = peers.iter().filter_map(|p| round.get(p).map(|v| (*p, *v))).min_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((peer, v)) = best {
                best_ratios.push(o / v);
                *best_counts.entry(peer).or_default() += 1;
            }
        }
        let most = best_counts.values().copied().max().unwrap_or(0);
        Summary {
            medians: columns.iter().filter_map(|(c, v)| Some((*c, median(v)?))).collect(),
            figures: columns.iter().filter_map(|(c, v)| Some((*c, Spread::of(v)?))).collect(),
            paired: ratios.iter().filter_map(|(c, v)| Some((*c, Spread::of(v)?))).collect(),
            best_peer: Spread::of(&best_ratios),
            best_peer_name: peers.iter().copied().find(|p| most > 0 && best_counts.get(p) == Some(&most)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runtime_leads_one_round_in_turn() {
        let order = ["a", "b", "c"];
        assert_eq!(rotated(&order, 0), ["a", "b", "c"]);
        assert_eq!(rotated(&order, 1), ["b", "c", "a"]);
        assert_eq!(rotated(&order, 2), ["c", "a", "b"]);
        assert_eq!(rotated(&order, 3), ["a", "b", "c"]);
        assert_eq!(rotated::<&str>(&[], 5), Vec::<&str>::new());
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    fn round(figures: &[(&'static str, f64)]) -> Results {
        figures.iter().copied().collect()
    }

    #[test]
    fn ratios_are_paired_within_a_round_and_the_verdict_is_their_median() {
        // Round 2 is slow for everyone (a contended period): paired ratios
        // stay 0.5, while the ratio of medians would not see it either way.
        let rounds = [
            round(&[("ours", 5.0), ("p", 10.0), ("q", 12.0), ("floor", 2.5)]),
            round(&[("ours", 10.0), ("p", 20.0), ("q", 40.0), ("floor", 5.0)]),
            round(&[("ours", 6.0), ("p", 20.0), ("q", 10.0), ("floor", 3.0)]),
        ];
        let s = Summary::of(&rounds, "ours", &["p", "q"]);
        assert_eq!(s.medians["ours"], 6.0);
        assert_eq!(s.medians["p"], 20.0);
        assert_eq!(s.figures["ours"], Spread { median: 6.0, min: 5.0, max: 10.0 });
        assert_eq!(s.paired["floor"], Spread { median: 2.0, min: 2.0, max: 2.0 });
        assert_eq!(s.paired["p"], Spread { median: 0.5, min: 0.3, max: 0.5 });
        // Best peer per round: p (0.5), p (0.5), q (0.6).
        assert_eq!(s.best_peer, Some(Spread { median: 0.5, min: 0.5, max: 0.6 }));
        assert_eq!(s.best_peer_name, Some("p"));
    }

    #[test]
    fn a_round_without_our_figure_gives_no_ratio() {
        let rounds = [round(&[("p", 10.0)]), round(&[("ours", 4.0), ("p", 8.0)])];
        let s = Summary::of(&rounds, "ours", &["p"]);
        assert_eq!(s.best_peer, Some(Spread { median: 0.5, min: 0.5, max: 0.5 }));
        assert_eq!(s.medians["p"], 9.0);
    }
}
