/* The shared wire-format vectors (tests/vectors/, described in its README) through the C API:
 * types through tidings_emit, patterns through tidings_subscribe and tidings_history, and
 * envelopes through tidings_event_from_json, cursors through tidings_event_cursor and
 * tidings_subscribe_with (and the resume they promise). A C string cannot hold a NUL byte, so a vector
 * whose text holds one cannot be passed through this API and is skipped (and said so). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#ifndef TIDINGS_VECTORS_DIR
#error "build with -DTIDINGS_VECTORS_DIR=\"<repo>/tests/vectors\""
#endif

static json_t *load(test_context *t, const char *file) {
  char path[1024];
  json_error_t error;
  json_t *root;
  snprintf(path, sizeof path, "%s/%s", TIDINGS_VECTORS_DIR, file);
  root = json_load_file(path, JSON_ALLOW_NUL, &error);
  if (root == NULL) test_fail(t, __FILE__, __LINE__, "%s: %s", path, error.text);
  return root;
}

/* The text of a JSON string, or NULL when it holds a NUL (then it cannot be a C string). */
static const char *c_string(const json_t *value) {
  const char *text = json_string_value(value);
  if (text == NULL || strlen(text) != json_string_length(value)) return NULL;
  return text;
}

static void note_skipped(const char *what, const json_t *value) {
  printf("[c]   skipped %s holding a NUL byte (length %zu): a C string cannot carry it\n", what,
         json_string_length(value));
}

static void types_through_emit(test_context *t) {
  json_t *vectors = load(t, "types.json");
  tidings_bus *bus = NULL;
  const char *error;
  size_t i, failures = 0, needed;
  json_t *item;
  char id[TIDINGS_EVENT_ID_SIZE];
  if (vectors == NULL) return;
  error = json_string_value(json_object_get(vectors, "error"));
  CHECK_OK(t, connect_test_bus(t, &bus));
  json_array_foreach(json_object_get(vectors, "valid"), i, item) {
    const char *type = c_string(item);
    tidings_result got;
    if (type == NULL) { note_skipped("valid type", item); continue; }
    got = tidings_emit(bus, type, "{}", id, sizeof id, &needed);
    if (got != TIDINGS_RESULT_OK) {
      failures++;
      fprintf(stderr, "[c]   valid type \"%s\" rejected: %s\n", type, tidings_last_error_message());
    }
  }
  json_array_foreach(json_object_get(vectors, "invalid"), i, item) {
    const char *type = c_string(item);
    tidings_result got;
    if (type == NULL) { note_skipped("invalid type", item); continue; }
    got = tidings_emit(bus, type, "{}", id, sizeof id, &needed);
    if (strcmp(tidings_result_name(got), error) != 0) {
      failures++;
      fprintf(stderr, "[c]   invalid type \"%s\": %s, expected %s\n", type,
              tidings_result_name(got), error);
    }
  }
  tidings_bus_free(bus);
  json_decref(vectors);
  CHECK(t, failures == 0);
}

/* The result of subscribing to and reading the history of one pattern. */
static void pattern_results(tidings_bus *bus, const char *pattern, tidings_result *subscribed,
                            tidings_result *read) {
  tidings_subscription *sub = NULL;
  tidings_event_list *list = NULL;
  *subscribed = tidings_subscribe(bus, pattern, NULL, NULL, &sub);
  *read = tidings_history(bus, pattern, 1, 0, 0, &list);
  tidings_subscription_free(sub);
  tidings_event_list_free(list);
}

