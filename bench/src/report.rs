//! The Markdown report printed on stdout (ready to paste into BENCHMARKS.md): header with the
//! machine and the command, a table per run, the medians over runs, the unlock/health ratios and
//! whether the aim is met.

use std::fmt::Write;

use crate::load::{PhaseResult, Workload};
use crate::machine::Facts;
use crate::stats::Summary;

/// The aim stated in the issue, on 2 cores.
pub const AIM_UNLOCKS_PER_S: f64 = 4000.0;
pub const AIM_P99_MS: f64 = 10.0;

/// Above this, the "other CPU" of an unlock phase means other work disturbed the run (on a quiet
/// machine it is about 0.1 core: kernel work on loopback not charged to either process).
const NOISE_CORES: f64 = 0.25;

/// Everything the report shows.
#[derive(Debug)]
pub struct Report {
    pub facts: Facts,
    pub label: Option<String>,
    pub command: String,
    pub setup: String,
    /// `(run number, health, unlock)`.
    pub runs: Vec<(usize, PhaseResult, PhaseResult)>,
    pub notes: Vec<String>,
}

/// `12345.6` → `12,346`.
pub fn thousands(v: f64) -> String {
    let n = v.round() as i64;
    let digits = n.unsigned_abs().to_string();
    // The first group holds 1 to 3 digits, every later group 3.
    let head = match digits.len() % 3 {
        0 => 3.min(digits.len()),
        r => r,
    };
    let mut out = digits[..head].to_owned();
    for group in digits.as_bytes()[head..].chunks(3) {
        out.push(',');
        out.push_str(std::str::from_utf8(group).unwrap_or_default());
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// Milliseconds with a precision that suits their size.
pub fn ms(v: f64) -> String {
    if v.is_nan() {
        "–".into()
    } else if v < 1.0 {
        format!("{v:.3}")
    } else if v < 100.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.1}")
    }
}

fn cores(v: Option<f64>) -> String {
    v.map_or("–".into(), |c| format!("{c:.2}"))
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 && a.is_finite() && b.is_finite() {
        format!("{:.2}×", a / b)
    } else {
        "–".into()
    }
}

impl Report {
    pub fn errors(&self) -> u64 {
        self.runs
            .iter()
            .map(|(_, h, u)| h.summary.errors + u.summary.errors)
            .sum()
    }

    fn medians(&self) -> Option<(Summary, Summary)> {
        let h: Vec<Summary> = self.runs.iter().map(|r| r.1.summary.clone()).collect();
        let u: Vec<Summary> = self.runs.iter().map(|r| r.2.summary.clone()).collect();
        Some((Summary::median_of(&h)?, Summary::median_of(&u)?))
    }

    /// Whether the median unlock figures meet the aim.
    pub fn aim_met(&self) -> Option<bool> {
        let (_, u) = self.medians()?;
        Some(u.req_per_s >= AIM_UNLOCKS_PER_S && u.p99_ms <= AIM_P99_MS && u.errors == 0)
    }

