//! `tidings_bus`: connect with options, emit (one, or many in flight), and free (which closes).

use crate::args::{
    copy_text, copy_text_to_slot, event_data, hand_out, json_object, optional, out, required, take,
    text, text_array, too_small, update,
};
use crate::connect_options::tidings_connect_options;
use crate::error::{boundary, boundary_void, tidings_result, CResult, Failure};
use crate::runtime::Engine;
use std::ffi::c_char;
use std::sync::Arc;
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

/// Connects to `url`: `memory://` (the embedded backend; `memory://<name>` is shared by every bus
/// of that name in this process), `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS).
/// `options` (from `tidings_connect_options_new`) may be NULL for the defaults; every option is
/// checked before anything connects. Each bus runs its own background threads (see the top of
/// this header) until it is freed.
///
/// Ownership: the caller owns `*bus` and frees it with `tidings_bus_free`. `options` is only
/// read: it stays the caller's, to reuse or free at once.
#[no_mangle]
pub extern "C" fn tidings_connect(
    url: *const c_char,
    options: *const tidings_connect_options,
    bus: *mut *mut tidings_bus,
) -> tidings_result {
    boundary(|| {
        let url = text(url, "url", ErrorKind::Config)?;
        let builder = match optional(options) {
            Some(options) => options.builder(url),
            None => Bus::builder(url),
        };
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

/// The options of `tidings_emit_with` (opaque), made by `tidings_emit_options_new` (no subject,
/// no metadata, version `1`) and changed by its setters. Set it from one thread at a time; once
/// set, any number of threads may emit with it at once.
#[derive(Clone)]
pub struct tidings_emit_options {
    options: EmitOptions,
}

/// Makes emit options: no subject, no metadata, version `1`.
///
/// Ownership: the caller owns `*out` and frees it with `tidings_emit_options_free`.
#[no_mangle]
pub extern "C" fn tidings_emit_options_new(out: *mut *mut tidings_emit_options) -> tidings_result {
    hand_out(
        out,
        tidings_emit_options {
            options: EmitOptions::new(),
        },
    )
}

/// Frees emit options. NULL is ignored; using them afterwards, or freeing them twice, is
/// undefined behaviour.
#[no_mangle]
pub extern "C" fn tidings_emit_options_free(options: *mut tidings_emit_options) {
    boundary_void(|| drop(take(options)));
}

/// Runs one emit-options setter: the options are unchanged when it fails.
fn set_emit(
    options: *mut tidings_emit_options,
    change: impl FnOnce(EmitOptions) -> CResult<EmitOptions>,
) -> tidings_result {
    update(options, |emit: tidings_emit_options| {
        Ok(tidings_emit_options {
            options: change(emit.options)?,
        })
    })
}

/// What the event is about (CloudEvents `subject`), such as `user-123`. An empty subject is
/// refused by the emit (`TIDINGS_RESULT_INVALID_DATA`).
///
/// Ownership: the text is copied; nothing to free.
#[no_mangle]
pub extern "C" fn tidings_emit_options_set_subject(
    options: *mut tidings_emit_options,
    subject: *const c_char,
) -> tidings_result {
    set_emit(options, |emit| {
        Ok(emit.subject(text(subject, "subject", ErrorKind::InvalidData)?))
    })
}

/// Context carried beside the data: JSON text of an object, such as `{"ip":"10.0.0.1"}`; other
/// text is refused here (`TIDINGS_RESULT_INVALID_DATA`).
///
/// Ownership: the text is read and not kept; nothing to free.
#[no_mangle]
pub extern "C" fn tidings_emit_options_set_metadata_json(
    options: *mut tidings_emit_options,
    metadata_json: *const c_char,
) -> tidings_result {
    set_emit(options, |emit| {
        let metadata = text(metadata_json, "metadata_json", ErrorKind::InvalidData)?;
        Ok(emit.metadata(json_object(metadata, "metadata_json")?))
    })
}

/// The schema version of the data (default `1`). An empty version is refused by the emit
/// (`TIDINGS_RESULT_INVALID_DATA`).
///
/// Ownership: the text is copied; nothing to free.
#[no_mangle]
pub extern "C" fn tidings_emit_options_set_version(
    options: *mut tidings_emit_options,
    version: *const c_char,
) -> tidings_result {
    set_emit(options, |emit| {
        Ok(emit.version(text(version, "version", ErrorKind::InvalidData)?))
    })
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

/// `tidings_emit` with a subject, metadata or version (`options`, from
/// `tidings_emit_options_new`, may be NULL for none).
///
/// Ownership: writes into the caller's buffer; nothing to free. `options` is only read: it
/// stays the caller's.
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
        let options = optional(options).map_or_else(EmitOptions::new, |o| o.options.clone());
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
