/* The options builders: every connect setter with a good value (then connecting works), each
 * with a bad value (refused by the setter, or by tidings_connect, as its comment in tidings.h
 * says), NULL pointers; subscribe and history options beyond the everyday paths of
 * test_api.c; and builders being only read by the calls that take them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define NOT_UTF8 "\xff\xfe"

/* A file path that does not exist (the memory:// backend reads no TLS file). */
#define NO_SUCH_FILE "/nonexistent/tidings-c-tests.pem"

/* The append time of an event: the ms part of its position `<ms>-<seq>` (what time bounds and
 * start times are compared with). */
static uint64_t append_ms(const tidings_event *event) {
  unsigned long long ms = 0;
  const char *position = field(event, tidings_event_position);
  return position != NULL && sscanf(position, "%llu-", &ms) == 1 ? (uint64_t)ms : 0;
}

static void every_connect_setter_takes_a_good_value(test_context *t) {
  tidings_connect_options *options = NULL;
  tidings_bus *bus = NULL;
  tidings_event_list *list = NULL;
  const tidings_event *event = NULL;
  char dir[] = "/tmp/tidings-c-options-XXXXXX", dead_letters[64], id[TIDINGS_EVENT_ID_SIZE];
  char *big = NULL;
  size_t needed = 0;

  CHECK(t, mkdtemp(dir) != NULL);
  snprintf(dead_letters, sizeof dead_letters, "%s/dead-letters.jsonl", dir);
  CHECK_OK(t, tidings_connect_options_new(&options));
  CHECK_OK(t, tidings_connect_options_set_namespace(options, t->ns));
  CHECK_OK(t, tidings_connect_options_set_source(options, "c-tests/options"));
  CHECK_OK(t, tidings_connect_options_set_retry_attempts(options, 3));
  CHECK_OK(t, tidings_connect_options_set_retry_base_delay_ms(options, 5));
  CHECK_OK(t, tidings_connect_options_set_retry_max_delay_ms(options, 200));
  CHECK_OK(t, tidings_connect_options_set_retry_budget_ms(options, 2000));
  CHECK_OK(t, tidings_connect_options_set_max_event_size(options, 4096));
  CHECK_OK(t, tidings_connect_options_set_connect_timeout_ms(options, 2000));
  CHECK_OK(t, tidings_connect_options_set_response_timeout_ms(options, 2000));
  CHECK_OK(t, tidings_connect_options_set_max_stream_len(options, 1000));
  CHECK_OK(t, tidings_connect_options_set_poll_interval_ms(options, 250));
  CHECK_OK(t, tidings_connect_options_set_discover_streams(options, true));
  CHECK_OK(t, tidings_connect_options_set_dead_letter_path(options, dead_letters));
  CHECK_OK(t, tidings_connect_options_set_dead_letter_capacity(options, 10));
  CHECK_OK(t, tidings_connect_options_set_tls_ca_cert(options, NO_SUCH_FILE));
  CHECK_OK(t, tidings_connect_options_set_tls_client_cert(options, NO_SUCH_FILE));
  CHECK_OK(t, tidings_connect_options_set_tls_client_key(options, NO_SUCH_FILE));
  CHECK_OK(t, tidings_connect_options_set_low_latency(options, true));
  CHECK_OK(t, tidings_connect("memory://", options, &bus));
  /* The bus keeps its own copy: the options may go at once. */
  tidings_connect_options_free(options);

  /* What can be seen from here took effect: the source, and the event size limit. */
  CHECK_OK(t, tidings_emit(bus, "options.small", "{\"n\":1}", id, sizeof id, &needed));
  big = malloc(8192);
  CHECK(t, big != NULL);
  memset(big, 'x', 8191);
  big[0] = '"';
  big[8190] = '"';
  big[8191] = '\0';
  CHECK_RESULT(t, tidings_emit(bus, "options.big", big, id, sizeof id, &needed),
               TIDINGS_RESULT_INVALID_DATA);
  free(big);
  CHECK_OK(t, tidings_history(bus, "options.*", 10, 0, 0, &list));
  CHECK_OK(t, tidings_event_list_get(list, 0, &event));
  CHECK_STR(t, field(event, tidings_event_source), "c-tests/options");
  tidings_event_list_free(list);
  tidings_bus_free(bus);
  unlink(dead_letters);
  rmdir(dir);

  /* Zero is a good value where it means "off" or "no limit". */
  bus = NULL;
  CHECK_OK(t, tidings_connect_options_new(&options));
  CHECK_OK(t, tidings_connect_options_set_retry_budget_ms(options, 0));
  CHECK_OK(t, tidings_connect_options_set_poll_interval_ms(options, 0));
  CHECK_OK(t, tidings_connect_options_set_dead_letter_capacity(options, 0));
  CHECK_OK(t, tidings_connect_options_set_discover_streams(options, false));
  CHECK_OK(t, tidings_connect_options_set_low_latency(options, false));
  CHECK_OK(t, tidings_connect("memory://", options, &bus));
  tidings_connect_options_free(options);
  tidings_bus_free(bus);
}

