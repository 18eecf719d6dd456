//! JavaScript arguments to the core's types: strings, whole numbers, times (a `Date` or
//! milliseconds since the epoch), positions, and the option objects of `connect`, `emit`,
//! `subscribe` and `history`. Only shapes are checked here; what the values mean (a valid type,
//! pattern, position, namespace, retry policy) is the core's to judge.

use crate::error;
use crate::json;
use crate::text;
use napi::bindgen_prelude::{Env, JsObjectValue, Object, Unknown};
use napi::{JsDate, JsValue, ValueType};
use tidings::bindings::{ConnectOptions, Style};
use tidings::{
    Bound, BusBuilder, EmitOptions, EmitRequest, Error, ErrorKind, EventData, HistoryQuery, Order,
    Result, Start, SubscribeOptions,
};

/// The largest integer a JavaScript number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// The JavaScript type of `value`, in the words of `typeof` (plus `null`, `array` and `Date`).
fn type_name(value: &Unknown) -> &'static str {
    match value.get_type() {
        Ok(ValueType::Undefined) => "undefined",
        Ok(ValueType::Null) => "null",
        Ok(ValueType::Boolean) => "boolean",
        Ok(ValueType::Number) => "number",
        Ok(ValueType::String) => "string",
        Ok(ValueType::Symbol) => "symbol",
        Ok(ValueType::BigInt) => "bigint",
        Ok(ValueType::Function) => "function",
        Ok(ValueType::Object) if value.is_array().unwrap_or(false) => "array",
        Ok(ValueType::Object) if value.is_date().unwrap_or(false) => "Date",
        Ok(ValueType::Object) => "object",
        _ => "an unknown value",
    }
}

fn wrong_type(kind: ErrorKind, what: &str, expected: &str, value: &Unknown) -> Error {
    Error::new(
        kind,
        format!("{what} must be {expected}, not {}", type_name(value)),
    )
}

/// True for `undefined` and `null`: an option left out.
pub(crate) fn is_absent(value: &Unknown) -> bool {
    matches!(value.get_type(), Ok(ValueType::Undefined | ValueType::Null))
}

/// A string argument.
pub(crate) fn string(value: Unknown, what: &str, kind: ErrorKind) -> Result<String> {
    if value.get_type().ok() != Some(ValueType::String) {
        return Err(wrong_type(kind, what, "a string", &value));
    }
    text::utf8(&value).map_err(|e| error::from_engine(kind, what, e))
}

fn number(value: &Unknown, what: &str, kind: ErrorKind) -> Result<f64> {
    if value.get_type().ok() != Some(ValueType::Number) {
        return Err(wrong_type(kind, what, "a number", value));
    }
    // SAFETY: the value was just checked to be a number.
    unsafe { value.cast::<f64>() }.map_err(|e| error::from_engine(kind, what, e))
}

/// A whole, non-negative number no larger than `Number.MAX_SAFE_INTEGER`.
pub(crate) fn whole_number(value: Unknown, what: &str, kind: ErrorKind) -> Result<u64> {
    let number = number(&value, what, kind)?;
    if !(number.fract() == 0.0 && (0.0..=MAX_SAFE_INTEGER).contains(&number)) {
        return Err(Error::new(
            kind,
            format!("{what} must be a whole number from 0 to 2^53 - 1, not {number}"),
        ));
    }
    Ok(number as u64)
}

/// Milliseconds since the epoch, from a `Date` or a number; `None` when `value` is neither.
fn millis(value: &Unknown, what: &str, kind: ErrorKind) -> Result<Option<u64>> {
    if value.is_date().unwrap_or(false) {
        // SAFETY: the value was just checked to be a Date.
        let date =
            unsafe { value.cast::<JsDate>() }.map_err(|e| error::from_engine(kind, what, e))?;
        let ms = date
            .value_of()
            .map_err(|e| error::from_engine(kind, what, e))?;
        if !ms.is_finite() || ms < 0.0 {
            return Err(Error::new(
                kind,
                format!("{what} is an invalid Date or before 1970"),
            ));
        }
        return Ok(Some(ms as u64));
    }
    if value.get_type().ok() == Some(ValueType::Number) {
        return whole_number(
            *value,
            &format!("{what} (milliseconds since the epoch)"),
            kind,
        )
        .map(Some);
    }
    Ok(None)
}

/// Where a subscription starts: `'start'`, `'live'`, a position string, a `Date` or
/// milliseconds since the epoch.
pub(crate) fn start(value: Unknown) -> Result<Start> {
    let what = "from";
    if let Some(ms) = millis(&value, what, ErrorKind::Config)? {
        return Ok(Start::from_millis(ms));
    }
    if value.get_type().ok() == Some(ValueType::String) {
        return Start::parse(&string(value, what, ErrorKind::Config)?);
    }
    Err(wrong_type(
        ErrorKind::Config,
        what,
        "'start', 'live', a position string, a Date or milliseconds since the epoch",
        &value,
    ))
}

