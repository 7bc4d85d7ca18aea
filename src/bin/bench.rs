//! The province-scale benchmark (see BENCHMARKS.md). For each size N it generates (once) a month
//! of N township workbooks with 11 months of history (`gen-bench`), then measures on the same
//! files, alternating, `--repeat` times after `--warmup` unmeasured rounds:
//!
//! - (a) the floor: calamine opening every file and reading every cell of every sheet, nothing
//!   else, in parallel on all cores (rayon), in a child process;
//! - (b) `zhenxing run` end to end, in a child process;
//!
//! and reports the median wall time of each, the ratio b/a, files per second, CPU time and the
//! peak resident memory (VmHWM) of each child, and the machine load.
//!
//! Run: `cargo run --release --bin bench -- --sizes 500,1000,2000`
//! (`--zhenxing target/release/zhenxing` times that binary instead of this one's copy of `run`).

#[path = "gen-bench.rs"]
#[allow(dead_code)]
mod gen_bench;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use clap::Parser;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use zhenxing::period::Period;

#[derive(Debug, Parser)]
#[command(name = "bench", about = "省级规模基准测试：calamine 读取下限 vs zhenxing run 全流程")]
struct BenchArgs {
    /// Folder for the generated data (one sub-folder `n<N>` per size).
    #[arg(long, default_value = "/var/tmp/zhenxing-bench")]
    dir: PathBuf,
    /// Numbers of townships to measure.
    #[arg(long, value_delimiter = ',', default_value = "500,1000,2000")]
    sizes: Vec<usize>,
    /// Measured rounds per size (each: floor, then run).
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Unmeasured rounds first (page cache, first write of the period's partition).
    #[arg(long, default_value_t = 1)]
    warmup: usize,
    /// Regenerate the data even if the folder has it.
    #[arg(long)]
    regen: bool,
    /// Time this zhenxing binary instead of this binary's copy of `run` (peak memory is then
    /// polled from /proc every 5 ms).
    #[arg(long)]
    zhenxing: Option<PathBuf>,
    /// Also write the results as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    #[arg(long, default_value = "2024-12")]
    period: String,
}

/// What a child process reports about itself.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ChildStats {
    wall: f64,
    cpu: f64,
    peak_rss_kb: u64,
    files: usize,
    cells: u64,
    checksum: u64,
    exit_code: i32,
}

/// One size's result.
#[derive(Debug, Clone, Serialize)]
struct SizeResult {
    townships: usize,
    files: usize,
    megabytes: f64,
    cells: u64,
    floor_wall: Vec<f64>,
    run_wall: Vec<f64>,
    floor_median: f64,
    run_median: f64,
    /// The hostile-file guard alone (read, sniff, check every zip entry), median wall time.
    guard_median: f64,
    guard_cpu: f64,
    ratio: f64,
    files_per_second: f64,
    floor_cpu: f64,
    run_cpu: f64,
    floor_peak_mb: f64,
    run_peak_mb: f64,
    run_exit_code: i32,
    /// Phase timings `run` logged (last run).
    run_phases: String,
    report: ReportCheck,
    load_before: String,
    load_after: String,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("__floor") => child_floor(&args[2..]),
        Some("__guard") => child_guard(&args[2..]),
        Some("__run") => child_run(&args[2..]),
        Some("__calamine") => child_calamine(&args[2..]),
        _ => {
            let bench = BenchArgs::parse();
            if let Err(e) = run_bench(&bench) {
                eprintln!("错误：{e}");
                std::process::exit(3);
            }
        }
    }
}

// ---------------------------------------------------------------- children

/// Peak resident set (kB) and CPU seconds (user + system) of this process.
fn self_usage() -> (u64, f64) {
    let (cpu, peak) = zhenxing::pipeline::diag::usage();
    (peak.unwrap_or(0), cpu.unwrap_or(0.0))
}

