//! The example registry history in `scenarios/histories/` is generated from
//! `scenarios/canary-rollout.yaml` with a fixed seed. This test generates it
//! again and compares it byte for byte with the shipped file
//! (`VERCHAIN_REGENERATE=1 cargo test --test histories` rewrites it), then
//! fits it and checks that the fit finds what the generator put in.

use std::collections::BTreeMap;
use std::fmt::Write;

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};
use verchain::fit::read::ReadOptions;
use verchain::fit::{self, Choice, Request, Semantics};
use verchain::scenario::Scenario;

const SCENARIO: &str = include_str!("../scenarios/canary-rollout.yaml");
const HISTORY: &str = "scenarios/histories/canary-registry.csv";
const LABELS: &str = include_str!("../scenarios/histories/canary-labels.yaml");
const SEED: u64 = 2025;
const VERSIONS: usize = 400;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
/// 2025-01-01T00:00:00Z.
const START: i64 = 1_735_689_600_000;
/// The export is taken on 2025-07-01T00:00:00Z.
const EXPORT: i64 = START + 181 * DAY;

/// Each source's label for the scenario's states, in the scenario's order
/// (candidate, canary, production, canary_aborted, prod_rollback, archived).
const SOURCES: [(&str, [&str; 6]); 3] = [
    (
        "registry",
        [
            "None",
            "Staging",
            "Production",
            "Rejected",
            "RolledBack",
            "Archived",
        ],
    ),
    (
        "flagger",
        [
            "Initialized",
            "Progressing",
            "Succeeded",
            "Failed",
            "RolledBack",
            "Terminated",
        ],
    ),
    (
        "argo-rollouts",
        [
            "Pending",
            "Progressing",
            "Healthy",
            "Degraded",
            "RolledBack",
            "ScaledDown",
        ],
    ),
];

struct Event {
    arrival: i64,
    id: String,
    version: usize,
    time: i64,
    from: Option<usize>,
    to: usize,
    source: usize,
}

fn format_time(ms: i64, source: usize) -> String {
    // The registry writes local time with its offset, Argo epoch
    // milliseconds, Flagger UTC.
    match source {
        2 => ms.to_string(),
        _ => {
            let t = OffsetDateTime::from_unix_timestamp(ms / 1000).unwrap();
            let t = if source == 0 {
                t.to_offset(UtcOffset::from_hms(2, 0, 0).unwrap())
            } else {
                t
            };
            t.format(&Rfc3339).unwrap()
        }
    }
}

/// The history: one walk of the chain per version, one cycle a day, one
/// event per change of state.
fn generate() -> String {
    let scenario = Scenario::parse(SCENARIO, "canary-rollout").unwrap();
    let matrix = scenario.chain.matrix();
    let n = matrix.nrows();
    let archived = n - 1;
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut events = Vec::new();
    let mut next_id = 0;
    for version in 0..VERSIONS {
        let source = rng.random_range(0..SOURCES.len());
        let registered = START + rng.random_range(0..180 * 24 * 60) * 60_000;
        let mut state = 0;
        let mut push = |events: &mut Vec<Event>,
                        time: i64,
                        from: Option<usize>,
                        to: usize,
                        rng: &mut ChaCha8Rng| {
            next_id += 1;
            // Delivery takes up to a day and a half, so rows arrive out of
            // time order; 3% are delivered twice, 1% also reach a second
            // collector under a new id.
            let delivered = |rng: &mut ChaCha8Rng| time + rng.random_range(0..36 * 60) * 60_000;
            let id = format!("evt-{next_id:05}");
            let copies = if rng.random::<f64>() < 0.03 { 2 } else { 1 };
            for _ in 0..copies {
                let arrival = delivered(rng);
                events.push(Event {
                    arrival,
                    id: id.clone(),
                    version,
                    time,
                    from,
                    to,
                    source,
                });
            }
            if rng.random::<f64>() < 0.01 {
                let arrival = delivered(rng);
                events.push(Event {
                    arrival,
                    id: format!("{id}-copy"),
                    version,
                    time,
                    from,
                    to,
                    source,
                });
            }
        };
        push(&mut events, registered, None, 0, &mut rng);
        for cycle in 1.. {
            let u: f64 = rng.random();
            let mut acc = 0.0;
            let next = (0..n)
                .find(|&j| {
                    acc += matrix[(state, j)];
                    u < acc
                })
                .unwrap_or(n - 1);
            // A move of cycle k happens in the two hours before its end.
            let time = registered + cycle * DAY - rng.random_range(0..120) * 60_000;
            if time > EXPORT {
                break;
            }
            if next != state {
                push(&mut events, time, Some(state), next, &mut rng);
                state = next;
            }
            if state == archived {
                break;
            }
        }
    }
    events.sort_by_key(|e| (e.arrival, e.id.clone()));
    let mut text = String::from("event_id,version_id,timestamp,from_state,to_state,source\n");
    for e in &events {
        let labels = SOURCES[e.source].1;
        // Argo Rollouts status changes carry no previous state.
        let from = match (e.from, e.source) {
            (Some(f), 0 | 1) => labels[f],
            _ => "",
        };
        let _ = writeln!(
            text,
            "{},model-{:03},{},{from},{},{}",
            e.id,
            e.version + 1,
            format_time(e.time, e.source),
            labels[e.to],
            SOURCES[e.source].0
        );
    }
    text
}

