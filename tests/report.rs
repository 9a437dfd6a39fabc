//! The files a reviewer reads: `report.md` of every shipped scenario as a
//! golden file, its Mermaid block through Mermaid's parser, its links to
//! files that exist, and every chart decoded (PNG) or parsed (SVG) by a
//! real decoder and XML parser.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{SHIPPED, mermaid_parses, stem, verchain};

/// Runs `file` into a fresh folder and returns the folder and the
/// scenario's results folder in it.
fn run(file: &str, extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap().to_string();
    let mut args = vec!["run", file, "-q", "--output", &out];
    args.extend(extra);
    verchain().args(&args).assert().success();
    let folder = dir.path().join(stem(file));
    (dir, folder)
}

/// The text between ```` ```mermaid ```` and the closing fence.
fn mermaid_block(report: &str) -> Option<&str> {
    let start = report.find("```mermaid\n")? + "```mermaid\n".len();
    let end = report[start..].find("```")?;
    Some(&report[start..start + end])
}

/// The targets of the Markdown image links `![…](target)`.
fn image_links(report: &str) -> Vec<&str> {
    report
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .collect()
}

#[test]
fn golden_reports_that_link_only_files_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut diagrams = Vec::new();
    for file in SHIPPED {
        // Fewer walkers than the default keep the test quick in a debug build.
        let (_keep, folder) = run(file, &["--walkers", "20000"]);
        let report = fs::read_to_string(folder.join("report.md")).unwrap();
        insta::assert_snapshot!(format!("{}.report.md", stem(file)), report);

        let links = image_links(&report);
        assert!(
            links.contains(&"matrix.svg") && links.contains(&"occupancy.svg"),
            "{file}"
        );
        for link in links {
            assert!(
                !link.contains('/'),
                "{file}: link {link} is not relative to the report"
            );
            assert!(
                folder.join(link).is_file(),
                "{file}: report.md links {link}, which is not written"
            );
        }
        let block = mermaid_block(&report).expect("a Mermaid block");
        let path = dir.path().join(format!("{}.mmd", stem(file)));
        fs::write(&path, block).unwrap();
        diagrams.push(path);
    }
    mermaid_parses(&diagrams);
}

#[test]
fn a_report_without_simulation_or_targets_says_so() {
    let (_keep, folder) = run(SHIPPED[1], &["--walkers", "0"]);
    let report = fs::read_to_string(folder.join("report.md")).unwrap();
    assert!(report.contains("**Monte Carlo**: not run (walkers: 0)."));
    assert!(!report.contains("| simulated |"));
    assert!(report.starts_with("# mlflow-registry\n"));
}

/// The width and height of a PNG, decoded in full.
fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    // A chart is not a blank canvas: it has dark ink and white paper.
    let bytes = &pixels[..frame.buffer_size()];
    assert!(
        bytes.iter().any(|&b| b < 64) && bytes.contains(&255),
        "{}",
        path.display()
    );
    (frame.width, frame.height)
}

#[test]
fn every_chart_decodes_at_its_size_and_every_svg_is_xml() {
    for file in SHIPPED {
        let (_keep, folder) = run(file, &["--walkers", "10000"]);
        let mut charts = 0;
        for entry in fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            match path.extension().and_then(|e| e.to_str()) {
                Some("png") => {
                    assert_eq!(png_size(&path), (1200, 700), "{}", path.display());
                    charts += 1;
                }
                Some("svg") => {
                    let text = fs::read_to_string(&path).unwrap();
                    let document = roxmltree::Document::parse(&text)
                        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    let root = document.root_element();
                    assert_eq!(root.tag_name().name(), "svg");
                    assert_eq!(root.attribute("width"), Some("1200"));
                    assert_eq!(root.attribute("height"), Some("700"));
                    // The title is written as text, not only drawn.
                    let texts: String = document.descendants().filter_map(|n| n.text()).collect();
                    assert!(texts.contains(stem(file)), "{}", path.display());
                    // No label is cut: names that are too wide wrap, turn or
                    // are numbered instead ("PendingManual…" was one).
                    assert!(!texts.contains('…'), "{}: a label is cut", path.display());
                }
                _ => {}
            }
        }
        // matrix, occupancy, stationary and convergence, and hitting with targets.
        assert!(charts >= 4, "{file}: {charts} charts");
    }
}

/// The seed article's chain settles at π = (0, 86, 60, 85) / 231 (solved by
/// hand from π T = π), and versions reach `deploy` after 3.5 cycles on
/// average: the report shows those numbers.
#[test]
fn the_report_shows_the_exact_answers() {
    let (_keep, folder) = run(SHIPPED[0], &["--walkers", "0"]);
    let report = fs::read_to_string(folder.join("report.md")).unwrap();
    for (state, numerator) in [("test", 86.0), ("deploy", 60.0), ("update", 85.0)] {
        let row = format!("| `{state}` | {:.4} |", numerator / 231.0);
        assert!(report.contains(&row), "{row} not in the report");
    }
    assert!(report.contains("| `deploy` | 1.0000 | 3.5000 | 3.5000 | 2 | 6 | 12 |"));
    assert!(report.contains("Versions start in `develop`."));
}

/// Twelve states: the names, too wide for the heatmap's columns, are numbered
/// there and written whole everywhere (they were cut to `state_nu…`).
#[test]
fn twelve_states_are_named_whole_and_numbered_in_the_heatmap() {
    let dir = tempfile::tempdir().unwrap();
    let states: Vec<String> = (0..12).map(|i| format!("state_number_{i}")).collect();
    let rows: Vec<String> = (0..12)
        .map(|i| {
            format!(
                "  {}: {{{}: 0.5, {}: 0.5}}",
                states[i],
                states[i],
                states[(i + 1) % 12]
            )
        })
        .collect();
    let yaml = format!(
        "name: twelve\nstates: [{}]\ntransitions:\n{}\n",
        states.join(", "),
        rows.join("\n")
    );
    let file = dir.path().join("twelve.yaml");
    fs::write(&file, yaml).unwrap();
    let out = dir.path().join("out");
    let args = [
        "run",
        file.to_str().unwrap(),
        "-q",
        "--walkers",
        "1000",
        "-o",
    ];
    verchain().args(args).arg(&out).assert().success();

    let text = |chart: &str| fs::read_to_string(out.join("twelve").join(chart)).unwrap();
    let lines = |svg: String| svg.lines().map(str::to_string).collect::<Vec<_>>();
    let (occupancy, matrix) = (lines(text("occupancy.svg")), lines(text("matrix.svg")));
    for (k, state) in (1..).zip(&states) {
        assert!(occupancy.contains(state), "{state} not in the legend");
        assert!(
            matrix.contains(&format!("{state} ({k})")),
            "{state} not numbered"
        );
        assert!(matrix.contains(&k.to_string()), "column {k} not numbered");
    }
    assert!(!text("stationary.svg").contains('…'));
}
