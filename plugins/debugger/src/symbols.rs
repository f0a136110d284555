//! The game's symbols, read from the files that sit beside its ROM:
//! ca65/ld65 debug files (`game.dbg`: labels and a map from source lines
//! to ROM bytes), Mesen label files (`game.mlb`) and FCEUX name lists
//! (`game.nes.ram.nl`, `game.nes.N.nl` for 16 KiB bank N). Plain Rust,
//! parsed off the emulation thread; nothing here knows Bevy.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Where a label points: a CPU address (RAM, registers) or a byte of PRG
/// ROM (which a banked game maps in and out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Place {
    Cpu(u16),
    Prg(u32),
}

/// A source file of a `.dbg`, with its text when it could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub name: String,
    pub lines: Vec<String>,
}

/// A symbol file that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: line {line}: {message}")]
pub struct SymbolError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Everything known about the game's names and sources.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Symbols {
    labels: BTreeMap<Place, String>,
    by_name: HashMap<String, Place>,
    pub sources: Vec<SourceFile>,
    /// (file index, 1-based line) to the ROM bytes its code was put at.
    line_places: BTreeMap<(usize, usize), Vec<Place>>,
    /// Each place an instruction's first byte sits at, to its line.
    place_lines: BTreeMap<Place, (usize, usize)>,
    /// The files these came from, for the panel to say.
    pub loaded: Vec<String>,
}

