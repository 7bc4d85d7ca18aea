//! What a run tells the people watching it, and what it measures of itself: the console
//! (lines under cron, a bar on a terminal, nothing with --quiet; every line also goes to
//! run.log), each stage's wall and CPU time and the peak memory after it, and returning freed
//! memory to the OS between stages.

use std::io::IsTerminal;
use std::time::Instant;

/// Prints progress: lines under cron, a bar on a terminal, nothing with --quiet.
pub struct Console {
    pub quiet: bool,
    pub verbose: bool,
    pub log: Vec<String>,
    /// The month's `run.log` once this run holds the locks: a run that fails after that says so
    /// there too, with what it had said (`pipeline::run_month`).
    pub run_log: Option<std::path::PathBuf>,
}

impl Console {
    pub fn say(&mut self, line: String) {
        if !self.quiet {
            crate::text::say(&line);
        }
        self.log.push(line);
    }

    /// Something that needs a person even under --quiet (cron mails stderr): said on stderr.
    pub fn warn(&mut self, line: String) {
        crate::text::say_err(&line);
        self.log.push(line);
    }

    pub fn detail(&mut self, line: String) {
        if self.verbose && !self.quiet {
            crate::text::say(&line);
        }
        self.log.push(line);
    }
}

pub fn progress_bar(total: u64, quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() || total < 2 {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(indicatif::ProgressStyle::with_template("读取报表 {bar:40} {pos}/{len} {eta}").expect("valid template"));
    Some(bar)
}

/// Where reading and validating a month report their progress: each file read, and each
/// stage's end (`Phases`). A run shows a bar and keeps the timings (`RunProgress`); the backfill
/// of earlier months reports nowhere (`Unwatched`).
pub trait Progress: Sync {
    /// One more file read (called from the reading threads).
    fn file_read(&self) {}
    /// A stage ended (see `Phases::lap`).
    fn lap(&mut self, _name: &'static str) {}
    /// A stage ran alongside (see `Phases::alongside`).
    fn alongside(&mut self, _name: &'static str, _seconds: f64) {}
}

/// The month being run: its progress bar (on a terminal) and its stage timings.
pub struct RunProgress<'a> {
    pub bar: Option<&'a indicatif::ProgressBar>,
    pub phases: &'a mut Phases,
}

impl Progress for RunProgress<'_> {
    fn file_read(&self) {
        if let Some(bar) = self.bar {
            bar.inc(1);
        }
    }

    fn lap(&mut self, name: &'static str) {
        self.phases.lap(name);
    }

    fn alongside(&mut self, name: &'static str, seconds: f64) {
        self.phases.alongside(name, seconds);
    }
}

/// Progress nobody watches: an earlier month stored by the backfill.
pub struct Unwatched;

impl Progress for Unwatched {}

/// Wall time of each stage of a run, the CPU time it used and the process's peak memory after
/// it (the last two on Linux), for `run.log` (and `--verbose`): where a slow or large month goes.
pub struct Phases {
    last: Instant,
    last_cpu: Option<f64>,
    laps: Vec<(&'static str, f64, Option<f64>, Option<u64>)>,
}

impl Phases {
    pub fn start() -> Phases {
        Phases { last: Instant::now(), last_cpu: usage().0, laps: Vec::new() }
    }

    pub fn lap(&mut self, name: &'static str) {
        let now = Instant::now();
        let (cpu, peak) = usage();
        let used = cpu.zip(self.last_cpu).map(|(now, before)| now - before);
        self.laps.push((name, (now - self.last).as_secs_f64(), used, peak));
        self.last = now;
        self.last_cpu = cpu;
    }

    /// A stage that ran alongside the others (on another core): its own wall time.
    pub fn alongside(&mut self, name: &'static str, seconds: f64) {
        self.laps.push((name, seconds, None, None));
    }

    pub fn summary(&self) -> String {
        self.laps
            .iter()
            .map(|(name, s, cpu, peak)| {
                let mut extra = Vec::new();
                if let Some(cpu) = cpu {
                    extra.push(format!("CPU {cpu:.2} 秒"));
                }
                if let Some(kb) = peak {
                    extra.push(format!("峰值内存 {} MB", kb / 1024));
                }
                if extra.is_empty() { format!("{name} {s:.2} 秒") } else { format!("{name} {s:.2} 秒（{}）", extra.join("，")) }
            })
            .collect::<Vec<_>>()
            .join("，")
    }
}

/// Return freed heap memory to the OS. glibc keeps freed memory in its per-thread arenas for
/// reuse, where a later allocation of another thread or size often cannot use it: at province
/// scale last month's values and the month's records are a few hundred MB, freed between
/// stages, and without this the process's resident peak is their sum.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's arenas to the OS.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// User + system CPU time of this process so far (`getrusage`), and its resident high-water mark
/// in kB (VmHWM of /proc/self/status on Linux: `ru_maxrss` is no substitute, as it keeps the
/// high-water mark a process had before it exec'd, e.g. a forked benchmark harness).
pub fn usage() -> (Option<f64>, Option<u64>) {
    // Without getrusage (Windows) the CPU time is not known.
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut cpu = None;
    #[cfg(unix)]
    {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: getrusage writes one rusage into the pointer it is given.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) } == 0 {
            // SAFETY: initialised by the successful call above.
            let usage = unsafe { usage.assume_init() };
            let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
            cpu = Some(seconds(usage.ru_utime) + seconds(usage.ru_stime));
        }
    }
    (cpu, peak_kb("/proc/self/status"))
}

/// The VmHWM line of a /proc status file, in kB.
pub fn peak_kb(status_path: &str) -> Option<u64> {
    let status = std::fs::read_to_string(status_path).ok()?;
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