/// One end of a history range: a position string, a `Date` or milliseconds since the epoch.
fn bound(value: Unknown, what: &str) -> Result<Bound> {
    if let Some(ms) = millis(&value, what, ErrorKind::Config)? {
        return Ok(Bound::from_millis(ms));
    }
    if value.get_type().ok() == Some(ValueType::String) {
        return Bound::parse(&string(value, what, ErrorKind::Config)?);
    }
    Err(wrong_type(
        ErrorKind::Config,
        what,
        "a position string, a Date or milliseconds since the epoch",
        &value,
    ))
}

/// An options object being read. Keys it does not know are an error, so a misspelt option
/// fails loudly instead of being ignored.
pub(crate) struct Options<'env> {
    object: Option<Object<'env>>,
    what: &'static str,
    kind: ErrorKind,
}

impl<'env> Options<'env> {
    /// Reads `value` (`undefined` or `null` mean no options) as an object with only `known` keys.
    pub(crate) fn new(
        value: Option<Unknown<'env>>,
        what: &'static str,
        kind: ErrorKind,
        known: &[&str],
    ) -> Result<Options<'env>> {
        let value = match value {
            Some(value) if !is_absent(&value) => value,
            _ => {
                return Ok(Options {
                    object: None,
                    what,
                    kind,
                })
            }
        };
        if value.get_type().ok() != Some(ValueType::Object) || value.is_array().unwrap_or(false) {
            return Err(wrong_type(kind, what, "an object", &value));
        }
        // SAFETY: the value was just checked to be an object.
        let object =
            unsafe { value.cast::<Object>() }.map_err(|e| error::from_engine(kind, what, e))?;
        let keys = Object::keys(&object).map_err(|e| error::from_engine(kind, what, e))?;
        if let Some(unknown) = keys.iter().find(|key| !known.contains(&key.as_str())) {
            return Err(Error::new(
                kind,
                format!(
                    "{what} has no option {unknown:?}; the options are {}",
                    known.join(", ")
                ),
            ));
        }
        Ok(Options {
            object: Some(object),
            what,
            kind,
        })
    }

    /// The value of option `name`, or `None` when it is absent, `undefined` or `null`.
    pub(crate) fn get(&self, name: &str) -> Result<Option<Unknown<'env>>> {
        let Some(object) = &self.object else {
            return Ok(None);
        };
        let value = self.read(object, name)?;
        Ok((!is_absent(&value)).then_some(value))
    }

    /// The value of property `name` as it is, `undefined` when absent.
    fn raw(&self, name: &str) -> Result<Unknown<'env>> {
        match &self.object {
            Some(object) => self.read(object, name),
            None => Err(Error::new(self.kind, format!("{} is missing", self.what))),
        }
    }

    fn read(&self, object: &Object<'env>, name: &str) -> Result<Unknown<'env>> {
        object
            .get_named_property_unchecked(name)
            .map_err(|e| error::from_engine(self.kind, self.what, e))
    }

    /// How messages name option `name` (made only for an option that is there: most emits
    /// have none, and this was a `format!` per option per emit).
    fn name_of(&self, name: &str) -> String {
        format!("{}.{name}", self.what)
    }

    fn string(&self, name: &str) -> Result<Option<String>> {
        self.get(name)?
            .map(|v| string(v, &self.name_of(name), self.kind))
            .transpose()
    }

    fn whole_number(&self, name: &str) -> Result<Option<u64>> {
        self.get(name)?
            .map(|v| whole_number(v, &self.name_of(name), self.kind))
            .transpose()
    }
}

/// `connect(url, { namespace, source, retry, … })` as a bus builder: each option, as JSON, to the
/// core's options schema (Node style: camelCase, durations in whole milliseconds), which knows
/// every option and refuses what it does not know.
pub(crate) fn connect(
    env: &Env,
    url: Option<Unknown>,
    options: Option<Unknown>,
) -> Result<BusBuilder> {
    let url = match url {
        Some(url) if !is_absent(&url) => string(url, "url", ErrorKind::Config)?,
        _ => "memory://".to_owned(),
    };
    let mut connect = ConnectOptions::new(Style::Node);
    let Some(options) = options.filter(|options| !is_absent(options)) else {
        return Ok(connect.into_builder(&url));
    };
    let what = "connect options";
    if options.get_type().ok() != Some(ValueType::Object) || options.is_array().unwrap_or(false) {
        return Err(wrong_type(ErrorKind::Config, what, "an object", &options));
    }
    // SAFETY: the value was just checked to be an object.
    let object = unsafe { options.cast::<Object>() }
        .map_err(|e| error::from_engine(ErrorKind::Config, what, e))?;
    let keys = Object::keys(&object).map_err(|e| error::from_engine(ErrorKind::Config, what, e))?;
    for key in keys {
        let value: Unknown = object
            .get_named_property_unchecked(&key)
            .map_err(|e| error::from_engine(ErrorKind::Config, what, e))?;
        if is_absent(&value) {
            continue;
        }
        let name = format!("connect option `{key}`");
        connect.set(&key, json::to_value(env, value, &name, ErrorKind::Config)?)?;
    }
    Ok(connect.into_builder(&url))
}