/* One bad setting: `set` applies it; `at_setter` is what the setter returns (TIDINGS_RESULT_OK
 * when the value is only refused by tidings_connect, which then returns `at_connect`). */
typedef struct bad_setting {
  const char *what;
  tidings_result (*set)(tidings_connect_options *options);
  tidings_result at_setter;
  tidings_result at_connect;
  const char *url; /* NULL: memory:// */
} bad_setting;

#define SETTING(name, call) \
  static tidings_result name(tidings_connect_options *o) { return call; }

SETTING(namespace_grammar, tidings_connect_options_set_namespace(o, "a:b"))
SETTING(namespace_not_utf8, tidings_connect_options_set_namespace(o, NOT_UTF8))
SETTING(source_empty, tidings_connect_options_set_source(o, ""))
SETTING(source_not_utf8, tidings_connect_options_set_source(o, NOT_UTF8))
SETTING(retry_attempts_zero, tidings_connect_options_set_retry_attempts(o, 0))
SETTING(retry_base_above_cap, tidings_connect_options_set_retry_base_delay_ms(o, 5000))
SETTING(retry_cap_below_base, tidings_connect_options_set_retry_max_delay_ms(o, 1))
SETTING(max_event_size_zero, tidings_connect_options_set_max_event_size(o, 0))
SETTING(connect_timeout_zero, tidings_connect_options_set_connect_timeout_ms(o, 0))
SETTING(response_timeout_zero, tidings_connect_options_set_response_timeout_ms(o, 0))
SETTING(max_stream_len_zero, tidings_connect_options_set_max_stream_len(o, 0))
SETTING(dead_letter_path_directory, tidings_connect_options_set_dead_letter_path(o, "/"))
SETTING(dead_letter_path_not_utf8, tidings_connect_options_set_dead_letter_path(o, NOT_UTF8))
SETTING(tls_ca_cert_missing, tidings_connect_options_set_tls_ca_cert(o, NO_SUCH_FILE))
SETTING(tls_ca_cert_not_utf8, tidings_connect_options_set_tls_ca_cert(o, NOT_UTF8))
SETTING(tls_client_cert_alone, tidings_connect_options_set_tls_client_cert(o, NO_SUCH_FILE))
SETTING(tls_client_cert_not_utf8, tidings_connect_options_set_tls_client_cert(o, NOT_UTF8))
SETTING(tls_client_key_alone, tidings_connect_options_set_tls_client_key(o, NO_SUCH_FILE))
SETTING(tls_client_key_not_utf8, tidings_connect_options_set_tls_client_key(o, NOT_UTF8))

/* Every setter but four has a bad value. retry_budget_ms, poll_interval_ms and
 * dead_letter_capacity take any number (0 means no budget, no polling, one letter: see
 * above), and discover_streams and low_latency are booleans; for those the NULL test below is
 * the refusal there is. */