fn write_stats(path: &str, stats: &ChildStats) {
    let json = serde_json::to_vec(stats).expect("serialisable");
    if let Err(e) = std::fs::write(path, json) {
        eprintln!("bench: cannot write {path}: {e}");
        std::process::exit(3);
    }
}

/// `__floor STATS PERIOD_DIR INPUT_ROOT`: calamine reads every cell of every file, in parallel.
fn child_floor(args: &[String]) {
    use calamine::{Data, Reader, open_workbook_auto};
    let clock = Instant::now();
    let (stats_path, period_dir, root) = (&args[0], Path::new(&args[1]), Path::new(&args[2]));
    let files = zhenxing::ingest::discover(period_dir, root).expect("period folder readable");
    let per_file: Vec<(u64, u64)> = files
        .par_iter()
        .map(|f| {
            let mut workbook = open_workbook_auto(&f.path).expect("calamine opens the generated file");
            let mut cells = 0u64;
            let mut checksum = 0u64;
            for name in workbook.sheet_names() {
                let range = workbook.worksheet_range(&name).expect("calamine reads the sheet");
                for row in range.rows() {
                    for cell in row {
                        cells += 1;
                        checksum = checksum.wrapping_mul(31).wrapping_add(match cell {
                            Data::Empty => 0,
                            Data::String(s) => s.len() as u64,
                            Data::Float(x) => x.to_bits(),
                            Data::Int(i) => *i as u64,
                            Data::Bool(b) => *b as u64,
                            Data::DateTime(d) => d.as_f64().to_bits(),
                            Data::DateTimeIso(s) | Data::DurationIso(s) => s.len() as u64,
                            Data::Error(_) => 7,
                        });
                    }
                }
            }
            std::hint::black_box((cells, checksum))
        })
        .collect();
    let wall = clock.elapsed().as_secs_f64();
    let (peak_rss_kb, cpu) = self_usage();
    let stats = ChildStats {
        wall,
        cpu,
        peak_rss_kb,
        files: files.len(),
        cells: per_file.iter().map(|p| p.0).sum(),
        checksum: per_file.iter().fold(0u64, |a, p| a ^ p.1),
        exit_code: 0,
    };
    write_stats(stats_path, &stats);
}

/// `__guard STATS PERIOD_DIR INPUT_ROOT`: what `ingest::guard` adds before calamine sees a file
/// (read the file, sniff it, check the zip: every entry decompressed once and its XML scanned),
/// in parallel, nothing else.
fn child_guard(args: &[String]) {
    let clock = Instant::now();
    let (stats_path, period_dir, root) = (&args[0], Path::new(&args[1]), Path::new(&args[2]));
    let files = zhenxing::ingest::discover(period_dir, root).expect("period folder readable");
    let limits = zhenxing::ingest::Limits::default();
    let passed: usize = files
        .par_iter()
        .map(|f| {
            let bytes = std::fs::read(&f.path).expect("generated file readable");
            let extension = f.path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
            let format = zhenxing::ingest::read::sniff(&bytes, &extension).expect("a workbook");
            std::hint::black_box(zhenxing::ingest::guard::check_zip(&bytes, format, &limits).is_ok()) as usize
        })
        .sum();
    let wall = clock.elapsed().as_secs_f64();
    let (peak_rss_kb, cpu) = self_usage();
    write_stats(stats_path, &ChildStats { wall, cpu, peak_rss_kb, files: passed, ..Default::default() });
}

