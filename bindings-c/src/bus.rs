//! `tidings_bus`: connect with options, emit (one, or many in flight), and free (which closes).

use crate::args::{
    copy_text, copy_text_to_slot, event_data, json_object, optional, optional_text, out, required,
    take, text, text_array, too_small,
};
use crate::error::{boundary, boundary_void, tidings_result, CResult, Failure};
use crate::runtime::Engine;
use std::ffi::c_char;
use std::sync::Arc;
use std::time::Duration;
use tidings_core::{Bus, EmitOptions, EmitRequest, ErrorKind};

/// Bytes an event id needs in a caller's buffer: the id tidings emits (a hyphenated UUIDv7,
/// 36 bytes) and its NUL.
pub const TIDINGS_EVENT_ID_SIZE: usize = 37;
const _: () = assert!(TIDINGS_EVENT_ID_SIZE == tidings_core::EVENT_ID_LEN + 1);

/// A connection to the event bus (opaque). Safe to use from several threads at once.
pub struct tidings_bus {
    pub(crate) engine: Arc<Engine>,
    pub(crate) bus: Bus,
}

/// Options of `tidings_connect`. Zero-initialise it (`tidings_connect_options opts = {0};`) and set
/// what you need: every zero or NULL field means the default.
#[repr(C)]
pub struct tidings_connect_options {
    /// Prefix of every key and channel (`<namespace>:`); NULL for none.
    pub key_namespace: *const c_char,
    /// The CloudEvents `source` stamped on emitted events; NULL for `tidings`.
    pub source: *const c_char,
    /// How long connecting may take; 0 for 5000.
    pub connect_timeout_ms: u32,
    /// How long one Redis command may take; 0 for 5000.
    pub response_timeout_ms: u32,
    /// Trim each stream to about this many entries; 0 to keep everything.
    pub max_stream_len: u64,
    /// Find streams that other code wrote without registering their type (costs a keyspace
    /// scan per wildcard pattern).
    pub discover_streams: bool,
}

/// Options of `tidings_emit_with`; zero-initialise it. NULL fields are left out of the event.
#[repr(C)]
pub struct tidings_emit_options {
    /// What the event is about (CloudEvents `subject`), such as `user-123`.
    pub subject: *const c_char,
    /// Context carried beside the data: JSON text of an object, such as `{"ip":"10.0.0.1"}`.
    pub metadata_json: *const c_char,
    /// The schema version of the data; NULL for `1`.
    pub version: *const c_char,
}

fn builder(
    url: &str,
    options: Option<&tidings_connect_options>,
) -> CResult<tidings_core::BusBuilder> {
    let mut builder = Bus::builder(url);
    let Some(options) = options else {
        return Ok(builder);
    };
    if let Some(namespace) =
        optional_text(options.key_namespace, "key_namespace", ErrorKind::Config)?
    {
        builder = builder.namespace(namespace);
    }
    if let Some(source) = optional_text(options.source, "source", ErrorKind::Config)? {
        builder = builder.source(source);
    }
    if options.connect_timeout_ms > 0 {
        builder = builder.connect_timeout(Duration::from_millis(options.connect_timeout_ms.into()));
    }
    if options.response_timeout_ms > 0 {
        builder =
            builder.response_timeout(Duration::from_millis(options.response_timeout_ms.into()));
    }
    if options.max_stream_len > 0 {
        builder = builder.max_stream_len(options.max_stream_len);
    }
    Ok(builder.discover_streams(options.discover_streams))
}

/// Connects to `url`: `memory://` (the embedded backend; `memory://<name>` is shared by every bus
/// of that name in this process), `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS).
/// `options` may be NULL for the defaults. Each bus runs its own background threads (see the
/// top of this header) until it is freed.
///
/// Ownership: the caller owns `*bus` and frees it with `tidings_bus_free`.
#[no_mangle]
pub extern "C" fn tidings_connect(
    url: *const c_char,
    options: *const tidings_connect_options,
    bus: *mut *mut tidings_bus,
) -> tidings_result {
    boundary(|| {
        let url = text(url, "url", ErrorKind::Config)?;
        let builder = builder(url, optional(options))?;
        let output = out(bus, "bus")?;
        let engine = Engine::start()?;
        let connected = engine.block_on(builder.build())?;
        *output = Box::into_raw(Box::new(tidings_bus {
            engine,
            bus: connected,
        }));
        Ok(())
    })
}

fn emit_options(options: *const tidings_emit_options) -> CResult<EmitOptions> {
    let mut emit = EmitOptions::new();
    let Some(options) = optional(options) else {
        return Ok(emit);
    };
    if let Some(subject) = optional_text(options.subject, "subject", ErrorKind::InvalidData)? {
        emit = emit.subject(subject);
    }
    if let Some(metadata) = optional_text(
        options.metadata_json,
        "metadata_json",
        ErrorKind::InvalidData,
    )? {
        emit = emit.metadata(json_object(metadata, "metadata_json")?);
    }
    if let Some(version) = optional_text(options.version, "version", ErrorKind::InvalidData)? {
        emit = emit.version(version);
    }
    Ok(emit)
}