/// The option names `connect` takes, from the core's schema (for tests and tools).
#[napi_derive::napi(catch_unwind)]
pub fn connect_option_names() -> Vec<String> {
    tidings::bindings::CONNECT_OPTIONS
        .iter()
        .map(|spec| tidings::bindings::host_name(spec, Style::Node))
        .collect()
}

/// `emit(type, data, { subject, metadata, version })`'s options.
pub(crate) fn emit(env: &Env, options: Options) -> Result<EmitOptions> {
    let mut emit = EmitOptions::new();
    if let Some(subject) = options.string("subject")? {
        emit = emit.subject(subject);
    }
    if let Some(metadata) = options.get("metadata")? {
        let what = "metadata";
        match json::to_value(env, metadata, what, ErrorKind::InvalidData)? {
            tidings::serde_json::Value::Object(map) => emit = emit.metadata(map),
            _ => {
                return Err(wrong_type(
                    ErrorKind::InvalidData,
                    what,
                    "an object",
                    &metadata,
                ))
            }
        }
    }
    if let Some(version) = options.string("version")? {
        emit = emit.version(version);
    }
    Ok(emit)
}

/// The option names `emit` accepts.
pub(crate) const EMIT_OPTIONS: [&str; 3] = ["subject", "metadata", "version"];

/// One element of `emitMany([{ type, data, subject, metadata, version }, …])`.
pub(crate) fn emit_request(env: &Env, value: Unknown, index: u32) -> Result<EmitRequest> {
    let at = |err: Error| Error::new(err.kind(), format!("emitMany[{index}]: {}", err.message()));
    if is_absent(&value) {
        return Err(at(wrong_type(
            ErrorKind::InvalidData,
            "an event",
            "an object",
            &value,
        )));
    }
    let request = Options::new(
        Some(value),
        "emitMany event",
        ErrorKind::InvalidData,
        &["type", "data", "subject", "metadata", "version"],
    )
    .map_err(at)?;
    let event_type = match request.get("type").map_err(at)? {
        Some(value) => string(value, "type", ErrorKind::InvalidType).map_err(at)?,
        None => return Err(at(Error::new(ErrorKind::InvalidType, "type is missing"))),
    };
    let data = request.raw("data").map_err(at)?;
    let data = json::stringify(env, data, "data", ErrorKind::InvalidData).map_err(at)?;
    let data = EventData::from_json(data).map_err(at)?;
    let options = emit(env, request).map_err(at)?;
    Ok(EmitRequest::new(event_type, data).options(options))
}

/// `subscribe(pattern, { from, batchSize })`'s options.
pub(crate) fn subscribe(options: Option<Unknown>) -> Result<SubscribeOptions> {
    let options = Options::new(
        options,
        "subscribe options",
        ErrorKind::Config,
        &["from", "batchSize"],
    )?;
    let mut subscribe = SubscribeOptions::new();
    if let Some(from) = options.get("from")? {
        subscribe = subscribe.from(start(from)?);
    }
    if let Some(size) = options.whole_number("batchSize")? {
        subscribe = subscribe.batch_size(size as usize);
    }
    Ok(subscribe)
}

/// `history(pattern, { limit, since, until, order })`'s options.
pub(crate) fn history(options: Option<Unknown>) -> Result<HistoryQuery> {
    let options = Options::new(
        options,
        "history options",
        ErrorKind::Config,
        &["limit", "since", "until", "order"],
    )?;
    let mut query = HistoryQuery::new();
    if let Some(limit) = options.whole_number("limit")? {
        query = query.limit(limit as usize);
    }
    if let Some(since) = options.get("since")? {
        query = query.since(bound(since, "history options.since")?);
    }
    if let Some(until) = options.get("until")? {
        query = query.until(bound(until, "history options.until")?);
    }
    if let Some(order) = options.string("order")? {
        query = query.order(order.parse::<Order>()?);
    }
    Ok(query)
}