impl Symbols {
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.sources.is_empty()
    }

    pub fn label_count(&self) -> usize {
        self.labels.len()
    }

    /// The label at a place.
    pub fn label(&self, place: Place) -> Option<&str> {
        self.labels.get(&place).map(String::as_str)
    }

    /// Where a label points.
    pub fn place_of(&self, name: &str) -> Option<Place> {
        self.by_name.get(name).copied()
    }

    /// Every label, by place.
    pub fn labels(&self) -> impl Iterator<Item = (Place, &str)> {
        self.labels.iter().map(|(p, n)| (*p, n.as_str()))
    }

    /// The ROM bytes (or CPU addresses) line `line` (1-based) of source `file` assembled to.
    pub fn places_of_line(&self, file: usize, line: usize) -> &[Place] {
        self.line_places.get(&(file, line)).map_or(&[], Vec::as_slice)
    }

    /// The source line whose code sits at `place`.
    pub fn line_of(&self, place: Place) -> Option<(usize, usize)> {
        self.place_lines.get(&place).copied()
    }

    fn add_label(&mut self, place: Place, name: &str) {
        if name.is_empty() {
            return;
        }
        self.labels.entry(place).or_insert_with(|| name.to_string());
        self.by_name.entry(name.to_string()).or_insert(place);
    }

    /// Reads every symbol file that sits beside `rom`: what was found, and
    /// the problems with files that were there but could not be used.
    pub fn beside(rom: &Path, read: &dyn Fn(&Path) -> Option<String>) -> (Symbols, Vec<SymbolError>) {
        let mut symbols = Symbols::default();
        let mut problems = Vec::new();
        let stem = rom.with_extension("");
        let dbg = stem.with_extension("dbg");
        if let Some(text) = read(&dbg) {
            let dir = dbg.parent().map(Path::to_path_buf).unwrap_or_default();
            match symbols.merge_dbg(&text, &display(&dbg), &|name| read(&dir.join(name))) {
                Ok(()) => symbols.loaded.push(display(&dbg)),
                Err(e) => problems.push(e),
            }
        }
        let mlb = stem.with_extension("mlb");
        if let Some(text) = read(&mlb) {
            match symbols.merge_mlb(&text, &display(&mlb)) {
                Ok(()) => symbols.loaded.push(display(&mlb)),
                Err(e) => problems.push(e),
            }
        }
        let base = rom.as_os_str().to_string_lossy().into_owned();
        let mut nl_files: Vec<(Option<u32>, PathBuf)> = vec![(None, PathBuf::from(format!("{base}.ram.nl")))];
        nl_files.extend((0..64).map(|bank| (Some(bank), PathBuf::from(format!("{base}.{bank:X}.nl")))));
        for (bank, path) in nl_files {
            if let Some(text) = read(&path) {
                match symbols.merge_nl(&text, bank, &display(&path)) {
                    Ok(()) => symbols.loaded.push(display(&path)),
                    Err(e) => problems.push(e),
                }
            }
        }
        (symbols, problems)
    }

    /// Adds a ca65/ld65 debug file. `source` reads a source file named in
    /// it (relative to the debug file's folder).
    pub fn merge_dbg(&mut self, text: &str, file: &str, source: &dyn Fn(&str) -> Option<String>) -> Result<(), SymbolError> {
        let err = |line: usize, message: String| SymbolError { file: file.to_string(), line, message };
        struct Seg {
            start: u32,
            /// Offset of the segment in PRG ROM, for segments in the ROM file.
            prg: Option<u32>,
        }
        let mut segs: HashMap<u32, Seg> = HashMap::new();
        let mut spans: HashMap<u32, (u32, u32)> = HashMap::new();
        let mut files: HashMap<u32, usize> = HashMap::new();
        let mut lines: Vec<(u32, usize, Vec<u32>)> = Vec::new();
        let mut syms: Vec<(String, u32, Option<u32>)> = Vec::new();
        let mut header_len = 16u32;
        if !text.trim_start().starts_with("version") {
            return Err(err(1, "not a ca65/ld65 debug file (no version line)".into()));
        }
        for (n, raw) in text.lines().enumerate() {
            let n = n + 1;
            let Some((kind, rest)) = raw.split_once(char::is_whitespace) else { continue };
            let fields = parse_fields(rest).map_err(|m| err(n, m))?;
            let num = |key: &str| -> Result<u32, SymbolError> {
                let v = fields.get(key).ok_or_else(|| err(n, format!("{kind} has no {key}")))?;
                parse_number(v).ok_or_else(|| err(n, format!("{key}={v} is not a number")))
            };
            match kind {
                "file" => {
                    let index = self.sources.len();
                    let name = fields.get("name").cloned().unwrap_or_default();
                    let lines = source(&name).map(|t| t.lines().map(str::to_string).collect()).unwrap_or_default();
                    self.sources.push(SourceFile { name, lines });
                    files.insert(num("id")?, index);
                }
                "seg" => {
                    let start = num("start")?;
                    let prg = match (fields.get("oname"), fields.get("ooffs")) {
                        (Some(_), Some(o)) => parse_number(o),
                        _ => None,
                    };
                    if fields.get("name").is_some_and(|n| n == "HEADER") {
                        header_len = num("size")?;
                    }
                    segs.insert(num("id")?, Seg { start, prg });
                }
                "span" => {
                    spans.insert(num("id")?, (num("seg")?, num("start")?));
                }
                "line" => {
                    // Macro expansions (type 2) point into the macro's body: skip them.
                    if fields.get("type").is_some_and(|t| t != "0") {
                        continue;
                    }
                    let Some(list) = fields.get("span") else { continue };
                    let ids = list.split('+').filter_map(parse_number).collect();
                    lines.push((num("file")?, num("line")? as usize, ids));
                }
                "sym" if fields.get("type").is_some_and(|t| t == "lab") => {
                    let name = fields.get("name").cloned().unwrap_or_default();
                    let seg = fields.get("seg").and_then(|s| parse_number(s));
                    syms.push((name, num("val")?, seg));
                }
                _ => {}
            }
        }
        // A ROM segment's bytes sit at file offset ooffs: PRG offset is that less the header.
        let place = |seg: u32, offset: u32| -> Option<Place> {
            let s = segs.get(&seg)?;
            match s.prg {
                Some(file_offset) if file_offset >= header_len => Some(Place::Prg(file_offset - header_len + offset)),
                Some(_) => None,
                None => u16::try_from(s.start + offset).ok().map(Place::Cpu),
            }
        };
        for (file_id, line, ids) in lines {
            let Some(&file) = files.get(&file_id) else { continue };
            let mut places: Vec<Place> = ids.iter().filter_map(|id| spans.get(id)).filter_map(|&(seg, start)| place(seg, start)).collect();
            places.sort();
            places.dedup();
            for &p in &places {
                // The first line that claims a byte is its line (a label line and its instruction share one).
                self.place_lines.entry(p).or_insert((file, line));
            }
            if !places.is_empty() {
                self.line_places.entry((file, line)).or_default().extend(places);
            }
        }
        for (name, val, seg) in syms {
            let at = seg.and_then(|s| {
                let base = segs.get(&s)?.start;
                place(s, val.checked_sub(base)?)
            });
            let at = at.or_else(|| u16::try_from(val).ok().map(Place::Cpu));
            if let Some(p) = at {
                self.add_label(p, &name);
            }
        }
        Ok(())
    }

    /// Adds a Mesen label file: `TYPE:ADDR[-END]:LABEL[:COMMENT]`, TYPE
    /// `P`/`NesPrgRom` (PRG ROM offset), `R`/`NesInternalRam`, `S`, `W`
    /// (PRG RAM at $6000), `G`/`NesMemory` (a CPU address).
    pub fn merge_mlb(&mut self, text: &str, file: &str) -> Result<(), SymbolError> {
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let bad = |m: &str| SymbolError { file: file.to_string(), line: n + 1, message: m.to_string() };
            let mut parts = line.splitn(4, ':');
            let (kind, addr, name) = (parts.next().unwrap_or(""), parts.next(), parts.next());
            let (Some(addr), Some(name)) = (addr, name) else { return Err(bad("expected TYPE:ADDRESS:LABEL")) };
            let start = addr.split('-').next().unwrap_or(addr);
            let value = u32::from_str_radix(start, 16).map_err(|_| bad("the address is not hexadecimal"))?;
            let place = match kind {
                "P" | "NesPrgRom" => Place::Prg(value),
                "R" | "NesInternalRam" => Place::Cpu((value & 0x7FF) as u16),
                "S" | "W" | "NesSaveRam" | "NesWorkRam" => Place::Cpu(0x6000 + (value & 0x1FFF) as u16),
                "G" | "NesMemory" | "Register" => Place::Cpu(value as u16),
                _ => continue,
            };
            self.add_label(place, name);
        }
        Ok(())
    }

    /// Adds an FCEUX name list: `$ADDR#LABEL#COMMENT` lines; `bank` is the
    /// 16 KiB PRG bank of a `game.nes.N.nl` file, `None` for `.ram.nl`.
    pub fn merge_nl(&mut self, text: &str, bank: Option<u32>, file: &str) -> Result<(), SymbolError> {
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || !line.starts_with('$') {
                continue;
            }
            let bad = |m: &str| SymbolError { file: file.to_string(), line: n + 1, message: m.to_string() };
            let mut parts = line[1..].splitn(3, '#');
            let addr = parts.next().unwrap_or("");
            let name = parts.next().ok_or_else(|| bad("expected $ADDRESS#LABEL#"))?;
            let value = u16::from_str_radix(addr.split('/').next().unwrap_or(addr), 16).map_err(|_| bad("the address is not hexadecimal"))?;
            let place = match bank {
                Some(bank) if value >= 0x8000 => Place::Prg(bank * 0x4000 + u32::from(value & 0x3FFF)),
                _ => Place::Cpu(value),
            };
            self.add_label(place, name);
        }
        Ok(())
    }
}

