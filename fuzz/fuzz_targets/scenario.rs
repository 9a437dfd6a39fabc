//! Scenario text in, every stage a run goes through: YAML parsing,
//! validation, the exact analysis, both simulation engines, the agreement
//! tests, the summary table and the JSON document, and the what-ifs `check`
//! evaluates: expectations at the base scenario and in each phase alone, and
//! the first points of a sweep (charts and files are left
//! out: they would slow each execution a hundredfold). Whatever the bytes,
//! verchain must answer with a value, a scenario or its problems, never a
//! panic or a hang, and every problem must point inside the text it came
//! from.

#![no_main]

use libfuzzer_sys::fuzz_target;
use verchain::analysis;
use verchain::report::{self, Summary};
use verchain::scenario::{Scenario, ScenarioError};
use verchain::simulate::{self, Mode};
use verchain::sweep;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let scenario = match Scenario::parse(text, "fuzz") {
        Ok(scenario) => scenario,
        Err(ScenarioError::Yaml(_)) => return,
        Err(ScenarioError::Invalid(problems)) => {
            assert!(!problems.is_empty());
            for problem in problems {
                if let Some((start, len)) = problem.position.span {
                    let end = start + len;
                    assert!(end <= text.len(), "span {start}+{len} past the text");
                    assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
                }
            }
            return;
        }
    };

    let targets = scenario.target_states();
    let request = analysis::Request {
        targets: targets.clone(),
        epsilon: scenario.epsilon,
        ..analysis::Request::default()
    };
    let exact = analysis::analyze_with(
        &scenario.chain,
        &scenario.initial,
        scenario.horizon,
        &request,
    );
    for distribution in &exact.trajectory {
        let total: f64 = distribution.iter().sum();
        assert!((total - 1.0).abs() < 1e-6, "S_t sums to {total}");
    }
    let hitting: Vec<Vec<f64>> = exact
        .hitting
        .iter()
        .map(|h| h.pmf_from(&scenario.initial))
        .collect();

    // Walkers mode with a few walkers reaches every code path; counts mode
    // costs the same for any number of walkers, so it takes the file's.
    let walkers = scenario.simulation.walkers.max(1);
    let mut last = None;
    for (mode, walkers) in [(Mode::Walkers, walkers.min(64)), (Mode::Counts, walkers)] {
        let request = simulate::Request {
            horizon: scenario.horizon,
            walkers,
            seed: scenario.simulation.seed,
            mode,
            targets: &targets,
        };
        let simulation = simulate::run(
            scenario.chain.matrix(),
            &scenario.initial,
            &request,
            &|_| {},
        );
        let agreement = simulate::agreement(&simulation, &exact.trajectory, &hitting);
        last = Some((simulation, agreement));
    }

    let summary = Summary::new(
        &scenario,
        &exact,
        last.as_ref().map(|(simulation, agreement)| (simulation, agreement)),
    );
    let _ = report::table::render(&summary);
    serde_json::to_string(&summary).expect("a summary always serializes");

    let _ = sweep::evaluate_base(&scenario, &[]);
    let _ = sweep::evaluate_phases(&scenario);
    if let Some(grid) = &scenario.whatif.sweep {
        // A few points reach every metric and expectation; a whole grid
        // would only repeat them.
        let points = sweep::run_with(&scenario, 0..grid.len().min(4), false, &|| {});
        assert_eq!(points.len(), grid.len().min(4));
    }
});
