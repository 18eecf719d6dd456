//! A small program to copy: connect, subscribe to `user.*`, emit a few events, read history.
//! Uses `TIDINGS_URL` (e.g. redis://127.0.0.1:6390/) and falls back to the embedded memory://
//! backend when it is not set.

use futures_util::StreamExt;
use tidings::serde_json::json;
use tidings::{Bus, EmitOptions, HistoryQuery};

#[tokio::main]
async fn main() -> tidings::Result<()> {
    let url = std::env::var("TIDINGS_URL").unwrap_or_else(|_| "memory://".to_owned());
    if url.starts_with("memory://") {
        println!("[rust] no TIDINGS_URL: using the embedded memory:// backend");
    } else {
        println!("[rust] connecting to {url}");
    }
    let bus = Bus::builder(&url).source("examples/rust").build().await?;

    // Subscribe before emitting: a live subscription sees what is emitted after it starts.
    let mut user_events = bus.subscribe("user.*").await?;

    bus.emit(
        "user.registered",
        json!({"userId": 123, "email": "ada@example.com"}),
    )
    .await?;
    let options = EmitOptions::new().subject("user-123").metadata(
        json!({"ip": "192.168.1.1"})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    );
    bus.emit_with(
        "user.login",
        json!({"userId": 123, "device": "iPhone 14"}),
        options,
    )
    .await?;
    bus.emit("order.placed", json!({"orderId": 9, "total": 42.5}))
        .await?;
    let last = bus.emit("user.logout", json!({"userId": 123})).await?;
    println!("[rust] emitted 4 events; the last id is {last}");

    // `user.*` selects three of the four; the order event is not delivered here.
    for _ in 0..3 {
        if let Some(event) = user_events.next().await {
            let event = event?;
            println!(
                "[rust] live  {:<16} position {} data {}",
                event.event_type,
                event.position.map(|p| p.to_string()).unwrap_or_default(),
                event.data
            );
        }
    }

    let history = bus.history("*", HistoryQuery::new().limit(10)).await?;
    println!(
        "[rust] history of '*' (newest first): {} events",
        history.len()
    );
    for event in &history {
        println!(
            "[rust]   {:<16} from {:<16} {}",
            event.event_type, event.source, event.data
        );
    }
    let emitted: u64 = bus.metrics().types.values().map(|m| m.emitted).sum();
    println!("[rust] metrics: {emitted} events emitted by this process");
    bus.close().await;
    Ok(())
}
