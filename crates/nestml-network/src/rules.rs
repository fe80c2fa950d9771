//! NEST's connection rules: which (source, target) pairs a `connect` call creates.

use nestml_runtime::NestmlRng;
use std::collections::HashSet;

/// A connection rule, with NEST's names and defaults (`allow_autapses` and `allow_multapses`
/// true).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// Source `i` to target `i` (equal sizes).
    OneToOne,
    /// Every source to every target.
    AllToAll,
    /// Each target gets `indegree` sources drawn uniformly.
    FixedIndegree {
        /// Sources per target.
        indegree: usize,
    },
    /// Each source gets `outdegree` targets drawn uniformly.
    FixedOutdegree {
        /// Targets per source.
        outdegree: usize,
    },
    /// Each pair independently with probability `p`.
    PairwiseBernoulli {
        /// Connection probability.
        p: f64,
    },
    /// `n` pairs drawn uniformly.
    FixedTotalNumber {
        /// The number of connections.
        n: usize,
    },
}

/// A rule with NEST's `allow_autapses` / `allow_multapses` switches.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConnSpec {
    /// The connection rule.
    pub rule: Rule,
    /// A neuron may connect to itself (only matters within one population).
    pub allow_autapses: bool,
    /// A pair may be connected more than once (rules that draw).
    pub allow_multapses: bool,
}

impl From<Rule> for ConnSpec {
    fn from(rule: Rule) -> Self {
        ConnSpec { rule, allow_autapses: true, allow_multapses: true }
    }
}

impl ConnSpec {
    /// Sets `allow_autapses`.
    pub fn autapses(mut self, allow: bool) -> Self {
        self.allow_autapses = allow;
        self
    }

    /// Sets `allow_multapses`.
    pub fn multapses(mut self, allow: bool) -> Self {
        self.allow_multapses = allow;
        self
    }

    /// The pairs (source index, target index) for populations of `n_src` and `n_tgt`
    /// neurons (`same`: they are one population), in creation order.
    pub fn pairs(&self, n_src: usize, n_tgt: usize, same: bool, rng: &mut NestmlRng) -> Result<Vec<(u32, u32)>, String> {
        let excluded = |s: usize, t: usize| same && !self.allow_autapses && s == t;
        let mut out = Vec::new();
        match self.rule {
            Rule::OneToOne => {
                if n_src != n_tgt {
                    return Err(format!("one_to_one needs populations of equal size ({n_src} and {n_tgt})"));
                }
                out.extend((0..n_src).filter(|&i| !excluded(i, i)).map(|i| (i as u32, i as u32)));
            }
            Rule::AllToAll => {
                for s in 0..n_src {
                    out.extend((0..n_tgt).filter(|&t| !excluded(s, t)).map(|t| (s as u32, t as u32)));
                }
            }
            Rule::FixedIndegree { indegree } => {
                for t in 0..n_tgt {
                    for s in self.draw(indegree, n_src, |s| excluded(s, t), rng)? {
                        out.push((s as u32, t as u32));
                    }
                }
            }
            Rule::FixedOutdegree { outdegree } => {
                for s in 0..n_src {
                    for t in self.draw(outdegree, n_tgt, |t| excluded(s, t), rng)? {
                        out.push((s as u32, t as u32));
                    }
                }
            }
            Rule::PairwiseBernoulli { p } => {
                if !(0.0..=1.0).contains(&p) {
                    return Err(format!("pairwise_bernoulli needs 0 <= p <= 1, not {p}"));
                }
                for s in 0..n_src {
                    for t in 0..n_tgt {
                        if !excluded(s, t) && rng.uniform01() < p {
                            out.push((s as u32, t as u32));
                        }
                    }
                }
            }
            Rule::FixedTotalNumber { n } => {
                let possible = n_src * n_tgt - if same && !self.allow_autapses { n_src.min(n_tgt) } else { 0 };
                if !self.allow_multapses && n > possible {
                    return Err(format!("fixed_total_number: {n} connections without multapses, but only {possible} pairs exist"));
                }
                if possible == 0 && n > 0 {
                    return Err("fixed_total_number: no pair can be connected".into());
                }
                let mut seen = HashSet::new();
                while out.len() < n {
                    let (s, t) = (rng.below(n_src), rng.below(n_tgt));
                    if excluded(s, t) || (!self.allow_multapses && !seen.insert((s, t))) {
                        continue;
                    }
                    out.push((s as u32, t as u32));
                }
            }
        }
        Ok(out)
    }

