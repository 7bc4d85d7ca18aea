//! The hostile tests' input and measurements in the test workspace (`common::Workspace`): good
//! township workbooks, and running the binary under a virtual-memory limit with its peak RSS
//! measured.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use zhenxing::period::Period;
use zhenxing::plan::Plan;

use super::corpus;

use crate::common::BIN;

/// The four townships that report correctly in these tests; the fifth (松杨湖街道) is the one
/// whose files are hostile or absent.
pub const GOOD: [&str; 4] = ["长岭街道", "云溪街道", "路口镇", "陆城镇"];
pub const FIFTH: &str = "松杨湖街道";

use crate::common::Workspace;

/// Input for the hostile tests: the good workbooks of `units` (template writer, sample figures).
pub trait TownshipInput {
    fn add_townships(&self, plan: &Plan, units: &[&str], period: Period);
}

impl TownshipInput for Workspace {
    fn add_townships(&self, plan: &Plan, units: &[&str], period: Period) {
        let dir = self.period_dir(period);
        for unit in units {
            let bytes = corpus::township_workbook(plan, unit, period);
            std::fs::write(dir.join(zhenxing::report::template::file_name(unit, period)), bytes).unwrap();
        }
    }
}

/// What a measured run gives back.
pub struct Measured {
    pub output: Output,
    /// Peak resident set size of the zhenxing process, in KiB.
    pub peak_rss_kib: u64,
    /// Peak virtual size seen while polling, in KiB (0 when not polled).
    pub peak_vm_kib: u64,
    pub elapsed: Duration,
}

fn status_field(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Run `zhenxing args` in `ws` under `ulimit -v limit_kib` (when given). The peak RSS comes from
/// `/usr/bin/time -f %M` when available (exact, from the kernel's rusage), else from polling
/// `/proc/<pid>/status` VmHWM every few milliseconds (a lower bound).
pub fn run_measured(ws: &Workspace, args: &[&str], limit_kib: Option<u64>) -> Measured {
    let time = Path::new("/usr/bin/time");
    let use_time = time.is_file() && Command::new(time).args(["-f", "%M", "true"]).output().is_ok_and(|o| o.status.success());
    let rss_file = ws.path("peak-rss.txt");
    let limit = limit_kib.map(|k| format!("ulimit -v {k}; ")).unwrap_or_default();
    let mut command = Command::new("sh");
    command.arg("-c").arg(format!("{limit}exec \"$@\"")).arg("sh");
    if use_time {
        command.arg(time).args(["-f", "%M", "-o"]).arg(&rss_file);
    }
    command.arg(BIN).args(args).current_dir(ws.dir.path()).env("RAYON_NUM_THREADS", "2").env("POLARS_MAX_THREADS", "2");
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().unwrap();
    let pid = child.id();
    // Read the pipes on threads so a chatty child never blocks.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut buf).ok();
        buf
    });
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut buf).ok();
        buf
    });
    let (mut polled_rss, mut polled_vm) = (0u64, 0u64);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        // Without /usr/bin/time the sh has exec'd into zhenxing: poll its own numbers. With it,
        // poll time's child.
        let target = if use_time { child_of(pid).unwrap_or(pid) } else { pid };
        polled_rss = polled_rss.max(status_field(target, "VmHWM:").unwrap_or(0));
        polled_vm = polled_vm.max(status_field(target, "VmPeak:").unwrap_or(0));
        assert!(started.elapsed() < Duration::from_secs(300), "zhenxing did not finish in 300 s");
        std::thread::sleep(Duration::from_millis(3));
    };
    let elapsed = started.elapsed();
    let output = Output { status, stdout: out_thread.join().unwrap(), stderr: err_thread.join().unwrap() };
    let timed = std::fs::read_to_string(&rss_file).ok().and_then(|t| t.lines().last().and_then(|l| l.trim().parse::<u64>().ok()));
    let _ = std::fs::remove_file(&rss_file);
    Measured { output, peak_rss_kib: timed.unwrap_or(polled_rss).max(polled_rss), peak_vm_kib: polled_vm, elapsed }
}

/// The first child process of `pid` (from /proc/<pid>/task/<pid>/children).
fn child_of(pid: u32) -> Option<u32> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()?;
    text.split_whitespace().next()?.parse().ok()
}

pub fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}