/// `__run STATS run ARGS…`: `zhenxing run ARGS…` in this process (`pipeline::run_month`, as the
/// `zhenxing` binary calls it), then its own peak memory and CPU time.
fn child_run(args: &[String]) {
    use clap::Parser as _;
    let clock = Instant::now();
    let stats_path = &args[0];
    let cli = zhenxing::cmd::Cli::parse_from(std::iter::once("zhenxing".to_string()).chain(args[1..].iter().cloned()));
    let zhenxing::cmd::Command::Run(run) = cli.command else {
        eprintln!("bench: __run takes the arguments of `zhenxing run`");
        std::process::exit(2);
    };
    let code = match zhenxing::pipeline::run_month(&run.config()) {
        Ok(code) => code as u8,
        Err(error) => {
            eprintln!("错误：{error}");
            error.exit_code() as u8
        }
    };
    let wall = clock.elapsed().as_secs_f64();
    let (peak_rss_kb, cpu) = self_usage();
    write_stats(stats_path, &ChildStats { wall, cpu, peak_rss_kb, exit_code: code as i32, ..Default::default() });
    std::process::exit(code as i32);
}

/// `__calamine FILE`: open the file with calamine directly (no guard) and read every sheet; prints
/// `RAW-CALAMINE-RETURNED …` if calamine returns at all. The hostile-file tests run it under a
/// memory limit to show which files kill calamine without the guard.
fn child_calamine(args: &[String]) {
    use calamine::{Ods, Reader, Xls, Xlsb, Xlsx};
    use std::io::Cursor;
    let path = Path::new(&args[0]);
    let bytes = std::fs::read(path).expect("readable file");
    fn all<R: Reader<Cursor<Vec<u8>>>>(bytes: Vec<u8>) -> String
    where
        R::Error: std::fmt::Debug,
    {
        match R::new(Cursor::new(bytes)) {
            Err(e) => format!("open error {e:?}"),
            Ok(mut workbook) => {
                let mut cells = 0;
                for name in workbook.sheet_names() {
                    match workbook.worksheet_range(&name) {
                        Ok(range) => cells += range.get_size().0 * range.get_size().1,
                        Err(e) => return format!("sheet error {e:?}"),
                    }
                }
                format!("read {cells} cells")
            }
        }
    }
    let outcome = match path.extension().and_then(|e| e.to_str()) {
        Some("xlsx") => all::<Xlsx<_>>(bytes),
        Some("xlsb") => all::<Xlsb<_>>(bytes),
        Some("ods") => all::<Ods<_>>(bytes),
        _ => all::<Xls<_>>(bytes),
    };
    println!("RAW-CALAMINE-RETURNED {outcome}");
}

// ---------------------------------------------------------------- parent

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg").map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).unwrap_or_default()
}

