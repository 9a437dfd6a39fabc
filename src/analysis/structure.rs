//! The shape of a chain: communicating classes, which are closed, and periods.
//!
//! Two states communicate when each can reach the other through moves of
//! positive probability; the classes of this relation are the strongly
//! connected components of the transition graph, found here with Tarjan's
//! algorithm (Tarjan, 1972) in `O(n + edges)`, iteratively so that a long
//! chain cannot overflow the call stack. A class is closed (recurrent) when no
//! move leaves it, transient otherwise; an absorbing state is a closed class
//! of one state.
//!
//! The period of a class is the greatest common divisor of the lengths of its
//! cycles. With `level` the breadth-first distance from any root in the
//! class, it equals `gcd(level[u] + 1 − level[v])` over the moves `u → v`
//! inside the class (Denardo, 1977).

use nalgebra::DMatrix;
use serde::Serialize;

/// One communicating class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Class {
    /// State indices in increasing order.
    pub states: Vec<usize>,
    /// No move leaves the class.
    pub closed: bool,
    /// The gcd of cycle lengths; `None` for a single state with no self-loop,
    /// which lies on no cycle.
    pub period: Option<u64>,
}

/// The classes of a chain, ordered by their smallest state index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Structure {
    pub classes: Vec<Class>,
    /// States that stay put with probability 1.
    pub absorbing: Vec<usize>,
    /// States in transient classes.
    pub transient: Vec<usize>,
}

impl Structure {
    /// Finds the classes of the transition graph `{i → j : T[i, j] > 0}`.
    pub fn of(matrix: &DMatrix<f64>) -> Self {
        let n = matrix.nrows();
        let successors: Vec<Vec<usize>> = (0..n)
            .map(|i| (0..n).filter(|&j| matrix[(i, j)] > 0.0).collect())
            .collect();
        let component = strongly_connected_components(&successors);
        let count = component.iter().copied().max().map_or(0, |m| m + 1);

        let mut members: Vec<Vec<usize>> = vec![Vec::new(); count];
        for (state, &c) in component.iter().enumerate() {
            members[c].push(state);
        }
        members.sort_by_key(|states| states[0]);

        let mut index_of_state = vec![0; n];
        for (c, states) in members.iter().enumerate() {
            for &s in states {
                index_of_state[s] = c;
            }
        }
        let classes: Vec<Class> = members
            .into_iter()
            .enumerate()
            .map(|(c, states)| {
                let closed = states
                    .iter()
                    .all(|&s| successors[s].iter().all(|&t| index_of_state[t] == c));
                let period = period(&states, &successors, &index_of_state, c);
                Class {
                    states,
                    closed,
                    period,
                }
            })
            .collect();

        // A closed class of one state; not `T[i][i] == 1`, which can hold
        // in floating point beside an exit of 1e-17.
        let absorbing = classes
            .iter()
            .filter(|class| class.closed && class.states.len() == 1)
            .map(|class| class.states[0])
            .collect();
        let transient = classes
            .iter()
            .filter(|class| !class.closed)
            .flat_map(|class| class.states.iter().copied())
            .collect();
        Self {
            classes,
            absorbing,
            transient,
        }
    }

    /// The closed classes, in order.
    pub fn closed_classes(&self) -> impl Iterator<Item = &Class> {
        self.classes.iter().filter(|class| class.closed)
    }

    /// True when the whole chain is one class.
    pub fn is_irreducible(&self) -> bool {
        self.classes.len() == 1
    }
}

