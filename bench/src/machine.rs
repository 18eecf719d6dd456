//! What the numbers were measured on: core count, how idle the CPUs were just before the run,
//! and how much CPU other processes took during it (another job on a 2-core machine distorts
//! every figure, so the report says so).

use std::time::Duration;

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(0, |n| n.get())
}

/// CPU counters in clock ticks: all CPUs' total and busy time, and this process's own
/// (threads, waited-for children such as redis-benchmark, live children such as redis-server).
#[derive(Clone, Copy, Default)]
pub struct Ticks {
    total: u64,
    busy: u64,
    ours: u64,
}

impl Ticks {
    pub fn now() -> Ticks {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let fields: Vec<u64> = stat
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .skip(1)
            .filter_map(|f| f.parse().ok())
            .collect();
        let total: u64 = fields.iter().sum();
        let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
        let me = std::process::id().to_string();
        let mut ours = process_ticks("self", true).map_or(0, |(_, t)| t);
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.bytes().all(|b| b.is_ascii_digit()) {
                if let Some((parent, ticks)) = process_ticks(&name, false) {
                    ours += if parent == me { ticks } else { 0 };
                }
            }
        }
        Ticks {
            total,
            busy: total - idle,
            ours,
        }
    }

    /// Percent of all CPUs idle since `earlier`.
    pub fn idle_percent_since(&self, earlier: &Ticks) -> f64 {
        let total = self.total.saturating_sub(earlier.total).max(1) as f64;
        100.0 - 100.0 * self.busy.saturating_sub(earlier.busy) as f64 / total
    }

    /// Percent of all CPUs used by processes other than this bench since `earlier`.
    pub fn others_percent_since(&self, earlier: &Ticks) -> f64 {
        let total = self.total.saturating_sub(earlier.total).max(1) as f64;
        let busy = self.busy.saturating_sub(earlier.busy);
        let ours = self.ours.saturating_sub(earlier.ours);
        100.0 * busy.saturating_sub(ours) as f64 / total
    }
}

/// (parent pid, utime + stime [+ cutime + cstime]) of /proc/<pid>/stat.
fn process_ticks(pid: &str, with_children: bool) -> Option<(String, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let field = |i: usize| rest.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    // rest[0] is the state (field 3), so field n is rest[n - 3].
    let own = field(11) + field(12);
    let children = if with_children {
        field(13) + field(14)
    } else {
        0
    };
    Some((rest.get(1)?.to_string(), own + children))
}

/// Idle share of all CPUs over one second.
pub fn idle_percent() -> f64 {
    let before = Ticks::now();
    std::thread::sleep(Duration::from_secs(1));
    Ticks::now().idle_percent_since(&before)
}