static void patterns_through_subscribe_and_history(test_context *t) {
  json_t *vectors = load(t, "patterns.json");
  tidings_bus *bus = NULL;
  const char *error;
  size_t i, failures = 0;
  json_t *item;
  if (vectors == NULL) return;
  error = json_string_value(json_object_get(vectors, "error"));
  CHECK_OK(t, connect_test_bus(t, &bus));
  json_array_foreach(json_object_get(vectors, "valid"), i, item) {
    const char *pattern = c_string(item);
    tidings_result subscribed, read;
    if (pattern == NULL) { note_skipped("valid pattern", item); continue; }
    pattern_results(bus, pattern, &subscribed, &read);
    if (subscribed != TIDINGS_RESULT_OK || read != TIDINGS_RESULT_OK) {
      failures++;
      fprintf(stderr, "[c]   valid pattern \"%s\" rejected: %s / %s\n", pattern,
              tidings_result_name(subscribed), tidings_result_name(read));
    }
  }
  json_array_foreach(json_object_get(vectors, "invalid"), i, item) {
    const char *pattern = c_string(item);
    tidings_result subscribed, read;
    if (pattern == NULL) { note_skipped("invalid pattern", item); continue; }
    pattern_results(bus, pattern, &subscribed, &read);
    if (strcmp(tidings_result_name(subscribed), error) != 0 ||
        strcmp(tidings_result_name(read), error) != 0) {
      failures++;
      fprintf(stderr, "[c]   invalid pattern \"%s\": %s / %s, expected %s\n", pattern,
              tidings_result_name(subscribed), tidings_result_name(read), error);
    }
  }
  tidings_bus_free(bus);
  json_decref(vectors);
  CHECK(t, failures == 0);
}

/* A type the pattern surely selects: every '*' made an 'x'. */
static void marker_for(const char *pattern, char *marker, size_t size) {
  snprintf(marker, size, "%s", pattern);
  for (char *c = marker; *c; c++) {
    if (*c == '*') *c = 'x';
  }
}

/* Does a live subscription to `pattern` deliver an event of `type`? Emits the type, then a
 * marker the pattern selects, and reads until the marker: no waiting on absence. */
static tidings_result delivered(tidings_bus *bus, const char *pattern, const char *type,
                                bool *seen) {
  tidings_subscription *sub = NULL;
  tidings_event *event = NULL;
  char id[TIDINGS_EVENT_ID_SIZE], marker_id[TIDINGS_EVENT_ID_SIZE], marker[300];
  size_t needed;
  tidings_result r;
  bool marker_seen = false;
  *seen = false;
  marker_for(pattern, marker, sizeof marker);
  if ((r = tidings_subscribe(bus, pattern, NULL, NULL, &sub)) != TIDINGS_RESULT_OK) return r;
  if ((r = tidings_emit(bus, type, "{}", id, sizeof id, &needed)) == TIDINGS_RESULT_OK &&
      (r = tidings_emit(bus, marker, "{}", marker_id, sizeof marker_id, &needed)) ==
          TIDINGS_RESULT_OK) {
    while (!marker_seen && (r = tidings_subscription_next(sub, LIVENESS_MS, &event)) ==
                               TIDINGS_RESULT_OK) {
      const char *got = field(event, tidings_event_id);
      if (got && strcmp(got, id) == 0) *seen = true;
      if (got && strcmp(got, marker_id) == 0) marker_seen = true;
      tidings_event_free(event);
    }
  }
  tidings_subscription_free(sub);
  return r;
}

/* Does history of `pattern` hold the event with this id? */
static tidings_result in_history(tidings_bus *bus, const char *pattern, const char *id,
                                 bool *found) {
  tidings_event_list *list = NULL;
  size_t len = 0;
  tidings_result r = tidings_history(bus, pattern, 1000, 0, 0, &list);
  *found = false;
  if (r == TIDINGS_RESULT_OK) tidings_event_list_len(list, &len);
  for (size_t i = 0; i < len; i++) {
    const tidings_event *event = NULL;
    const char *got;
    tidings_event_list_get(list, i, &event);
    got = field(event, tidings_event_id);
    if (got && strcmp(got, id) == 0) *found = true;
  }
  tidings_event_list_free(list);
  return r;
}

