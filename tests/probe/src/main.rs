//! `tidings-probe`: the Rust core driven from the command line, so the Python, Node and C test
//! suites can check that the core reads what their binding wrote (and the other way round).
//!
//! - `tidings-probe history <url> <pattern> [limit]`: prints each event, oldest first, as one
//!   line of JSON (the envelope plus `position`).
//! - `tidings-probe emit <url> <type> <json-data> [subject]`: emits and prints the event the
//!   same way.

use tidings::serde_json::{self, Value};
use tidings::{Bus, EmitOptions, HistoryQuery, Order};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(err) = run(&args).await {
        eprintln!("tidings-probe: {err}");
        std::process::exit(2);
    }
}

async fn run(args: &[String]) -> Result<(), String> {
    let usage =
        "usage: tidings-probe history <url> <pattern> [limit] | emit <url> <type> <json> [subject]";
    let arg = |i: usize| args.get(i).map(String::as_str).ok_or(usage);
    let bus = Bus::connect(arg(1)?).await.map_err(|e| e.to_string())?;
    match arg(0)? {
        "history" => {
            let limit = match args.get(3) {
                Some(limit) => limit.parse().map_err(|_| "limit must be a number")?,
                None => 1000,
            };
            let query = HistoryQuery::new().limit(limit).order(Order::OldestFirst);
            let events = bus
                .history(arg(2)?, query)
                .await
                .map_err(|e| e.to_string())?;
            for event in events {
                println!("{}", event.to_json_with_position());
            }
        }
        "emit" => {
            let data: Value = serde_json::from_str(arg(3)?).map_err(|e| e.to_string())?;
            let mut options = EmitOptions::new();
            if let Some(subject) = args.get(4) {
                options = options.subject(subject);
            }
            let event = bus
                .emit_event(arg(2)?, data, options)
                .await
                .map_err(|e| e.to_string())?;
            println!("{}", event.to_json_with_position());
        }
        _ => return Err(usage.to_owned()),
    }
    bus.close().await;
    Ok(())
}