static const bad_setting bad_settings[] = {
    {"namespace that breaks the grammar", namespace_grammar, TIDINGS_RESULT_OK,
     TIDINGS_RESULT_CONFIG, NULL},
    {"namespace not UTF-8", namespace_not_utf8, TIDINGS_RESULT_CONFIG, TIDINGS_RESULT_OK, NULL},
    {"empty source", source_empty, TIDINGS_RESULT_OK, TIDINGS_RESULT_CONFIG, NULL},
    {"source not UTF-8", source_not_utf8, TIDINGS_RESULT_CONFIG, TIDINGS_RESULT_OK, NULL},
    {"retry_attempts 0", retry_attempts_zero, TIDINGS_RESULT_OK, TIDINGS_RESULT_CONFIG, NULL},
    {"retry_base_delay_ms above the max delay", retry_base_above_cap, TIDINGS_RESULT_OK,
     TIDINGS_RESULT_CONFIG, NULL},
    {"retry_max_delay_ms below the base delay", retry_cap_below_base, TIDINGS_RESULT_OK,
     TIDINGS_RESULT_CONFIG, NULL},
    {"max_event_size 0", max_event_size_zero, TIDINGS_RESULT_OK, TIDINGS_RESULT_CONFIG, NULL},
    {"connect_timeout_ms 0", connect_timeout_zero, TIDINGS_RESULT_OK, TIDINGS_RESULT_CONFIG,
     NULL},
    {"response_timeout_ms 0", response_timeout_zero, TIDINGS_RESULT_OK, TIDINGS_RESULT_CONFIG,
     NULL},
    {"max_stream_len 0", max_stream_len_zero, TIDINGS_RESULT_OK, TIDINGS_RESULT_CONFIG, NULL},
    {"dead_letter_path a directory", dead_letter_path_directory, TIDINGS_RESULT_OK,
     TIDINGS_RESULT_CONFIG, NULL},
    {"dead_letter_path not UTF-8", dead_letter_path_not_utf8, TIDINGS_RESULT_CONFIG,
     TIDINGS_RESULT_OK, NULL},
    {"tls_ca_cert a missing file (rediss://)", tls_ca_cert_missing, TIDINGS_RESULT_OK,
     TIDINGS_RESULT_CONFIG, "rediss://127.0.0.1:1/"},
    {"tls_ca_cert not UTF-8", tls_ca_cert_not_utf8, TIDINGS_RESULT_CONFIG, TIDINGS_RESULT_OK,
     NULL},
    {"tls_client_cert without tls_client_key", tls_client_cert_alone, TIDINGS_RESULT_OK,
     TIDINGS_RESULT_CONFIG, NULL},
    {"tls_client_cert not UTF-8", tls_client_cert_not_utf8, TIDINGS_RESULT_CONFIG,
     TIDINGS_RESULT_OK, NULL},
    {"tls_client_key without tls_client_cert", tls_client_key_alone, TIDINGS_RESULT_OK,
     TIDINGS_RESULT_CONFIG, NULL},
    {"tls_client_key not UTF-8", tls_client_key_not_utf8, TIDINGS_RESULT_CONFIG,
     TIDINGS_RESULT_OK, NULL},
};

static void each_connect_setter_refuses_a_bad_value(test_context *t) {
  for (size_t i = 0; i < sizeof bad_settings / sizeof bad_settings[0]; i++) {
    const bad_setting *bad = &bad_settings[i];
    tidings_connect_options *options = NULL;
    tidings_bus *bus = NULL;
    tidings_result at_setter, at_connect;
    char message[512];
    CHECK_OK(t, tidings_connect_options_new(&options));
    at_setter = bad->set(options);
    snprintf(message, sizeof message, "%s", tidings_last_error_message());
    /* A refused setting leaves the options as they were, so they connect; an accepted bad
     * one makes tidings_connect fail before anything connects. */
    at_connect = tidings_connect(bad->url ? bad->url : "memory://", options, &bus);
    if (at_connect != TIDINGS_RESULT_OK) {
      snprintf(message, sizeof message, "%s", tidings_last_error_message());
    }
    tidings_connect_options_free(options);
    tidings_bus_free(bus);
    if (at_setter != bad->at_setter || at_connect != bad->at_connect ||
        (at_connect == TIDINGS_RESULT_OK) != (bus != NULL)) {
      test_fail(t, __FILE__, __LINE__,
                "%s: the setter returned %s (expected %s), tidings_connect %s (expected %s): %s",
                bad->what, tidings_result_name(at_setter), tidings_result_name(bad->at_setter),
                tidings_result_name(at_connect), tidings_result_name(bad->at_connect), message);
      return;
    }
    if (strncmp(message, "TIDINGS_CONFIG: ", 16) != 0) {
      test_fail(t, __FILE__, __LINE__, "%s: the message is \"%s\"", bad->what, message);
      return;
    }
  }
}