static void pattern_matches_through_subscribe_and_history(test_context *t) {
  json_t *vectors = load(t, "patterns.json");
  tidings_bus *bus = NULL;
  size_t i, failures = 0;
  json_t *item;
  if (vectors == NULL) return;
  CHECK_OK(t, connect_test_bus(t, &bus));
  json_array_foreach(json_object_get(vectors, "matches"), i, item) {
    const char *pattern = c_string(json_object_get(item, "pattern"));
    const char *type = c_string(json_object_get(item, "type"));
    bool expected = json_is_true(json_object_get(item, "matches")), live = false, stored = false;
    char id[TIDINGS_EVENT_ID_SIZE];
    size_t needed;
    tidings_result r1, r2, r3;
    if (pattern == NULL || type == NULL) {
      note_skipped("pattern case", json_object_get(item, "type"));
      continue;
    }
    r1 = delivered(bus, pattern, type, &live);
    r2 = tidings_emit(bus, type, "{}", id, sizeof id, &needed);
    r3 = r2 == TIDINGS_RESULT_OK ? in_history(bus, pattern, id, &stored) : r2;
    if (r1 != TIDINGS_RESULT_OK || r3 != TIDINGS_RESULT_OK || live != expected ||
        stored != expected) {
      failures++;
      fprintf(stderr,
              "[c]   \"%s\" vs \"%s\": subscription %s (%s), history %s (%s), expected %s\n",
              pattern, type, live ? "delivered" : "did not deliver", tidings_result_name(r1),
              stored ? "holds it" : "does not hold it", tidings_result_name(r3),
              expected ? "a match" : "no match");
    }
  }
  tidings_bus_free(bus);
  json_decref(vectors);
  CHECK(t, failures == 0);
}

/* How the C API reads one envelope vector: NULL when it agrees, else what differs. */
static const char *check_envelope(const json_t *vector, char *why, size_t size) {
  const char *json = c_string(json_object_get(vector, "json"));
  const char *position = json_string_value(json_object_get(vector, "position"));
  const json_t *expect = json_object_get(vector, "expect");
  const char *error = json_string_value(json_object_get(vector, "error"));
  tidings_event *event = NULL, *again = NULL;
  tidings_result r;
  const char *text_fields[] = {"id", "type", "source", "version", "subject"};
  text_accessor accessors[] = {tidings_event_id, tidings_event_type, tidings_event_source,
                               tidings_event_version, tidings_event_subject};
  json_t *written = NULL;
  uint64_t time_ms = 0;

  if (json == NULL) return "its json holds a NUL byte";
  r = tidings_event_from_json(json, position, &event);
  if (error != NULL) {
    if (r == TIDINGS_RESULT_OK) {
      /* Formatting must not crash either. */
      field(event, tidings_event_json);
      tidings_event_free(event);
      snprintf(why, size, "accepted, expected %s", error);
      return why;
    }
    if (strcmp(tidings_result_name(r), error) != 0) {
      snprintf(why, size, "%s, expected %s", tidings_last_error_message(), error);
      return why;
    }
    return NULL;
  }
  if (r != TIDINGS_RESULT_OK) {
    snprintf(why, size, "rejected: %s", tidings_last_error_message());
    return why;
  }
  why[0] = '\0';
  for (size_t i = 0; i < 5 && !why[0]; i++) {
    const json_t *want = json_object_get(expect, text_fields[i]);
    const char *got = field(event, accessors[i]);
    const char *wanted = json_is_null(want) ? NULL : json_string_value(want);
    if (wanted == NULL ? got != NULL : got == NULL || strcmp(got, wanted) != 0)
      snprintf(why, size, "%s is %s, expected %s", text_fields[i], got ? got : "null",
               wanted ? wanted : "null");
  }
  if (!why[0]) {
    char *want = json_dumps(json_object_get(expect, "data"), JSON_ENCODE_ANY | JSON_COMPACT);
    if (!json_same(field(event, tidings_event_data), want))
      snprintf(why, size, "data is %s, expected %s", field(event, tidings_event_data), want);
    free(want);
  }
  if (!why[0]) {
    const json_t *want_meta = json_object_get(expect, "metadata");
    const char *got = field(event, tidings_event_metadata);
    char *want = json_is_null(want_meta) ? NULL : json_dumps(want_meta, JSON_COMPACT);
    if (want == NULL ? got != NULL : !json_same(got, want))
      snprintf(why, size, "metadata is %s, expected %s", got ? got : "null",
               want ? want : "null");
    free(want);
  }
  if (!why[0] && (tidings_event_time_ms(event, &time_ms) != TIDINGS_RESULT_OK ||
                  (json_int_t)time_ms != json_integer_value(json_object_get(expect, "time_ms"))))
    snprintf(why, size, "time_ms is %llu", (unsigned long long)time_ms);
  if (!why[0]) {
    const char *got = field(event, tidings_event_position);
    if (position == NULL ? got != NULL : got == NULL || strcmp(got, position) != 0)
      snprintf(why, size, "position is %s, expected %s", got ? got : "null",
               position ? position : "null");
  }
  if (!why[0]) {
    written = json_loads(field(event, tidings_event_json), 0, NULL);
    if (!json_equal(json_object_get(written, "time"), json_object_get(expect, "time")))
      snprintf(why, size, "time is written as %s, expected %s",
               json_string_value(json_object_get(written, "time")),
               json_string_value(json_object_get(expect, "time")));
    json_decref(written);
  }
  if (!why[0]) {
    /* Re-written and read back, the envelope is the same. */
    if (tidings_event_from_json(field(event, tidings_event_json), position, &again) !=
            TIDINGS_RESULT_OK ||
        strcmp(field(again, tidings_event_json), field(event, tidings_event_json)) != 0)
      snprintf(why, size, "the re-written envelope reads back differently: %s",
               tidings_last_error_message());
    tidings_event_free(again);
  }
  tidings_event_free(event);
  return why[0] ? why : NULL;
}

