//! Event histories in, a fit out: reading CSV or JSON Lines, cleaning,
//! counting under each step semantics, estimating, the homogeneity test, the
//! table, the JSON document and the fitted scenario. The first byte of the
//! input picks the format and the semantics; the rest is the file. Whatever
//! the bytes, the fit must answer with a value, never a panic or a hang, and
//! a fitted scenario must be one that `verchain run` accepts.

#![no_main]

use libfuzzer_sys::fuzz_target;
use verchain::fit::read::Format;
use verchain::fit::{self, Choice, Request};
use verchain::report::{fit_files, fit_table};
use verchain::scenario::Scenario;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, text)) = data.split_first() else {
        return;
    };
    let mut request = Request::default();
    request.read.format = if selector & 1 == 0 {
        Format::Csv
    } else {
        Format::JsonLines
    };
    request.choice = match (selector >> 1) % 5 {
        0 => Choice::Default,
        1 => Choice::Jump,
        2 => Choice::Rows,
        3 => Choice::Step("1d".to_string()),
        _ => Choice::Step("3".to_string()),
    };
    if selector & 0x40 != 0 {
        request.smoothing = 0.5;
    }
    if selector & 0x80 != 0 {
        // As the command line reads a file: whole, its size known.
        request.read.expected_bytes = Some(text.len() as u64);
    }
    let Ok(summary) = fit::fit(text, &request) else {
        return;
    };

    let _ = fit_table::render(&summary, "fuzz", None);
    serde_json::to_string(&summary).expect("a fit always serializes");
    let yaml = fit_files::fitted_scenario(&summary, "fuzz-fitted", "fuzz");
    if let Err(e) = Scenario::parse(&yaml, "fuzz-fitted") {
        panic!("the fitted scenario does not parse: {e:?}\n{yaml}");
    }
});