static void every_connect_setter_checks_its_pointers(test_context *t) {
  const tidings_result NUL = TIDINGS_RESULT_NULL_ARGUMENT;
  tidings_connect_options *options = NULL;
  tidings_bus *bus = NULL;
  CHECK_RESULT(t, tidings_connect_options_set_namespace(NULL, "a"), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_source(NULL, "a"), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_retry_attempts(NULL, 1), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_retry_base_delay_ms(NULL, 1), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_retry_max_delay_ms(NULL, 1), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_retry_budget_ms(NULL, 1), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_max_event_size(NULL, 1), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_connect_timeout_ms(NULL, 1), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_response_timeout_ms(NULL, 1), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_max_stream_len(NULL, 1), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_poll_interval_ms(NULL, 1), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_discover_streams(NULL, true), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_dead_letter_path(NULL, "a"), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_dead_letter_capacity(NULL, 1), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_tls_ca_cert(NULL, "a"), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_tls_client_cert(NULL, "a"), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_tls_client_key(NULL, "a"), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_low_latency(NULL, true), NUL);
  CHECK(t, strcmp(tidings_last_error_message(),
                  "TIDINGS_NULL_ARGUMENT: argument `options` is NULL") == 0);
  CHECK_OK(t, tidings_connect_options_new(&options));
  CHECK_RESULT(t, tidings_connect_options_set_namespace(options, NULL), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_source(options, NULL), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_dead_letter_path(options, NULL), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_tls_ca_cert(options, NULL), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_tls_client_cert(options, NULL), NUL);
  CHECK_RESULT(t, tidings_connect_options_set_tls_client_key(options, NULL), NUL);
  CHECK_RESULT(t, tidings_connect(NULL, options, &bus), NUL);
  CHECK_RESULT(t, tidings_connect("memory://", options, NULL), NUL);
  CHECK(t, bus == NULL);
  tidings_connect_options_free(options);
}

/* One builder serves many calls: each call reads it, none keeps or changes it. */
static void one_builder_serves_many_calls(test_context *t) {
  tidings_connect_options *connect = NULL;
  tidings_emit_options *emit = NULL;
  tidings_bus *first = NULL, *second = NULL;
  tidings_event_list *list = NULL;
  const tidings_event *event = NULL;
  char id[TIDINGS_EVENT_ID_SIZE];
  size_t needed = 0, len = 0;

  CHECK_OK(t, tidings_connect_options_new(&connect));
  CHECK_OK(t, tidings_connect_options_set_namespace(connect, t->ns));
  CHECK_OK(t, tidings_connect_options_set_source(connect, "c-tests/first"));
  CHECK_OK(t, tidings_connect(t->url, connect, &first));
  /* Changing the options after a connect does not change the bus made with them. */
  CHECK_OK(t, tidings_connect_options_set_source(connect, "c-tests/second"));
  CHECK_OK(t, tidings_connect(t->url, connect, &second));
  tidings_connect_options_free(connect);

  CHECK_OK(t, tidings_emit_options_new(&emit));
  CHECK_OK(t, tidings_emit_options_set_subject(emit, "order-1"));
  CHECK_OK(t, tidings_emit_with(first, "reuse.one", "{}", emit, id, sizeof id, &needed));
  CHECK_OK(t, tidings_emit_with(second, "reuse.two", "{}", emit, id, sizeof id, &needed));
  CHECK_OK(t, tidings_emit_options_set_metadata_json(emit, "{\"k\":1}"));
  CHECK_OK(t, tidings_emit_options_set_version(emit, "3"));
  CHECK_OK(t, tidings_emit_with(first, "reuse.three", "{}", emit, id, sizeof id, &needed));
  tidings_emit_options_free(emit);

  CHECK_OK(t, tidings_history(first, "reuse.*", 10, 0, 0, &list));
  CHECK_OK(t, tidings_event_list_len(list, &len));
  CHECK(t, len == 3);
  /* Newest first: three, two, one. */
  CHECK_OK(t, tidings_event_list_get(list, 0, &event));
  CHECK_STR(t, field(event, tidings_event_source), "c-tests/first");
  CHECK_STR(t, field(event, tidings_event_subject), "order-1");
  CHECK_STR(t, field(event, tidings_event_version), "3");
  CHECK(t, json_same(field(event, tidings_event_metadata), "{\"k\":1}"));
  CHECK_OK(t, tidings_event_list_get(list, 1, &event));
  CHECK_STR(t, field(event, tidings_event_source), "c-tests/second");
  CHECK_STR(t, field(event, tidings_event_subject), "order-1");
  CHECK_STR(t, field(event, tidings_event_version), "1");
  CHECK(t, field(event, tidings_event_metadata) == NULL);
  tidings_event_list_free(list);
  tidings_bus_free(first);
  tidings_bus_free(second);
}