    pub fn markdown(&self) -> String {
        let f = &self.facts;
        let mut s = String::new();
        let title = match &self.label {
            Some(l) => format!("### Unlock path vs. `/health` — {l}"),
            None => "### Unlock path vs. `/health`".to_owned(),
        };
        let _ = writeln!(s, "{title}\n");
        let _ = writeln!(s, "- Date: {} (UTC)", f.date);
        let _ = writeln!(
            s,
            "- Machine: {} CPUs ({}), {} RAM, {}, {}",
            f.cpus, f.cpu_model, f.memory, f.kernel, f.os
        );
        let _ = writeln!(s, "- Load average before the run: {}", f.load);
        let _ = writeln!(s, "- Server data directory: {}", f.data_fs);
        let _ = writeln!(
            s,
            "- Server: {}, commit {}, {}, release profile",
            f.server_binary, f.commit, f.rustc
        );
        let _ = writeln!(s, "- Command: `{}`", self.command);
        let _ = writeln!(s, "- Load: {}", self.setup);
        let _ = writeln!(s);

        let _ = writeln!(
            s,
            "| Run | Workload | OK | Errors | req/s | p50 ms | p99 ms | max ms | server CPU (cores) | DB writer thread CPU | bench CPU (cores) | other CPU (cores) |"
        );
        let _ = writeln!(
            s,
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        );
        for (n, h, u) in &self.runs {
            for (w, r) in [(Workload::Health, h), (Workload::Unlock, u)] {
                let m = &r.summary;
                let _ = writeln!(
                    s,
                    "| {n} | {w} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    thousands(m.ok as f64),
                    m.errors,
                    thousands(m.req_per_s),
                    ms(m.p50_ms),
                    ms(m.p99_ms),
                    ms(m.max_ms),
                    cores(r.server_cores),
                    cores(r.writer_cores),
                    cores(r.bench_cores),
                    cores(r.other_cores),
                );
            }
        }
        let _ = writeln!(s);

        if let Some((h, u)) = self.medians() {
            let _ = writeln!(s, "Median over {} run(s):\n", self.runs.len());
            let _ = writeln!(s, "| Workload | req/s | p50 ms | p99 ms | max ms |");
            let _ = writeln!(s, "|---|---:|---:|---:|---:|");
            for (w, m) in [(Workload::Health, &h), (Workload::Unlock, &u)] {
                let _ = writeln!(
                    s,
                    "| {w} | {} | {} | {} | {} |",
                    thousands(m.req_per_s),
                    ms(m.p50_ms),
                    ms(m.p99_ms),
                    ms(m.max_ms)
                );
            }
            let _ = writeln!(
                s,
                "| unlock ÷ health | {} | {} | {} | {} |",
                ratio(u.req_per_s, h.req_per_s),
                ratio(u.p50_ms, h.p50_ms),
                ratio(u.p99_ms, h.p99_ms),
                ratio(u.max_ms, h.max_ms),
            );
            let _ = writeln!(s);
            let not_durable = ["tmpfs", "ramfs"]
                .iter()
                .any(|fs| f.data_fs.starts_with(fs));
            let verdict = if not_durable {
                "**does not apply** (the data directory is in memory, so commits are not durable)"
            } else if self.aim_met() == Some(true) {
                "**met**"
            } else {
                "**not met**"
            };
            let _ = writeln!(
                s,
                "Aim (≥ {} durable unlocks/s with p99 ≤ {} ms on 2 cores): {verdict} — median {} unlocks/s, p99 {} ms{}.",
                thousands(AIM_UNLOCKS_PER_S),
                AIM_P99_MS,
                thousands(u.req_per_s),
                ms(u.p99_ms),
                if f.cpus == 2 {
                    String::new()
                } else {
                    format!(" (measured on {} CPUs, not 2)", f.cpus)
                },
            );
        }
        let errors = self.errors();
        if errors > 0 {
            let _ = writeln!(
                s,
                "\n**{errors} request(s) FAILED — these figures are not valid.** First errors:\n"
            );
            for (_, h, u) in &self.runs {
                for e in h.error_samples.iter().chain(&u.error_samples).take(5) {
                    let _ = writeln!(s, "    {e}");
                }
            }
        }
        let noisy: Vec<String> = self
            .runs
            .iter()
            .filter_map(|(n, _, u)| {
                let other = u.other_cores?;
                (other > NOISE_CORES).then(|| format!("run {n} ({other:.2} cores)"))
            })
            .collect();
        if !noisy.is_empty() {
            let _ = writeln!(
                s,
                "\n**Noisy machine:** something other than the server and the benchmark kept the CPUs busy during the unlock phase of {}; those runs' figures are disturbed.",
                noisy.join(", ")
            );
        }
        for n in &self.notes {
            let _ = writeln!(s, "\n{n}");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(thousands(0.4), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1000.0), "1,000");
        assert_eq!(thousands(1234567.5), "1,234,568");
        assert_eq!(thousands(-4000.0), "-4,000");
        assert_eq!(ms(0.1234), "0.123");
        assert_eq!(ms(3.456), "3.46");
        assert_eq!(ms(123.45), "123.5");
        assert_eq!(ratio(4.0, 2.0), "2.00×");
        assert_eq!(ratio(1.0, 0.0), "–");
    }
}