    /// `k` indices below `n` drawn uniformly, none for which `excluded` holds; distinct
    /// unless multapses are allowed.
    fn draw(&self, k: usize, n: usize, excluded: impl Fn(usize) -> bool, rng: &mut NestmlRng) -> Result<Vec<usize>, String> {
        let available = (0..n).filter(|&i| !excluded(i)).count();
        if available == 0 && k > 0 || (!self.allow_multapses && k > available) {
            return Err(format!("cannot draw {k} partners from {available} without {}", if self.allow_multapses { "autapses" } else { "multapses" }));
        }
        let mut chosen = Vec::with_capacity(k);
        let mut seen = HashSet::new();
        while chosen.len() < k {
            let i = rng.below(n);
            if excluded(i) || (!self.allow_multapses && !seen.insert(i)) {
                continue;
            }
            chosen.push(i);
        }
        Ok(chosen)
    }
}

/// Uniform integers for the rules.
trait Below {
    fn below(&mut self, n: usize) -> usize;
}

impl Below for NestmlRng {
    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        ((self.uniform01() * n as f64) as usize).min(n - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rng() -> NestmlRng {
        NestmlRng::seed_from_u64(3)
    }

    #[test]
    fn deterministic_rules() {
        let one = ConnSpec::from(Rule::OneToOne).pairs(3, 3, false, &mut rng()).unwrap();
        assert_eq!(one, vec![(0, 0), (1, 1), (2, 2)]);
        assert!(ConnSpec::from(Rule::OneToOne).autapses(false).pairs(3, 3, true, &mut rng()).unwrap().is_empty());
        assert!(ConnSpec::from(Rule::OneToOne).pairs(3, 4, false, &mut rng()).is_err());
        let all = ConnSpec::from(Rule::AllToAll).autapses(false).pairs(4, 4, true, &mut rng()).unwrap();
        assert_eq!(all.len(), 12);
        assert!(all.iter().all(|(s, t)| s != t));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn fixed_indegree_is_exact(n_src in 1usize..40, n_tgt in 1usize..40, k in 0usize..10, same: bool, autapses: bool, multapses: bool, seed: u64) {
            let n_tgt = if same { n_src } else { n_tgt };
            let spec = ConnSpec::from(Rule::FixedIndegree { indegree: k }).autapses(autapses).multapses(multapses);
            let available = if same && !autapses { n_src - 1 } else { n_src };
            match spec.pairs(n_src, n_tgt, same, &mut NestmlRng::seed_from_u64(seed)) {
                Ok(pairs) => {
                    for t in 0..n_tgt as u32 {
                        let sources: Vec<u32> = pairs.iter().filter(|p| p.1 == t).map(|p| p.0).collect();
                        prop_assert_eq!(sources.len(), k);
                        prop_assert!(autapses || !same || !sources.contains(&t));
                        let distinct: HashSet<u32> = sources.iter().copied().collect();
                        prop_assert!(multapses || distinct.len() == k);
                    }
                }
                Err(_) => prop_assert!((available == 0 && k > 0) || (!multapses && k > available)),
            }
        }

        #[test]
        fn fixed_outdegree_and_total_number_counts(n in 1usize..30, k in 0usize..8, total in 0usize..100, seed: u64) {
            let mut r = NestmlRng::seed_from_u64(seed);
            let out = ConnSpec::from(Rule::FixedOutdegree { outdegree: k }).autapses(false).pairs(n, n, true, &mut r);
            if let Ok(pairs) = out {
                for s in 0..n as u32 {
                    prop_assert_eq!(pairs.iter().filter(|p| p.0 == s).count(), k);
                }
                prop_assert!(pairs.iter().all(|(s, t)| s != t));
            } else {
                prop_assert!(n == 1 && k > 0);
            }
            let spec = ConnSpec::from(Rule::FixedTotalNumber { n: total }).multapses(false);
            match spec.pairs(n, n, false, &mut r) {
                Ok(pairs) => {
                    prop_assert_eq!(pairs.len(), total);
                    prop_assert_eq!(pairs.iter().collect::<HashSet<_>>().len(), total);
                }
                Err(_) => prop_assert!(total > n * n),
            }
        }

        #[test]
        fn pairwise_bernoulli_extremes(n in 1usize..20, seed: u64) {
            let mut r = NestmlRng::seed_from_u64(seed);
            prop_assert_eq!(ConnSpec::from(Rule::PairwiseBernoulli { p: 1.0 }).autapses(false).pairs(n, n, true, &mut r).unwrap().len(), n * n - n);
            let none = ConnSpec::from(Rule::PairwiseBernoulli { p: 0.0 }).pairs(n, n, true, &mut r).unwrap();
            prop_assert!(none.is_empty());
        }
    }

    #[test]
    fn pairwise_bernoulli_rate() {
        let pairs = ConnSpec::from(Rule::PairwiseBernoulli { p: 0.1 }).pairs(300, 300, false, &mut rng()).unwrap();
        // 9,000 expected, standard deviation 90
        assert!((pairs.len() as f64 - 9000.0).abs() < 400.0, "{}", pairs.len());
    }
}