#[test]
fn the_shipped_history_is_the_generated_one() {
    let generated = generate();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(HISTORY);
    if std::env::var_os("VERCHAIN_REGENERATE").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let shipped = std::fs::read_to_string(&path).unwrap();
    assert!(
        shipped == generated,
        "{HISTORY} differs from what the generator makes"
    );
}

fn fit_shipped(choice: Choice) -> fit::FitSummary {
    let scenario = Scenario::parse(SCENARIO, "canary-rollout").unwrap();
    let map: BTreeMap<String, String> = serde_saphyr::from_str(LABELS).unwrap();
    let text = generate();
    let request = Request {
        read: ReadOptions {
            state_map: Some(&map),
            ..ReadOptions::default()
        },
        choice,
        observed_to: Some("2025-07-01T00:00:00Z".into()),
        policy: Some(&scenario.chain),
        ..Request::default()
    };
    fit::fit(text.as_bytes(), &request).unwrap()
}

#[test]
fn the_fit_finds_what_the_generator_put_in() {
    let summary = fit_shipped(Choice::Default);
    assert_eq!(summary.semantics, Semantics::Jump);
    assert_eq!(summary.versions, VERSIONS);
    let c = &summary.cleaning;
    assert!(
        c.duplicate_event_ids > 0 && c.duplicate_rows > 0 && c.out_of_order > 0,
        "{c:?}"
    );
    // Argo rows carry no from_state; the others agree with the order of events.
    assert_eq!(c.from_mismatches, 0);
    assert!(summary.censored_versions > 0);
    assert_eq!(summary.sources.len(), 3);
    let comparison = summary.comparison.as_ref().unwrap();
    assert!(
        comparison.forbidden.is_empty(),
        "{:?}",
        comparison.forbidden
    );
    assert!(comparison.agrees, "{comparison:?}");
    // Production holds for a geometric number of cycles, mean 1 / 0.1 = 10
    // days, less up to two hours: the exponential-model mean lies near it.
    let production = &summary.holding[2];
    let mean = production.mean_exponential.unwrap();
    assert!(
        (mean - 10.0).abs() < 2.0,
        "production holding mean {mean} days"
    );
}

#[test]
fn sampled_daily_the_history_is_the_daily_policy() {
    let summary = fit_shipped(Choice::Step("1d".into()));
    assert_eq!(summary.semantics, Semantics::Step { step: DAY });
    let comparison = summary.comparison.as_ref().unwrap();
    assert!(comparison.agrees, "{comparison:?}");
    // Moves happen at most once a cycle, so none collapse.
    assert_eq!(summary.collapsed, 0);
    let stay = summary.estimate.rows[2].probabilities[2];
    assert!((stay - 0.9).abs() < 0.02, "production stays {stay}");
}