/* Subscribe options: a start time, a batch size, and the last start set wins. */
static void a_subscription_starts_at_a_time_in_batches(test_context *t) {
  tidings_bus *bus = NULL;
  tidings_subscribe_options *options = NULL;
  tidings_subscription *from_time = NULL, *from_start = NULL;
  tidings_event_list *list = NULL;
  const tidings_event *second = NULL;
  tidings_event *event = NULL;
  char ids[4][TIDINGS_EVENT_ID_SIZE];
  size_t needed;
  uint64_t second_ms = 0;

  CHECK_OK(t, connect_test_bus(t, &bus));
  CHECK_OK(t, tidings_emit(bus, "timed.thing", "{\"n\":0}", ids[0], sizeof ids[0], &needed));
  /* The next events are appended at least 2 ms later (so at a later ms). */
  usleep(3000);
  CHECK_OK(t, tidings_emit(bus, "timed.thing", "{\"n\":1}", ids[1], sizeof ids[1], &needed));
  CHECK_OK(t, tidings_emit(bus, "timed.thing", "{\"n\":2}", ids[2], sizeof ids[2], &needed));
  CHECK_OK(t, tidings_history(bus, "timed.thing", 2, 0, 0, &list));
  CHECK_OK(t, tidings_event_list_get(list, 1, &second));
  CHECK_STR(t, field(second, tidings_event_id), ids[1]);
  second_ms = append_ms(second);
  CHECK(t, second_ms > 0);
  tidings_event_list_free(list);

  CHECK_OK(t, tidings_subscribe_options_new(&options));
  CHECK_OK(t, tidings_subscribe_options_set_batch_size(options, 1));
  CHECK_OK(t, tidings_subscribe_options_set_from(options, "start"));
  CHECK_OK(t, tidings_subscribe_options_set_from_time_ms(options, second_ms));
  CHECK_OK(t, tidings_subscribe_with(bus, "timed.*", options, NULL, NULL, &from_time));
  CHECK_OK(t, tidings_subscribe_options_set_from(options, "start"));
  CHECK_OK(t, tidings_subscribe_with(bus, "timed.*", options, NULL, NULL, &from_start));
  tidings_subscribe_options_free(options);
  CHECK_OK(t, tidings_emit(bus, "timed.thing", "{\"n\":3}", ids[3], sizeof ids[3], &needed));
  for (int i = 1; i < 4; i++) {
    CHECK_OK(t, tidings_subscription_next(from_time, LIVENESS_MS, &event));
    CHECK_STR(t, field(event, tidings_event_id), ids[i]);
    tidings_event_free(event);
  }
  for (int i = 0; i < 4; i++) {
    CHECK_OK(t, tidings_subscription_next(from_start, LIVENESS_MS, &event));
    CHECK_STR(t, field(event, tidings_event_id), ids[i]);
    tidings_event_free(event);
  }
  tidings_subscription_free(from_time);
  tidings_subscription_free(from_start);
  tidings_bus_free(bus);
}

/* History options: time bounds and position bounds, each replacing the other, in either
 * order. */