/// Tarjan's algorithm without recursion; returns the component of each state.
pub(crate) fn strongly_connected_components(successors: &[Vec<usize>]) -> Vec<usize> {
    const UNVISITED: usize = usize::MAX;
    let n = successors.len();
    let mut index = vec![UNVISITED; n];
    let mut lowlink = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut component = vec![UNVISITED; n];
    let mut next_index = 0;
    let mut next_component = 0;
    // Each frame is a state and how many of its successors were explored.
    let mut frames: Vec<(usize, usize)> = Vec::new();

    for root in 0..n {
        if index[root] != UNVISITED {
            continue;
        }
        frames.push((root, 0));
        while let Some(&mut (v, ref mut explored)) = frames.last_mut() {
            if *explored == 0 && index[v] == UNVISITED {
                index[v] = next_index;
                lowlink[v] = next_index;
                next_index += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = successors[v].get(*explored) {
                *explored += 1;
                if index[w] == UNVISITED {
                    frames.push((w, 0));
                } else if on_stack[w] {
                    lowlink[v] = lowlink[v].min(index[w]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                lowlink[parent] = lowlink[parent].min(lowlink[v]);
            }
            if lowlink[v] == index[v] {
                loop {
                    let w = stack.pop().expect("v is on the stack");
                    on_stack[w] = false;
                    component[w] = next_component;
                    if w == v {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

/// The period of class `c` by breadth-first levels (see the module docs).
fn period(
    states: &[usize],
    successors: &[Vec<usize>],
    class_of: &[usize],
    c: usize,
) -> Option<u64> {
    let n = successors.len();
    let mut level = vec![usize::MAX; n];
    let mut queue = std::collections::VecDeque::from([states[0]]);
    level[states[0]] = 0;
    let mut gcd_so_far: u64 = 0;
    while let Some(u) = queue.pop_front() {
        for &v in successors[u].iter().filter(|&&v| class_of[v] == c) {
            if level[v] == usize::MAX {
                level[v] = level[u] + 1;
                queue.push_back(v);
            } else {
                let difference = (level[u] + 1).abs_diff(level[v]) as u64;
                gcd_so_far = gcd(gcd_so_far, difference);
            }
        }
    }
    (gcd_so_far > 0).then_some(gcd_so_far)
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::dmatrix;

    #[test]
    fn seed_article_has_one_transient_state() {
        let t = dmatrix![
            0.0, 1.0, 0.0, 0.0;
            0.0, 0.0, 0.5, 0.5;
            0.0, 0.3, 0.0, 0.7;
            0.0, 0.8, 0.2, 0.0
        ];
        let s = Structure::of(&t);
        assert_eq!(s.classes.len(), 2);
        assert_eq!(
            s.classes[0],
            Class {
                states: vec![0],
                closed: false,
                period: None
            }
        );
        assert_eq!(
            s.classes[1],
            Class {
                states: vec![1, 2, 3],
                closed: true,
                period: Some(1)
            }
        );
        assert_eq!(s.transient, vec![0]);
        assert!(s.absorbing.is_empty());
    }

    #[test]
    fn cycles_have_their_length_as_period() {
        for n in [1usize, 2, 3, 6, 20] {
            let t = DMatrix::from_fn(n, n, |i, j| if j == (i + 1) % n { 1.0 } else { 0.0 });
            let s = Structure::of(&t);
            assert!(s.is_irreducible());
            assert_eq!(s.classes[0].period, Some(n as u64));
        }
    }

    #[test]
    fn absorbing_states_are_closed_singletons() {
        let t = dmatrix![1.0, 0.0, 0.0; 0.5, 0.0, 0.5; 0.0, 0.0, 1.0];
        let s = Structure::of(&t);
        assert_eq!(s.absorbing, vec![0, 2]);
        assert_eq!(s.closed_classes().count(), 2);
        assert_eq!(s.classes[1].period, None);
    }

    #[test]
    fn a_long_path_does_not_overflow_the_stack() {
        let n = 100_000;
        let mut successors: Vec<Vec<usize>> = (0..n - 1).map(|i| vec![i + 1]).collect();
        successors.push(vec![0]);
        let component = strongly_connected_components(&successors);
        assert!(component.iter().all(|&c| c == 0));
    }

    #[test]
    fn a_diagonal_that_rounds_to_one_is_not_absorbing() {
        // 1 − 1e-17 rounds to 1.0, yet the state can leave.
        let mut t = dmatrix![1.0, 1e-17; 0.0, 1.0];
        t[(0, 0)] = 1.0 - 1e-17;
        let s = Structure::of(&t);
        assert_eq!(s.absorbing, vec![1]);
        assert_eq!(s.transient, vec![0]);
    }
}
