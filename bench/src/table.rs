//! The one table of a run: rows gathered over the rounds (the Rust rows and the bindings' JSON
//! lines alike), printed as Markdown (median, min – max, server CPU, vs best peer) and, with
//! `--csv`, as the CSV of bench/results/latest.csv.

/// What a row's figures are: one rate, or a latency's p50, p99 and max in µs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Rate,
    Latency,
}

/// One round's figures of a row.
pub type Sample = (Kind, Vec<f64>);

pub fn rate(events_per_s: f64) -> Sample {
    (Kind::Rate, vec![events_per_s])
}

pub struct Row {
    /// Who measured it ("Rust", "Python", …): only rows of one source are peers.
    pub source: &'static str,
    pub contender: String,
    /// The work; rows of one source and one `what` are peers.
    pub what: String,
    /// How the contender was set up (runtime flavour, options), shown after `what`.
    pub setup: String,
    pub kind: Kind,
    pub samples: Vec<Vec<f64>>,
    /// redis-server's CPU during each round's run, % of one core (Rust rows only).
    pub server_cpu: Vec<f64>,
}

impl Row {
    fn shown_what(&self) -> String {
        match self.setup.as_str() {
            "" => self.what.clone(),
            setup => format!("{}, {setup}", self.what),
        }
    }

    /// [median, min, max] of figure `i` over the rounds.
    fn summary(&self, i: usize) -> [f64; 3] {
        summary(&self.samples.iter().map(|s| s[i]).collect::<Vec<_>>())
    }

    fn cpu(&self) -> Option<f64> {
        (self.server_cpu.len() == self.samples.len()).then(|| summary(&self.server_cpu)[0])
    }
}

/// Adds a round's sample to the row of `[contender, what, setup]`, made on its first sample.
pub fn add(
    rows: &mut Vec<Row>,
    source: &'static str,
    key: [String; 3],
    sample: Sample,
    cpu: Option<f64>,
) {
    let same = |r: &Row| r.source == source && [&r.contender, &r.what, &r.setup] == key.each_ref();
    let index = rows.iter().position(same).unwrap_or_else(|| {
        let [contender, what, setup] = key;
        let (kind, samples, server_cpu) = (sample.0, Vec::new(), Vec::new());
        rows.push(Row {
            source,
            contender,
            what,
            setup,
            kind,
            samples,
            server_cpu,
        });
        rows.len() - 1
    });
    rows[index].samples.push(sample.1);
    rows[index].server_cpu.extend(cpu);
}

/// [median, min, max] of at least one value.
pub fn summary(values: &[f64]) -> [f64; 3] {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    [
        (sorted[(n - 1) / 2] + sorted[n / 2]) / 2.0,
        sorted[0],
        sorted[n - 1],
    ]
}

/// The nearest-rank percentile `p` (0..=1) of sorted values (at least one).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// 1234567.8 -> "1,234,568".
pub fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A tidings row against the best row of the same source and work whose contender is not
/// tidings: "2.10×" on rates (more is better), "p99 1.15×" on latencies (less is better).
fn versus_best_peer(row: &Row, rows: &[Row]) -> String {
    let headline = |r: &Row| r.summary(if r.kind == Kind::Rate { 0 } else { 1 })[0];
    let peers = rows.iter().filter(|r| {
        r.source == row.source && r.what == row.what && !r.contender.starts_with("tidings")
    });
    let best = match row.kind {
        Kind::Rate => peers.map(headline).reduce(f64::max),
        Kind::Latency => peers.map(headline).reduce(f64::min),
    };
    match best {
        Some(best) if row.contender.starts_with("tidings") => {
            let figure = if row.kind == Kind::Rate { "" } else { "p99 " };
            format!("{figure}{:.2}×", headline(row) / best)
        }
        _ => String::new(),
    }
}

pub fn print(rows: &[Row], runs: usize) {
    println!("| contender | what | median of {runs} | min – max | server CPU | vs best peer |");
    println!("|---|---|---:|---:|---:|---:|");
    for row in rows {
        let (median, range) = match row.kind {
            Kind::Rate => {
                let [median, min, max] = row.summary(0).map(thousands);
                (format!("{median}/s"), format!("{min} – {max}"))
            }
            Kind::Latency => {
                let [p50, p99, max] = [0, 1, 2].map(|i| thousands(row.summary(i)[0]));
                let [_, low, high] = row.summary(1).map(thousands);
                (
                    format!("p50 {p50} · p99 {p99} · max {max} µs"),
                    format!("p99 {low} – {high} µs"),
                )
            }
        };
        let cpu = row.cpu().map_or("—".to_owned(), |cpu| format!("{cpu:.0}%"));
        let (contender, what, versus) = (
            &row.contender,
            row.shown_what(),
            versus_best_peer(row, rows),
        );
        println!("| {contender} | {what} | {median} | {range} | {cpu} | {versus} |");
    }
}

/// contender,what,median,min,max,unit,server_cpu; a latency row gives a line per figure.
pub fn csv(rows: &[Row]) -> String {
    let quote = |text: String| match text.contains([',', '"']) {
        true => format!("\"{}\"", text.replace('"', "\"\"")),
        false => text,
    };
    let mut out = vec!["contender,what,median,min,max,unit,server_cpu".to_owned()];
    for row in rows {
        let cpu = row.cpu().map_or(String::new(), |cpu| format!("{cpu:.0}"));
        let figures: &[(&str, &str)] = match row.kind {
            Kind::Rate => &[("", "per second")],
            Kind::Latency => &[(" (p50)", "µs"), (" (p99)", "µs"), (" (max)", "µs")],
        };
        for (i, (label, unit)) in figures.iter().enumerate() {
            let [median, min, max] = row.summary(i);
            let what = quote(format!("{}{label}", row.shown_what()).replace('`', ""));
            let contender = quote(row.contender.clone());
            let figures = format!("{median:.0},{min:.0},{max:.0}");
            out.push(format!("{contender},{what},{figures},{unit},{cpu}"));
        }
    }
    out.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_peers_and_csv() {
        assert_eq!(summary(&[5.0, 1.0, 3.0, 2.0]), [2.5, 1.0, 5.0]);
        let sorted: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!([0.5, 0.99].map(|p| percentile(&sorted, p)), [50.0, 99.0]);
        assert_eq!(thousands(1234567.8), "1,234,568");
        let mut rows = Vec::new();
        let runs = [("tidings (X)", 30.0), ("peer", 10.0), ("tidings (X)", 40.0)];
        for (contender, value) in runs {
            add(
                &mut rows,
                "X",
                [contender, "emit", ""].map(String::from),
                rate(value),
                None,
            );
        }
        let key = ["peer", "emit", "fast"].map(String::from);
        add(&mut rows, "X", key, rate(20.0), Some(50.0));
        assert_eq!(rows.len(), 3);
        assert_eq!(versus_best_peer(&rows[0], &rows), "1.75×");
        assert_eq!(versus_best_peer(&rows[1], &rows), "");
        assert!(csv(&rows).ends_with("peer,\"emit, fast\",20,20,20,per second,50\n"));
    }
}