static void history_takes_time_and_position_bounds(test_context *t) {
  tidings_bus *bus = NULL;
  tidings_history_options *options = NULL;
  tidings_event_list *list = NULL;
  const tidings_event *event = NULL;
  char ids[4][TIDINGS_EVENT_ID_SIZE], positions[4][64], data[16];
  uint64_t times[4];
  size_t needed, len;

  CHECK_OK(t, connect_test_bus(t, &bus));
  for (int i = 0; i < 4; i++) {
    snprintf(data, sizeof data, "{\"n\":%d}", i);
    CHECK_OK(t, tidings_emit(bus, "bounded.thing", data, ids[i], sizeof ids[i], &needed));
    usleep(3000);
  }
  CHECK_OK(t, tidings_history(bus, "bounded.thing", 4, 0, 0, &list));
  for (int i = 0; i < 4; i++) {
    CHECK_OK(t, tidings_event_list_get(list, (size_t)(3 - i), &event));
    CHECK_STR(t, field(event, tidings_event_id), ids[i]);
    snprintf(positions[i], sizeof positions[i], "%s", field(event, tidings_event_position));
    times[i] = append_ms(event);
    CHECK(t, times[i] > 0);
  }
  tidings_event_list_free(list);

  /* Append times (3 ms apart): since is inclusive, until exclusive: events 1 and 2. */
  CHECK_OK(t, tidings_history_options_new(&options));
  CHECK_OK(t, tidings_history_options_set_since_ms(options, times[1]));
  CHECK_OK(t, tidings_history_options_set_until_ms(options, times[3]));
  CHECK_OK(t, tidings_history_options_set_order(options, "oldest_first"));
  CHECK_OK(t, tidings_history_with(bus, "bounded.*", options, &list));
  CHECK_OK(t, tidings_event_list_len(list, &len));
  CHECK(t, len == 2);
  CHECK_OK(t, tidings_event_list_get(list, 0, &event));
  CHECK_STR(t, field(event, tidings_event_id), ids[1]);
  tidings_event_list_free(list);
  /* Positions replace the times (both exclusive): after 0 and before 3, newest first. */
  CHECK_OK(t, tidings_history_options_set_since_position(options, positions[0]));
  CHECK_OK(t, tidings_history_options_set_until_position(options, positions[3]));
  CHECK_OK(t, tidings_history_options_set_order(options, "newest_first"));
  CHECK_OK(t, tidings_history_with(bus, "bounded.*", options, &list));
  CHECK_OK(t, tidings_event_list_len(list, &len));
  CHECK(t, len == 2);
  CHECK_OK(t, tidings_event_list_get(list, 0, &event));
  CHECK_STR(t, field(event, tidings_event_id), ids[2]);
  tidings_event_list_free(list);
  /* And a time replaces a position: events 2 and 3, newest first, limited to one. */
  CHECK_OK(t, tidings_history_options_set_since_ms(options, times[2]));
  CHECK_OK(t, tidings_history_options_set_until_ms(options, times[3] + 1));
  CHECK_OK(t, tidings_history_options_set_limit(options, 1));
  CHECK_OK(t, tidings_history_with(bus, "bounded.*", options, &list));
  CHECK_OK(t, tidings_event_list_len(list, &len));
  CHECK(t, len == 1);
  CHECK_OK(t, tidings_event_list_get(list, 0, &event));
  CHECK_STR(t, field(event, tidings_event_id), ids[3]);
  tidings_event_list_free(list);
  tidings_history_options_free(options);
  tidings_bus_free(bus);
}

const test_case options_tests[] = {
    {"every connect setter takes a good value", every_connect_setter_takes_a_good_value,
     BACKEND_MEMORY},
    {"each connect setter refuses a bad value", each_connect_setter_refuses_a_bad_value,
     BACKEND_NONE},
    {"every connect setter checks its pointers", every_connect_setter_checks_its_pointers,
     BACKEND_NONE},
    {"one builder serves many calls", one_builder_serves_many_calls, BACKEND_BOTH},
    {"a subscription starts at a time, in batches", a_subscription_starts_at_a_time_in_batches,
     BACKEND_BOTH},
    {"history takes time and position bounds", history_takes_time_and_position_bounds,
     BACKEND_BOTH},
    {NULL, NULL, 0},
};
