//! The numbers: nearest-rank percentiles of one phase's latencies, a phase's summary (req/s,
//! p50, p99, max) and the median of several runs' figures.

use std::time::Duration;

/// The `p`-th percentile (0 < p ≤ 100) of `sorted` by the nearest-rank method: the smallest value
/// such that at least `p` percent of the samples are less than or equal to it. `None` when there
/// are no samples.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    debug_assert!(
        sorted.windows(2).all(|w| w[0] <= w[1]),
        "input must be sorted"
    );
    if sorted.is_empty() {
        return None;
    }
    let p = p.clamp(0.0, 100.0);
    // Rank is 1-based; the tiny epsilon keeps e.g. 0.99 * 100 = 99.00000000000001 from rounding
    // up to the next rank.
    let rank = ((p / 100.0) * sorted.len() as f64 - 1e-9).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

/// The median of `values`: the middle value, or the mean of the two middle values when there is
/// an even number of them. `None` when `values` is empty.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    })
}

/// The figures of one phase (one workload for one run).
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Requests answered correctly.
    pub ok: u64,
    /// Requests that failed (transport error, wrong status or wrong body).
    pub errors: u64,
    /// Correct answers per second of wall time.
    pub req_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Summary {
    /// Summarises latencies (nanoseconds, any order) measured over `elapsed`.
    pub fn from_latencies(mut latencies_ns: Vec<u64>, errors: u64, elapsed: Duration) -> Self {
        latencies_ns.sort_unstable();
        let ms = |p: f64| percentile(&latencies_ns, p).map_or(f64::NAN, |n| n as f64 / 1e6);
        let secs = elapsed.as_secs_f64();
        Summary {
            ok: latencies_ns.len() as u64,
            errors,
            req_per_s: if secs > 0.0 {
                latencies_ns.len() as f64 / secs
            } else {
                0.0
            },
            p50_ms: ms(50.0),
            p99_ms: ms(99.0),
            max_ms: ms(100.0),
        }
    }

    /// The median over runs of each figure separately (counts are summed).
    pub fn median_of(runs: &[Summary]) -> Option<Summary> {
        let m = |f: fn(&Summary) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
        Some(Summary {
            ok: runs.iter().map(|s| s.ok).sum(),
            errors: runs.iter().map(|s| s.errors).sum(),
            req_per_s: m(|s| s.req_per_s)?,
            p50_ms: m(|s| s.p50_ms)?,
            p99_ms: m(|s| s.p99_ms)?,
            max_ms: m(|s| s.max_ms)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&v, 99.5), Some(100));
        assert_eq!(percentile(&v, 100.0), Some(100));
        assert_eq!(percentile(&v, 1.0), Some(1));
        assert_eq!(percentile(&v, 0.0), Some(1));

        let v = [10, 20, 30, 40];
        assert_eq!(percentile(&v, 50.0), Some(20));
        assert_eq!(percentile(&v, 51.0), Some(30));
        assert_eq!(percentile(&v, 75.0), Some(30));
        assert_eq!(percentile(&v, 99.0), Some(40));

        // 1,000 samples: p99 is the 990th value, so the 10 slowest are above it.
        let v: Vec<u64> = (0..1000).collect();
        assert_eq!(percentile(&v, 99.0), Some(989));
        assert_eq!(percentile(&v, 50.0), Some(499));

        assert_eq!(percentile(&[7], 99.0), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn median_odd_even_unsorted() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[5.0]), Some(5.0));
        assert_eq!(median(&[]), None);
        // An outlier run does not move the median of three.
        assert_eq!(median(&[100.0, 1_000_000.0, 101.0]), Some(101.0));
    }

    #[test]
    fn summary_from_latencies() {
        // 200 requests of 1..=200 ms over 2 s, given out of order.
        let lat: Vec<u64> = (1..=200u64).rev().map(|ms| ms * 1_000_000).collect();
        let s = Summary::from_latencies(lat, 3, Duration::from_secs(2));
        assert_eq!(s.ok, 200);
        assert_eq!(s.errors, 3);
        assert!((s.req_per_s - 100.0).abs() < 1e-9);
        assert_eq!(s.p50_ms, 100.0);
        assert_eq!(s.p99_ms, 198.0);
        assert_eq!(s.max_ms, 200.0);
    }

    #[test]
    fn summary_median_of_runs() {
        let run = |rps: f64, p50: f64, p99: f64, max: f64| Summary {
            ok: 10,
            errors: 0,
            req_per_s: rps,
            p50_ms: p50,
            p99_ms: p99,
            max_ms: max,
        };
        let m = Summary::median_of(&[
            run(1000.0, 1.0, 9.0, 50.0),
            run(3000.0, 3.0, 2.0, 10.0),
            run(2000.0, 2.0, 5.0, 30.0),
        ])
        .unwrap();
        assert_eq!(m, run(2000.0, 2.0, 5.0, 30.0).with_ok(30));
        assert_eq!(Summary::median_of(&[]), None);
    }

    impl Summary {
        fn with_ok(mut self, ok: u64) -> Self {
            self.ok = ok;
            self
        }
    }
}