static void envelopes_through_the_decoder(test_context *t) {
  json_t *vectors = load(t, "envelopes.json");
  size_t i, failures = 0;
  json_t *vector;
  char why[1024];
  if (vectors == NULL) return;
  json_array_foreach(vectors, i, vector) {
    const char *name = json_string_value(json_object_get(vector, "name"));
    bool disagrees = json_object_get(vector, "core_disagrees") != NULL;
    const char *differs;
    if (c_string(json_object_get(vector, "json")) == NULL) {
      note_skipped(name, json_object_get(vector, "json"));
      continue;
    }
    differs = check_envelope(vector, why, sizeof why);
    if (differs != NULL && !disagrees) {
      failures++;
      fprintf(stderr, "[c]   envelope \"%s\": %s\n", name, differs);
    } else if (differs == NULL && disagrees) {
      failures++;
      fprintf(stderr, "[c]   envelope \"%s\" passes: remove its core_disagrees mark\n", name);
    }
  }
  json_decref(vectors);
  CHECK(t, failures == 0);
}

/* ---- cursors ---- */

/* A subscription (polled) of `pattern` from `from`; the result of making it. */
static tidings_result subscribe_from(tidings_bus *bus, const char *pattern, const char *from,
                                     tidings_subscription **sub) {
  tidings_subscribe_options *options = NULL;
  tidings_result r = tidings_subscribe_options_new(&options);
  if (r == TIDINGS_RESULT_OK) r = tidings_subscribe_options_set_from(options, from);
  if (r == TIDINGS_RESULT_OK) r = tidings_subscribe_with(bus, pattern, options, NULL, NULL, sub);
  tidings_subscribe_options_free(options);
  return r;
}

