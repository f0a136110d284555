//! Turns roms.tsv into one #[test] per conformance ROM.

use std::fmt::Write as _;

fn main() {
    println!("cargo::rerun-if-changed=roms.tsv");
    let table = std::fs::read_to_string("roms.tsv").expect("roms.tsv beside build.rs");
    let mut out = String::new();
    let mut names = std::collections::HashSet::new();
    for (n, line) in table.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [path, frames, buttons] = cols[..] else {
            panic!("roms.tsv line {}: expected 3 tab-separated columns, got {line:?}", n + 1);
        };
        let frames: u64 = frames.parse().unwrap_or_else(|_| panic!("roms.tsv line {}: bad frame count", n + 1));
        let mut name: String = path
            .trim_end_matches(".nes")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
            .collect();
        if buttons != "-" {
            name.push_str("_holding_");
            name.push_str(&buttons.replace('+', "_"));
        }
        assert!(names.insert(name.clone()), "roms.tsv line {}: duplicate test {name}", n + 1);
        writeln!(out, "#[test]\nfn {name}() {{ phosphor_conformance::check({path:?}, {frames}, {buttons:?}); }}").unwrap();
    }
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("roms.rs");
    std::fs::write(dest, out).unwrap();
}