fn display(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

fn parse_number(text: &str) -> Option<u32> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// `key=value,key="quoted, value",...`
fn parse_fields(text: &str) -> Result<HashMap<String, String>, String> {
    let mut fields = HashMap::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=').ok_or_else(|| format!("'{rest}' is not key=value"))?;
        let (value, after) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"').ok_or("a quoted value is not closed")?;
            (&quoted[..end], quoted[end + 1..].trim_start_matches(','))
        } else {
            match after.split_once(',') {
                Some((v, a)) => (v, a),
                None => (after, ""),
            }
        };
        fields.insert(key.trim().to_string(), value.to_string());
        rest = after.trim();
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO_DBG: &str = include_str!("../../../assets/demo/demo.dbg");
    const DEMO_S: &str = include_str!("../../../assets/demo/demo.s");

    fn demo() -> Symbols {
        let mut s = Symbols::default();
        s.merge_dbg(DEMO_DBG, "demo.dbg", &|name| (name == "demo.s").then(|| DEMO_S.to_string())).unwrap();
        s
    }

    #[test]
    fn the_demos_debug_file_gives_labels_and_source_lines() {
        let s = demo();
        let demo_rom = include_bytes!("../../../assets/demo/demo.nes");
        // The reset vector points at the label `reset`.
        let vector = u16::from_le_bytes([demo_rom[16 + 0x3FFC], demo_rom[16 + 0x3FFD]]);
        assert_eq!(s.place_of("reset"), Some(Place::Prg(u32::from(vector) - 0xC000)));
        assert_eq!(s.label(Place::Cpu(0x0000)), Some("player_x"), "zero-page variables are CPU addresses");
        assert_eq!(s.sources[0].name, "demo.s");
        assert!(s.sources[0].lines.len() > 900);
        // The line after `main_loop:` is its first instruction, and sits where the label does.
        let label_line = DEMO_S.lines().position(|l| l.starts_with("main_loop:")).unwrap() + 1;
        let (file, line) = s.line_of(s.place_of("main_loop").unwrap()).unwrap();
        assert_eq!(file, 0);
        assert!(line > label_line && line < label_line + 4, "main_loop's code is on line {line}");
        assert_eq!(s.places_of_line(0, line)[0], s.place_of("main_loop").unwrap());
    }

    #[test]
    fn mesen_and_fceux_label_files() {
        let mut s = Symbols::default();
        s.merge_mlb("P:1A2B:banked_routine:comment\nR:0010:player_hp\nNesPrgRom:0000-0003:table\n", "x.mlb").unwrap();
        assert_eq!(s.place_of("banked_routine"), Some(Place::Prg(0x1A2B)));
        assert_eq!(s.label(Place::Cpu(0x10)), Some("player_hp"));
        assert_eq!(s.place_of("table"), Some(Place::Prg(0)));
        s.merge_nl("$C123#bank_one_entry#\n$0300#buffer#scratch\n", Some(1), "x.nes.1.nl").unwrap();
        assert_eq!(s.place_of("bank_one_entry"), Some(Place::Prg(0x4123)));
        assert_eq!(s.place_of("buffer"), Some(Place::Cpu(0x300)));
        let err = s.merge_mlb("P:zz:oops", "bad.mlb").unwrap_err();
        assert_eq!(err.to_string(), "bad.mlb: line 1: the address is not hexadecimal");
        assert!(Symbols::default().merge_dbg("nonsense here", "bad.dbg", &|_| None).unwrap_err().to_string().contains("not a ca65"));
    }

    #[test]
    fn files_beside_the_rom_are_found() {
        let dir = std::env::temp_dir().join(format!("phosphor-symbols-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("game.mlb"), "P:0010:from_mlb\n").unwrap();
        std::fs::write(dir.join("game.nes.ram.nl"), "$0042#from_nl#\n").unwrap();
        std::fs::write(dir.join("game.nes.0.nl"), "not a label line\n$ZZ80#bad#").unwrap();
        let (s, problems) = Symbols::beside(&dir.join("game.nes"), &|p| std::fs::read_to_string(p).ok());
        assert_eq!(s.place_of("from_mlb"), Some(Place::Prg(0x10)));
        assert_eq!(s.place_of("from_nl"), Some(Place::Cpu(0x42)));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].to_string().starts_with("game.nes.0.nl: line 2"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