/// Spawn a command, wait for it; wall time measured here. With `poll`, peak memory and CPU are
/// its rusage from `wait4` and its polled VmHWM (for a binary that does not report them itself).
fn timed(mut command: Command, stats_path: &Path, poll: bool) -> Result<(f64, ChildStats), String> {
    let _ = std::fs::remove_file(stats_path);
    let clock = Instant::now();
    let mut child = command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().map_err(|e| format!("cannot start {command:?}: {e}"))?;
    let pid = child.id();
    // Read stderr on the side so that a chatty child never blocks on a full pipe.
    let mut pipe = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    });
    let mut polled = ChildStats::default();
    let status = if poll {
        // Reaped with wait4, which gives the child's exact CPU time; its peak memory is polled
        // (VmHWM): the rusage's ru_maxrss would include what the bench itself held when it forked.
        use std::os::unix::process::ExitStatusExt;
        let mut raw = 0;
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        loop {
            // SAFETY: waits for our own child without blocking; writes the status and one rusage.
            let reaped = unsafe { libc::wait4(pid as libc::pid_t, &mut raw, libc::WNOHANG, usage.as_mut_ptr()) };
            if reaped == pid as libc::pid_t {
                break;
            }
            if reaped < 0 {
                return Err(format!("wait4 failed: {}", std::io::Error::last_os_error()));
            }
            if let Some(peak) = zhenxing::pipeline::diag::peak_kb(&format!("/proc/{pid}/status")) {
                polled.peak_rss_kb = polled.peak_rss_kb.max(peak);
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        // SAFETY: filled by the wait4 that reaped the child.
        let usage = unsafe { usage.assume_init() };
        let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        polled.cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime);
        std::process::ExitStatus::from_raw(raw)
    } else {
        child.wait().map_err(|e| e.to_string())?
    };
    let wall = clock.elapsed().as_secs_f64();
    let stderr = reader.join().unwrap_or_default();
    let code = status.code().unwrap_or(-1);
    let mut stats = if poll {
        ChildStats { wall, exit_code: code, ..polled }
    } else {
        let text =
            std::fs::read_to_string(stats_path).map_err(|e| format!("child wrote no statistics ({e}); exit {code}; stderr: {stderr}"))?;
        serde_json::from_str(&text).map_err(|e| e.to_string())?
    };
    stats.exit_code = code;
    // 0 = clean, 1 = reports written with data problems (the generated month has some on purpose).
    if code != 0 && code != 1 {
        return Err(format!("{command:?} exited with {code}: {stderr}"));
    }
    Ok((wall, stats))
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    if v.len() % 2 == 1 { v[v.len() / 2] } else { (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0 }
}

/// Whether the bulletin stays usable at this size: its largest sheet (Excel's limit is 1,048,576
/// rows), whether 镇街进度 is sorted by rank within each indicator (unranked townships last) and
/// whether it has an autofilter.
#[derive(Debug, Clone, Default, Serialize)]
struct ReportCheck {
    largest_sheet: String,
    largest_rows: usize,
    townships_rows: usize,
    townships_sorted: bool,
    townships_filterable: bool,
    /// Topics shown as subtotals, checked against the CSV files of their rows.
    detail_csv: String,
}

/// A topic sheet of subtotals (see `report::detail`) against the CSV file its note names: each
/// figure (rows, sums, 是 and 按期情况 counts, per township and category, and the district's)
/// recomputed from the file's rows. Returns how many figures were compared.
fn subtotals_match_csv(range: &calamine::Range<calamine::Data>, folder: &Path) -> Result<usize, String> {
    use std::collections::HashMap;
    let text = |r: usize, c: usize| range.get((r, c)).map(|d| d.to_string()).unwrap_or_default();
    let note = text(1, 0);
    let file = note.split('“').nth(1).and_then(|t| t.split('”').next()).ok_or("no CSV named")?;
    let bytes = std::fs::read(folder.join(file)).map_err(|e| format!("{file}: {e}"))?;
    let body = String::from_utf8(bytes).map_err(|e| e.to_string())?;
    let mut reader = csv::ReaderBuilder::new().from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader.headers().map_err(|e| e.to_string())?.iter().map(str::to_string).collect();
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    let width = range.get_size().1;
    let headers: Vec<String> = (0..width).map(|c| text(2, c)).take_while(|h| !h.is_empty()).collect();
    let category = header.iter().position(|h| headers.get(1) == Some(h));
    // Per subtotal column: how a row contributes.
    let first_figure = if category.is_some() { 3 } else { 1 };
    let status = header.iter().position(|h| h == "按期情况");
    let contribution = |h: &str, row: &csv::StringRecord| -> Result<f64, String> {
        if let Some(c) = header.iter().position(|x| x == h) {
            return Ok(if row[c].is_empty() { 0.0 } else { row[c].parse::<f64>().map_err(|e| format!("{h} {:?}: {e}", &row[c]))? });
        }
        if let Some(name) = h.strip_suffix("（是）") {
            let c = header.iter().position(|x| x == &format!("{name}（是/否）")).ok_or(format!("no column for {h}"))?;
            return Ok(f64::from(&row[c] == "是"));
        }
        let c = status.ok_or(format!("no column for {h}"))?;
        Ok(f64::from(&row[c] == h))
    };
    let mut expected: HashMap<(String, String), Vec<f64>> = HashMap::new();
    for row in &rows {
        let key = category.map(|c| row[c].to_string()).unwrap_or_default();
        for township in [row[0].to_string(), "全区合计".to_string()] {
            let sums = expected.entry((township, key.clone())).or_insert_with(|| vec![0.0; headers.len()]);
            sums[first_figure] += 1.0;
            for (i, h) in headers.iter().enumerate().skip(first_figure + 1) {
                sums[i] += contribution(h, row)?;
            }
        }
    }
    let mut compared = 0;
    let mut r = 3;
    while !text(r, 0).is_empty() {
        let key = (text(r, 0), if category.is_some() { text(r, 1) } else { String::new() });
        let sums = expected.remove(&key).ok_or(format!("row {} {key:?} not in the CSV", r + 1))?;
        for (i, want) in sums.iter().enumerate().skip(first_figure) {
            let got = match range.get((r, i)) {
                Some(calamine::Data::Float(f)) => *f,
                Some(calamine::Data::Int(n)) => *n as f64,
                _ => 0.0,
            };
            if (got - want).abs() > 1e-9 * want.abs().max(1.0) {
                return Err(format!("row {} {} {}: bulletin {got}, CSV {want}", r + 1, key.0, headers[i]));
            }
            compared += 1;
        }
        r += 1;
    }
    if let Some((key, _)) = expected.into_iter().next() {
        return Err(format!("{key:?} has rows in the CSV but no subtotal"));
    }
    Ok(compared)
}

fn check_report(path: &Path) -> ReportCheck {
    use calamine::{Data, Reader, open_workbook_auto};
    let mut check = ReportCheck::default();
    let Ok(mut workbook) = open_workbook_auto(path) else { return check };
    let names = workbook.sheet_names();
    for name in &names {
        let Ok(range) = workbook.worksheet_range(name) else { continue };
        let rows = range.end().map(|(r, _)| r as usize + 1).unwrap_or(0);
        if rows > check.largest_rows {
            check.largest_sheet = name.clone();
            check.largest_rows = rows;
        }
        let title = range.get((0, 0)).map(|d| d.to_string()).unwrap_or_default();
        if title.contains("小计") {
            let folder = path.parent().unwrap_or(Path::new("."));
            let verdict = match subtotals_match_csv(&range, folder) {
                Ok(cells) => format!("{name}: {cells} subtotal cells = its CSV's sums"),
                Err(problem) => format!("{name}: MISMATCH {problem}"),
            };
            check.detail_csv = if check.detail_csv.is_empty() { verdict } else { format!("{}; {verdict}", check.detail_csv) };
        }
        // 镇街进度, 乡镇街道进度 …: the townships' sheet, named in the plan's words.
        if name.ends_with("进度") {
            check.townships_rows = rows;
            // Rank column G: "1", "并列2", "—"; within a block of one indicator (column A) the
            // ranks must not decrease, and "—" (not ranked) only at the end.
            let mut sorted = true;
            let mut last: Option<(String, u32)> = None;
            for row in range.rows().skip(3) {
                let indicator = match row.first() {
                    Some(Data::String(s)) => s.clone(),
                    _ => continue,
                };
                let rank = match row.get(6) {
                    Some(Data::String(s)) => s.trim_start_matches("并列").parse::<u32>().unwrap_or(u32::MAX),
                    Some(Data::Float(f)) => *f as u32,
                    _ => u32::MAX,
                };
                if let Some((previous, previous_rank)) = &last
                    && *previous == indicator
                    && rank < *previous_rank
                {
                    sorted = false;
                }
                last = Some((indicator, rank));
            }
            check.townships_sorted = sorted;
        }
    }
    // rust_xlsxwriter writes the n-th sheet as xl/worksheets/sheet<n>.xml.
    if let Some(n) = names.iter().position(|n| n.ends_with("进度"))
        && let Ok(file) = std::fs::File::open(path)
        && let Ok(mut zip) = zip::ZipArchive::new(file)
        && let Ok(mut entry) = zip.by_name(&format!("xl/worksheets/sheet{}.xml", n + 1))
    {
        use std::io::Read;
        let mut xml = String::new();
        if entry.read_to_string(&mut xml).is_ok() {
            check.townships_filterable = xml.contains("<autoFilter");
        }
    }
    check
}

fn run_bench(args: &BenchArgs) -> Result<(), String> {
    let period = Period::parse_arg(&args.period).map_err(|e| e.to_string())?;
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut results = Vec::new();
    println!("machine: {} cores, {}; load {}", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1), cpu_model(), load());
    for &n in &args.sizes {
        let dir = args.dir.join(format!("n{n}"));
        let summary_path = dir.join("gen.json");
        let fresh = args.regen || !summary_path.is_file() || !dir.join(gen_bench::MARKER).is_file();
        if fresh {
            let gen_args = gen_bench::GenArgs { townships: n, dir: dir.clone(), period: args.period.clone(), no_history: false };
            let summary = gen_bench::generate(&gen_args).map_err(|e| e.to_string())?;
            println!("N={n}: generated {} files ({:.1} MB) in {:.1} s", summary.files, summary.file_bytes as f64 / 1e6, summary.seconds);
        }
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&summary_path).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
        let input = dir.join("input");
        let period_dir = input.join(period.to_string());
        let stats_path = dir.join(".bench-stats.json");
        let floor_command = || {
            let mut c = Command::new(&me);
            c.arg("__floor").arg(&stats_path).arg(&period_dir).arg(&input);
            c
        };
        let run_args: Vec<String> = vec![
            "run".into(),
            "--plan".into(),
            dir.join("plan.toml").display().to_string(),
            "--input".into(),
            input.display().to_string(),
            "--output".into(),
            dir.join("output").display().to_string(),
            "--store".into(),
            dir.join("store").display().to_string(),
            "--period".into(),
            period.to_string(),
            "--quiet".into(),
        ];
        let run_command = || match &args.zhenxing {
            Some(binary) => {
                let mut c = Command::new(binary);
                c.args(&run_args);
                c
            }
            None => {
                let mut c = Command::new(&me);
                c.arg("__run").arg(&stats_path).args(&run_args);
                c
            }
        };
        let poll = args.zhenxing.is_some();
        let load_before = load();
        for _ in 0..args.warmup {
            timed(floor_command(), &stats_path, false)?;
            timed(run_command(), &stats_path, poll)?;
        }
        let (mut floor_wall, mut run_wall) = (Vec::new(), Vec::new());
        let (mut floor_last, mut run_last) = (ChildStats::default(), ChildStats::default());
        let (mut floor_peak, mut run_peak) = (0u64, 0u64);
        let (mut floor_cpu, mut run_cpu) = (Vec::new(), Vec::new());
        let (mut guard_wall, mut guard_cpu) = (Vec::new(), Vec::new());
        let out_dir = dir.join("output").join(period.to_string());
        let log = out_dir.join("run.log");
        let mut log_start = 0;
        for round in 0..args.repeat.max(1) {
            log_start = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
            let (a, fs) = timed(floor_command(), &stats_path, false)?;
            let (b, rs) = timed(run_command(), &stats_path, poll)?;
            let mut guard = Command::new(&me);
            guard.arg("__guard").arg(&stats_path).arg(&period_dir).arg(&input);
            let (g, gs) = timed(guard, &stats_path, false)?;
            guard_wall.push(g);
            guard_cpu.push(gs.cpu);
            println!("N={n} round {}: floor {a:.2} s, run {b:.2} s, ratio {:.2}; load {}", round + 1, b / a, load());
            floor_wall.push(a);
            run_wall.push(b);
            floor_peak = floor_peak.max(fs.peak_rss_kb);
            run_peak = run_peak.max(rs.peak_rss_kb);
            floor_cpu.push(fs.cpu);
            run_cpu.push(rs.cpu);
            floor_last = fs;
            run_last = rs;
        }
        // The phase timings the last measured run logged (a binary that logs none leaves this empty).
        let run_phases = std::fs::read(&log)
            .ok()
            .map(|bytes| String::from_utf8_lossy(bytes.get(log_start as usize..).unwrap_or_default()).into_owned())
            .and_then(|log| {
                log.lines()
                    .rev()
                    .find(|l| l.contains("分阶段用时"))
                    .map(|l| l.split("分阶段用时").nth(1).unwrap_or("").trim_start_matches(['：', ':']).to_string())
            })
            .unwrap_or_default();
        let bulletin = std::fs::read_dir(&out_dir)
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "xlsx"))
            .ok_or("run wrote no bulletin")?;
        let (floor_median, run_median) = (median(&floor_wall), median(&run_wall));
        let result = SizeResult {
            townships: n,
            files: floor_last.files,
            megabytes: summary["file_bytes"].as_f64().unwrap_or(0.0) / 1e6,
            cells: floor_last.cells,
            floor_median,
            run_median,
            guard_median: median(&guard_wall),
            guard_cpu: median(&guard_cpu),
            ratio: run_median / floor_median,
            files_per_second: floor_last.files as f64 / run_median,
            floor_cpu: median(&floor_cpu),
            run_cpu: median(&run_cpu),
            floor_peak_mb: floor_peak as f64 / 1024.0,
            run_peak_mb: run_peak as f64 / 1024.0,
            run_exit_code: run_last.exit_code,
            run_phases,
            report: check_report(&bulletin),
            load_before,
            load_after: load(),
            floor_wall,
            run_wall,
        };
        results.push(result);
    }
    let table = markdown(&results, args);
    println!("\n{table}");
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_vec_pretty(&results).expect("serialisable")).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())))
        .unwrap_or_else(|| "unknown CPU".into())
}