/// Emits an event of `event_type` whose data is the JSON text `json`, and writes its id (and a
/// NUL) to `id_buf`, which holds `id_buf_len` bytes. `*needed` gets the bytes the id needs
/// (`TIDINGS_EVENT_ID_SIZE`), on success and on `TIDINGS_RESULT_BUFFER_TOO_SMALL`; a buffer that
/// is too small is reported before anything is emitted. Blocks until Redis has the event.
///
/// Ownership: writes into the caller's buffer; nothing to free.
#[no_mangle]
pub extern "C" fn tidings_emit(
    bus: *const tidings_bus,
    event_type: *const c_char,
    json: *const c_char,
    id_buf: *mut c_char,
    id_buf_len: usize,
    needed: *mut usize,
) -> tidings_result {
    tidings_emit_with(
        bus,
        event_type,
        json,
        std::ptr::null(),
        id_buf,
        id_buf_len,
        needed,
    )
}

/// `tidings_emit` with a subject, metadata or version (`options` may be NULL).
///
/// Ownership: writes into the caller's buffer; nothing to free.
#[no_mangle]
pub extern "C" fn tidings_emit_with(
    bus: *const tidings_bus,
    event_type: *const c_char,
    json: *const c_char,
    options: *const tidings_emit_options,
    id_buf: *mut c_char,
    id_buf_len: usize,
    needed: *mut usize,
) -> tidings_result {
    boundary(|| {
        let bus = required(bus, "bus")?;
        let event_type = text(event_type, "event_type", ErrorKind::InvalidType)?;
        let data = event_data(text(json, "json", ErrorKind::InvalidData)?, "json")?;
        let options = emit_options(options)?;
        required(id_buf, "id_buf")?;
        let needed = out(needed, "needed")?;
        if id_buf_len < TIDINGS_EVENT_ID_SIZE {
            *needed = TIDINGS_EVENT_ID_SIZE;
            return Err(too_small(TIDINGS_EVENT_ID_SIZE, id_buf_len));
        }
        let id = bus
            .engine
            .block_on(bus.bus.emit_with(event_type, data, options))?;
        copy_text(&id, id_buf, id_buf_len, needed)
    })
}

/// Emits `count` events at once, up to 256 in flight (`event_types[i]` with the JSON text
/// `jsons[i]`): the fast way to emit many from one thread. Every event is checked before any is
/// sent, so bad input emits nothing; if Redis fails part-way, the events before the failure may
/// have been emitted. Id `i` (and its NUL) is written at `ids_buf + i * TIDINGS_EVENT_ID_SIZE`;
/// `*needed` gets `count * TIDINGS_EVENT_ID_SIZE`, on success and on
/// `TIDINGS_RESULT_BUFFER_TOO_SMALL` (reported before anything is emitted).
///
/// Ownership: writes into the caller's buffer; nothing to free.
#[no_mangle]
pub extern "C" fn tidings_emit_many(
    bus: *const tidings_bus,
    count: usize,
    event_types: *const *const c_char,
    jsons: *const *const c_char,
    ids_buf: *mut c_char,
    ids_buf_len: usize,
    needed: *mut usize,
) -> tidings_result {
    boundary(|| {
        let bus = required(bus, "bus")?;
        let types = text_array(event_types, count, "event_types", ErrorKind::InvalidType)?;
        let texts = text_array(jsons, count, "jsons", ErrorKind::InvalidData)?;
        let requests = types
            .into_iter()
            .zip(texts)
            .enumerate()
            .map(|(i, (event_type, data))| {
                let data =
                    event_data(data, "jsons").map_err(|failure| failure.at_index("jsons", i))?;
                Ok(EmitRequest::new(event_type, data))
            })
            .collect::<CResult<Vec<_>>>()?;
        required(ids_buf, "ids_buf")?;
        let needed = out(needed, "needed")?;
        let size = count
            .checked_mul(TIDINGS_EVENT_ID_SIZE)
            .ok_or_else(|| Failure::new(tidings_result::BufferTooSmall, "count is too large"))?;
        if ids_buf_len < size {
            *needed = size;
            return Err(too_small(size, ids_buf_len));
        }
        let ids = bus.engine.block_on(bus.bus.emit_many(requests))?;
        for (i, id) in ids.iter().enumerate() {
            copy_text_to_slot(id, ids_buf, i, TIDINGS_EVENT_ID_SIZE)?;
        }
        *needed = size;
        Ok(())
    })
}

/// Closes and frees a bus. Its subscriptions end: their callbacks stop and
/// `tidings_subscription_next` returns `TIDINGS_RESULT_CLOSED` (they still need freeing). Blocks
/// until the bus's threads have stopped, unless a subscription is still unfreed (then they stop
/// when the last one is freed). May be called from a callback. NULL is ignored; using the bus
/// afterwards, or freeing it twice, is undefined behaviour.
#[no_mangle]
pub extern "C" fn tidings_bus_free(bus: *mut tidings_bus) {
    boundary_void(|| {
        let Some(handle) = take(bus) else { return };
        let tidings_bus { engine, bus } = *handle;
        engine.block_on(async move {
            bus.close().await;
            drop(bus);
        });
        drop(engine);
    });
}
