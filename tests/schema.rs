//! `verchain schema`: the JSON Schema accepts every shipped scenario and
//! rejects each file of `tests/data/schema-invalid/`, each broken in one way
//! that a schema can state (and that `verchain check` rejects too), as
//! judged by an independent validator (the jsonschema crate). The copy in
//! `schema/`, which editors point to, must be the one the binary prints.

mod common;

use std::fs;
use std::path::PathBuf;

use common::{SHIPPED, repository, stdout_of, verchain};
use serde_json::Value;

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&stdout_of(&["schema"])).unwrap();
    // The schema is itself valid draft 7.
    assert!(jsonschema::draft7::meta::is_valid(&schema));
    jsonschema::draft7::new(&schema).unwrap()
}

/// A YAML file as the JSON value an editor validates.
fn instance(path: &PathBuf) -> Value {
    serde_saphyr::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn invalid_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(repository("tests/data/schema-invalid"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_shipped_scenario_is_valid() {
    let validator = validator();
    for file in SHIPPED {
        let value = instance(&repository(file));
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{file}: {errors:?}");
    }
}

#[test]
fn every_structurally_broken_scenario_is_rejected_by_the_schema_and_by_check() {
    let validator = validator();
    let files = invalid_files();
    assert!(files.len() >= 16, "{files:?}");
    for file in files {
        assert!(
            !validator.is_valid(&instance(&file)),
            "{} passes the schema",
            file.display()
        );
        verchain().arg("check").arg(&file).assert().code(2);
    }
}

/// A row that sums to 1.5 is beyond what a JSON Schema can say: every key
/// holds what it may, and only `verchain check` finds the sum.
#[test]
fn row_sums_are_left_to_check() {
    let printed = repository("scenarios/invalid/seed-article-as-printed.yaml");
    assert!(validator().is_valid(&instance(&printed)));
    verchain().arg("check").arg(&printed).assert().code(2);
}

#[test]
fn the_committed_schema_is_the_one_printed() {
    let committed = fs::read_to_string(repository("schema/scenario.schema.json")).unwrap();
    assert!(
        committed == stdout_of(&["schema"]),
        "schema/scenario.schema.json is out of date: run `verchain schema -o schema/scenario.schema.json`"
    );
}