fn markdown(results: &[SizeResult], args: &BenchArgs) -> String {
    let mut out = String::new();
    out.push_str(&format!("median of {} rounds after {} warm-up; wall times in seconds\n\n", args.repeat.max(1), args.warmup));
    out.push_str("| N | files | MB | cells read | (a) floor | (b) run | b/a | files/s | CPU a | CPU b | peak RSS a | peak RSS b | largest bulletin sheet | 镇街进度 | load before → after |\n");
    out.push_str("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|\n");
    for r in results {
        out.push_str(&format!(
            "| {} | {} | {:.1} | {} | {:.2} | {:.2} | **{:.2}** | {:.0} | {:.2} | {:.2} | {:.0} MB | {:.0} MB | {} ({} rows) | {} rows, {}, {} | {} → {} |\n",
            r.townships,
            r.files,
            r.megabytes,
            r.cells,
            r.floor_median,
            r.run_median,
            r.ratio,
            r.files_per_second,
            r.floor_cpu,
            r.run_cpu,
            r.floor_peak_mb,
            r.run_peak_mb,
            r.report.largest_sheet,
            r.report.largest_rows,
            r.report.townships_rows,
            if r.report.townships_sorted { "sorted" } else { "NOT SORTED" },
            if r.report.townships_filterable { "autofilter" } else { "NO AUTOFILTER" },
            r.load_before,
            r.load_after
        ));
    }
    out.push('\n');
    for r in results {
        out.push_str(&format!(
            "- N={}: floor rounds {:?}, run rounds {:?}; guard alone (read + sniff + check_zip, parallel) {:.2} s wall, {:.2} s CPU = {:.0}% of the floor's CPU; run exit code {}; topics in CSV: {}{}\n",
            r.townships,
            r.floor_wall.iter().map(|x| format!("{x:.2}")).collect::<Vec<_>>(),
            r.run_wall.iter().map(|x| format!("{x:.2}")).collect::<Vec<_>>(),
            r.guard_median,
            r.guard_cpu,
            r.guard_cpu / r.floor_cpu * 100.0,
            r.run_exit_code,
            if r.report.detail_csv.is_empty() { "none" } else { &r.report.detail_csv },
            if r.run_phases.is_empty() { String::new() } else { format!("; run phases: {}", r.run_phases) }
        ));
    }
    out
}