/* `text` with the first `from` replaced by `to`, into `out`. */
static void replace_once(const char *text, const char *from, const char *to, char *out,
                         size_t size) {
  const char *at = strstr(text, from);
  if (at == NULL) {
    snprintf(out, size, "%s", text);
    return;
  }
  snprintf(out, size, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

static void cursors_as_documented(test_context *t) {
  json_t *vectors = load(t, "cursors.json");
  const char *error;
  size_t i, failures = 0, needed;
  json_t *item;
  char id[TIDINGS_EVENT_ID_SIZE];
  if (vectors == NULL) return;
  error = json_string_value(json_object_get(vectors, "error"));
  json_array_foreach(json_object_get(vectors, "format"), i, item) {
    const char *pattern = json_string_value(json_object_get(item, "pattern"));
    const char *type = json_string_value(json_object_get(item, "type"));
    const char *position = json_string_value(json_object_get(item, "position"));
    const char *cursor = json_string_value(json_object_get(item, "cursor"));
    tidings_bus *bus = NULL;
    tidings_subscription *sub = NULL;
    tidings_event *event = NULL;
    tidings_event_list *list = NULL;
    char expected[600];
    CHECK_OK(t, connect_test_bus(t, &bus));
    CHECK_OK(t, subscribe_from(bus, pattern, "live", &sub));
    CHECK_OK(t, tidings_emit(bus, type, "1", id, sizeof id, &needed));
    CHECK_OK(t, tidings_subscription_next(sub, LIVENESS_MS, &event));
    CHECK_OK(t, tidings_history(bus, pattern, 1, 0, 0, &list));
    expected[0] = '\0';
    if (event != NULL) {
      replace_once(cursor, position, field(event, tidings_event_position), expected,
                   sizeof expected);
      if (strcmp(field(event, tidings_event_cursor), expected) != 0) {
        failures++;
        fprintf(stderr, "[c]   cursor of %s under %s: %s, expected %s\n", type, pattern,
                field(event, tidings_event_cursor), expected);
      }
    }
    {
      size_t len = 0;
      const tidings_event *read = NULL;
      if (list != NULL) CHECK_OK(t, tidings_event_list_len(list, &len));
      CHECK(t, len == 1);
      if (len == 1 && event != NULL) {
        /* The newest the pattern selects (on a shared server, maybe another vector's). */
        CHECK_OK(t, tidings_event_list_get(list, 0, &read));
        replace_once(cursor, position, field(read, tidings_event_position), expected,
                     sizeof expected);
        if (strcmp(field(read, tidings_event_type), type) == 0)
          CHECK_STR(t, field(read, tidings_event_cursor), expected);
      }
    }
    tidings_event_free(event);
    tidings_event_list_free(list);
    tidings_subscription_free(sub);
    tidings_bus_free(bus);
  }
  {
    tidings_bus *bus = NULL;
    CHECK_OK(t, connect_test_bus(t, &bus));
    json_array_foreach(json_object_get(vectors, "invalid"), i, item) {
      const char *pattern = json_string_value(json_object_get(item, "pattern"));
      const char *cursor = json_string_value(json_object_get(item, "cursor"));
      tidings_subscription *sub = NULL;
      tidings_result got = subscribe_from(bus, pattern, cursor, &sub);
      if (strcmp(tidings_result_name(got), error) != 0) {
        failures++;
        fprintf(stderr, "[c]   cursor %.40s (%s): %s, expected %s\n", cursor,
                json_string_value(json_object_get(item, "why")), tidings_result_name(got), error);
      }
      tidings_subscription_free(sub);
    }
    tidings_bus_free(bus);
  }
  json_decref(vectors);
  CHECK(t, failures == 0);
}

/* a0, b0, a1, b1 in one batch until the four share one millisecond; then, resuming "tie.*"
 * from each delivered event's cursor yields exactly the events after it. */
static void a_resume_from_each_cursor_yields_exactly_the_rest(test_context *t) {
  const char *types[] = {"tie.a", "tie.b", "tie.a", "tie.b"};
  const char *jsons[] = {"0", "1", "2", "3"};
  tidings_bus *bus = NULL;
  tidings_subscription *all = NULL;
  tidings_event *events[4] = {NULL};
  char ids[4 * TIDINGS_EVENT_ID_SIZE], ms[4][32];
  size_t needed;
  int attempt, n, same = 0;
  CHECK_OK(t, connect_test_bus(t, &bus));
  for (attempt = 0; attempt < 50 && !same; attempt++) {
    CHECK_OK(t, subscribe_from(bus, "tie.*", "live", &all));
    CHECK_OK(t, tidings_emit_many(bus, 4, types, jsons, ids, sizeof ids, &needed));
    for (n = 0; n < 4; n++) {
      tidings_event_free(events[n]);
      events[n] = NULL;
      CHECK_OK(t, tidings_subscription_next(all, LIVENESS_MS, &events[n]));
      if (events[n] == NULL) break;
      snprintf(ms[n], sizeof ms[n], "%s", field(events[n], tidings_event_position));
      *strchr(ms[n], '-') = '\0';
    }
    tidings_subscription_free(all);
    all = NULL;
    same = n == 4 && !strcmp(ms[0], ms[1]) && !strcmp(ms[1], ms[2]) && !strcmp(ms[2], ms[3]);
  }
  CHECK(t, same);
  for (n = 0; same && n < 4; n++) {
    tidings_subscription *resumed = NULL;
    const char *cursor = field(events[n], tidings_event_cursor);
    CHECK(t, strstr(cursor, ":tie.") != NULL);
    CHECK_OK(t, subscribe_from(bus, "tie.*", cursor, &resumed));
    for (int k = n + 1; k < 4 && resumed != NULL; k++) {
      tidings_event *got = NULL;
      CHECK_OK(t, tidings_subscription_next(resumed, LIVENESS_MS, &got));
      if (got != NULL) CHECK_STR(t, field(got, tidings_event_id), field(events[k], tidings_event_id));
      tidings_event_free(got);
    }
    tidings_subscription_free(resumed);
  }
  for (n = 0; n < 4; n++) tidings_event_free(events[n]);
  tidings_bus_free(bus);
}

/* A resume from a cursor whose events were trimmed away returns TIDINGS_RESULT_TRIMMED in
 * their place, then goes on from the oldest event kept. */
static void a_resume_past_trimmed_events_says_so(test_context *t) {
  tidings_connect_options *options = NULL;
  tidings_bus *bus = NULL;
  tidings_subscription *sub = NULL;
  tidings_event_list *list = NULL;
  const tidings_event *first = NULL;
  tidings_event *next = NULL;
  char id[TIDINGS_EVENT_ID_SIZE], cursor[600];
  size_t needed;
  CHECK_OK(t, tidings_connect_options_new(&options));
  CHECK_OK(t, tidings_connect_options_set_namespace(options, t->ns));
  CHECK_OK(t, tidings_connect_options_set_max_stream_len(options, 3));
  CHECK_OK(t, tidings_connect(t->url, options, &bus));
  tidings_connect_options_free(options);
  if (bus == NULL) return;
  CHECK_OK(t, tidings_emit(bus, "trim.a", "0", id, sizeof id, &needed));
  CHECK_OK(t, tidings_history(bus, "trim.*", 1, 0, 0, &list));
  CHECK_OK(t, tidings_event_list_get(list, 0, &first));
  snprintf(cursor, sizeof cursor, "%s", first ? field(first, tidings_event_cursor) : "");
  tidings_event_list_free(list);
  for (int n = 1; n < 10; n++) {
    char json[8];
    snprintf(json, sizeof json, "%d", n);
    CHECK_OK(t, tidings_emit(bus, "trim.a", json, id, sizeof id, &needed));
  }
  CHECK_OK(t, subscribe_from(bus, "trim.*", cursor, &sub));
  CHECK_RESULT(t, tidings_subscription_next(sub, LIVENESS_MS, &next), TIDINGS_RESULT_TRIMMED);
  CHECK(t, strstr(tidings_last_error_message(), "trim.a") != NULL);
  CHECK_OK(t, tidings_subscription_next(sub, LIVENESS_MS, &next));
  if (next != NULL) CHECK_STR(t, field(next, tidings_event_data), "7");
  tidings_event_free(next);
  tidings_subscription_free(sub);
  tidings_bus_free(bus);
}

const test_case vector_tests[] = {
    {"vectors: cursors as documented", cursors_as_documented, BACKEND_BOTH},
    {"cursors: a resume from each cursor yields exactly the rest",
     a_resume_from_each_cursor_yields_exactly_the_rest, BACKEND_BOTH},
    {"cursors: a resume past trimmed events says so", a_resume_past_trimmed_events_says_so,
     BACKEND_MEMORY},
    {"vectors: types through emit", types_through_emit, BACKEND_BOTH},
    {"vectors: patterns through subscribe and history", patterns_through_subscribe_and_history,
     BACKEND_BOTH},
    {"vectors: pattern matches through subscribe and history",
     pattern_matches_through_subscribe_and_history, BACKEND_BOTH},
    {"vectors: envelopes through the decoder", envelopes_through_the_decoder, BACKEND_NONE},
    {NULL, NULL, 0},
};
