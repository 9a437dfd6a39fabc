//! Records the versions of the crates that draw verchain's random numbers,
//! read from `Cargo.lock`, so that every simulation report can name them:
//! a distribution's algorithm may change between versions, and with it the
//! numbers a seed gives.

use std::fs;

/// The crates whose versions a simulation report names, and the variable
/// each is passed in.
const CRATES: [(&str, &str); 3] = [
    ("rand", "VERCHAIN_RAND_VERSION"),
    ("rand_distr", "VERCHAIN_RAND_DISTR_VERSION"),
    ("chacha20", "VERCHAIN_CHACHA20_VERSION"),
];

fn main() {
    println!("cargo::rerun-if-changed=Cargo.lock");
    let lock = fs::read_to_string("Cargo.lock").unwrap_or_default();
    let packages = packages(&lock);
    for (name, variable) in CRATES {
        let version = version(&packages, name).unwrap_or_else(|| "unknown".to_string());
        println!("cargo::rustc-env={variable}={version}");
    }
}

/// One `[[package]]` of the lock file: its name, version and dependencies
/// as written (`"rand 0.10.4"` where a name alone would be ambiguous).
struct Package {
    name: String,
    version: String,
    dependencies: Vec<String>,
}

fn packages(lock: &str) -> Vec<Package> {
    let quoted = |line: &str| line.split('"').nth(1).map(str::to_string);
    let mut packages = Vec::new();
    for block in lock.split("[[package]]").skip(1) {
        let (mut name, mut version, mut dependencies) = (None, None, Vec::new());
        let mut in_dependencies = false;
        for line in block.lines().map(str::trim) {
            if let Some(rest) = line.strip_prefix("name = ") {
                name = quoted(rest);
            } else if let Some(rest) = line.strip_prefix("version = ") {
                version = quoted(rest);
            } else if line.starts_with("dependencies = [") {
                in_dependencies = true;
            } else if line.starts_with(']') {
                in_dependencies = false;
            } else if in_dependencies {
                dependencies.extend(quoted(line));
            }
        }
        if let (Some(name), Some(version)) = (name, version) {
            packages.push(Package {
                name,
                version,
                dependencies,
            });
        }
    }
    packages
}

/// The version of `name` that verchain, or a crate verchain uses, depends on.
fn version(packages: &[Package], name: &str) -> Option<String> {
    let versions: Vec<&str> = packages
        .iter()
        .filter(|p| p.name == name)
        .map(|p| p.version.as_str())
        .collect();
    if let [only] = versions.as_slice() {
        return Some(only.to_string());
    }
    // Several versions in the lock file: the one named beside the name in
    // the dependencies of verchain or of the crate that brings it in.
    let prefix = format!("{name} ");
    let used = |package: &str| {
        packages
            .iter()
            .find(|p| p.name == package)?
            .dependencies
            .iter()
            .find_map(|d| d.strip_prefix(&prefix).map(str::to_string))
    };
    used("verchain").or_else(|| used("rand_distr"))
}
