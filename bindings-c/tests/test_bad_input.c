/* Bad input through the C API: NULL for every pointer, text that is not UTF-8, JSON that does
 * not parse, buffers too small, bad types, patterns, URLs and positions. Each gets its defined
 * tidings_result, leaves outputs untouched, and loses nothing (the store holds exactly the good
 * events afterwards). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define NOT_UTF8 "\xff\xfe"
#define SENTINEL ((void *)0x5e5e)

static void every_null_pointer_is_a_null_argument(test_context *t) {
  tidings_bus *bus = SENTINEL;
  tidings_subscription *sub = NULL;
  tidings_event_list *list = SENTINEL;
  tidings_event *owned = NULL;
  tidings_event *event_out = SENTINEL;
  const tidings_event *borrowed = SENTINEL;
  tidings_emit_options *emit = NULL;
  tidings_subscribe_options *from = NULL;
  tidings_history_options *query = NULL;
  const char *text = SENTINEL;
  const char *one_type[] = {"a"}, *one_json[] = {"{}"}, *null_item[] = {NULL};
  uint64_t time_ms = 7;
  size_t len = 7, needed = 7;
  char id[TIDINGS_EVENT_ID_SIZE] = "untouched";
  const tidings_result NUL = TIDINGS_RESULT_NULL_ARGUMENT;
  text_accessor accessors[] = {tidings_event_id,       tidings_event_type,
                               tidings_event_source,   tidings_event_subject,
                               tidings_event_data,     tidings_event_metadata,
                               tidings_event_version,  tidings_event_position,
                               tidings_event_json};

  CHECK_RESULT(t, tidings_connect(NULL, NULL, &bus), NUL);
  CHECK(t, bus == SENTINEL);
  CHECK(t, strcmp(tidings_last_error_message(), "TIDINGS_NULL_ARGUMENT: argument `url` is NULL") ==
               0);
  CHECK_RESULT(t, tidings_connect(t->url, NULL, NULL), NUL);
  CHECK_OK(t, connect_test_bus(t, &bus));

  CHECK_RESULT(t, tidings_emit(NULL, "a", "{}", id, sizeof id, &needed), NUL);
  CHECK_RESULT(t, tidings_emit(bus, NULL, "{}", id, sizeof id, &needed), NUL);
  CHECK_RESULT(t, tidings_emit(bus, "a", NULL, id, sizeof id, &needed), NUL);
  CHECK_RESULT(t, tidings_emit(bus, "a", "{}", NULL, sizeof id, &needed), NUL);
  CHECK_RESULT(t, tidings_emit(bus, "a", "{}", id, sizeof id, NULL), NUL);
  CHECK_RESULT(t, tidings_emit_with(NULL, "a", "{}", NULL, id, sizeof id, &needed), NUL);
  CHECK_RESULT(t, tidings_emit_many(NULL, 1, one_type, one_json, id, sizeof id, &needed), NUL);
  CHECK_RESULT(t, tidings_emit_many(bus, 1, NULL, one_json, id, sizeof id, &needed), NUL);
  CHECK_RESULT(t, tidings_emit_many(bus, 1, one_type, NULL, id, sizeof id, &needed), NUL);
  CHECK_RESULT(t, tidings_emit_many(bus, 1, null_item, one_json, id, sizeof id, &needed), NUL);
  CHECK_RESULT(t, tidings_emit_many(bus, 1, one_type, null_item, id, sizeof id, &needed), NUL);
  CHECK_RESULT(t, tidings_emit_many(bus, 1, one_type, one_json, NULL, sizeof id, &needed), NUL);
  CHECK_RESULT(t, tidings_emit_many(bus, 1, one_type, one_json, id, sizeof id, NULL), NUL);
  CHECK(t, needed == 7 && strcmp(id, "untouched") == 0);

  CHECK_RESULT(t, tidings_subscribe(NULL, "*", NULL, NULL, &sub), NUL);
  CHECK_RESULT(t, tidings_subscribe(bus, NULL, NULL, NULL, &sub), NUL);
  CHECK_RESULT(t, tidings_subscribe(bus, "*", NULL, NULL, NULL), NUL);
  CHECK_RESULT(t, tidings_subscribe_with(NULL, "*", NULL, NULL, NULL, &sub), NUL);
  CHECK(t, sub == NULL);
  CHECK_RESULT(t, tidings_subscription_next(NULL, 0, &event_out), NUL);
  CHECK_OK(t, tidings_subscribe(bus, "*", NULL, NULL, &sub));
  CHECK_RESULT(t, tidings_subscription_next(sub, 0, NULL), NUL);
  CHECK(t, event_out == SENTINEL);

  CHECK_RESULT(t, tidings_history(NULL, "*", 10, 0, 0, &list), NUL);
  CHECK_RESULT(t, tidings_history(bus, NULL, 10, 0, 0, &list), NUL);
  CHECK_RESULT(t, tidings_history(bus, "*", 10, 0, 0, NULL), NUL);
  CHECK_RESULT(t, tidings_history_with(NULL, "*", NULL, &list), NUL);
  CHECK_RESULT(t, tidings_history_with(bus, NULL, NULL, &list), NUL);
  CHECK_RESULT(t, tidings_history_with(bus, "*", NULL, NULL), NUL);
  CHECK(t, list == SENTINEL);
  CHECK_RESULT(t, tidings_event_list_len(NULL, &len), NUL);
  CHECK_RESULT(t, tidings_event_list_get(NULL, 0, &borrowed), NUL);
  CHECK(t, len == 7 && borrowed == SENTINEL);

  CHECK_RESULT(t, tidings_event_from_json(NULL, NULL, &event_out), NUL);
  CHECK_RESULT(t, tidings_event_from_json("{\"id\":\"1\",\"type\":\"a\",\"timestamp\":1}", NULL,
                                          NULL),
               NUL);
  CHECK_OK(t, tidings_event_from_json("{\"id\":\"1\",\"type\":\"a\",\"timestamp\":1}", NULL,
                                      &owned));
  for (size_t i = 0; i < sizeof accessors / sizeof accessors[0]; i++) {
    CHECK_RESULT(t, accessors[i](NULL, &text), NUL);
    CHECK_RESULT(t, accessors[i](owned, NULL), NUL);
  }
  CHECK(t, text == SENTINEL);
  CHECK_RESULT(t, tidings_event_time_ms(NULL, &time_ms), NUL);
  CHECK_RESULT(t, tidings_event_time_ms(owned, NULL), NUL);
  CHECK_RESULT(t, tidings_event_clone(NULL, &event_out), NUL);
  CHECK_RESULT(t, tidings_event_clone(owned, NULL), NUL);
  CHECK(t, time_ms == 7 && event_out == SENTINEL);

  /* The options builders (the connect options' setters are checked in test_options.c). */
  CHECK_RESULT(t, tidings_connect_options_new(NULL), NUL);
  CHECK_RESULT(t, tidings_emit_options_new(NULL), NUL);
  CHECK_RESULT(t, tidings_subscribe_options_new(NULL), NUL);
  CHECK_RESULT(t, tidings_history_options_new(NULL), NUL);
  CHECK_OK(t, tidings_emit_options_new(&emit));
  CHECK_OK(t, tidings_subscribe_options_new(&from));
  CHECK_OK(t, tidings_history_options_new(&query));
  CHECK_RESULT(t, tidings_emit_options_set_subject(NULL, "s"), NUL);
  CHECK_RESULT(t, tidings_emit_options_set_subject(emit, NULL), NUL);
  CHECK_RESULT(t, tidings_emit_options_set_metadata_json(NULL, "{}"), NUL);
  CHECK_RESULT(t, tidings_emit_options_set_metadata_json(emit, NULL), NUL);
  CHECK_RESULT(t, tidings_emit_options_set_version(NULL, "2"), NUL);
  CHECK_RESULT(t, tidings_emit_options_set_version(emit, NULL), NUL);
  CHECK_RESULT(t, tidings_subscribe_options_set_from(NULL, "start"), NUL);
  CHECK_RESULT(t, tidings_subscribe_options_set_from(from, NULL), NUL);
  CHECK_RESULT(t, tidings_subscribe_options_set_from_time_ms(NULL, 1), NUL);
  CHECK_RESULT(t, tidings_subscribe_options_set_batch_size(NULL, 1), NUL);
  CHECK_RESULT(t, tidings_history_options_set_limit(NULL, 1), NUL);
  CHECK_RESULT(t, tidings_history_options_set_since_ms(NULL, 1), NUL);
  CHECK_RESULT(t, tidings_history_options_set_until_ms(NULL, 1), NUL);
  CHECK_RESULT(t, tidings_history_options_set_since_position(NULL, "1-1"), NUL);
  CHECK_RESULT(t, tidings_history_options_set_since_position(query, NULL), NUL);
  CHECK_RESULT(t, tidings_history_options_set_until_position(NULL, "1-1"), NUL);
  CHECK_RESULT(t, tidings_history_options_set_until_position(query, NULL), NUL);
  CHECK_RESULT(t, tidings_history_options_set_order(NULL, "oldest_first"), NUL);
  CHECK_RESULT(t, tidings_history_options_set_order(query, NULL), NUL);
  /* Builders that refused every setting are the defaults: an event with no subject, live. */
  CHECK_OK(t, tidings_emit_with(bus, "a", "{}", emit, id, sizeof id, &needed));
  CHECK_OK(t, tidings_history_with(bus, "a", query, &list));
  CHECK_OK(t, tidings_event_list_get(list, 0, &borrowed));
  CHECK_OK(t, tidings_event_subject(borrowed, &text));
  CHECK(t, text == NULL);
  tidings_event_list_free(list);
  tidings_emit_options_free(emit);
  tidings_subscribe_options_free(from);
  tidings_history_options_free(query);

  /* Freeing NULL is safe, as often as you like. */
  tidings_bus_free(NULL);
  tidings_bus_free(NULL);
  tidings_subscription_free(NULL);
  tidings_subscription_free(NULL);
  tidings_event_free(NULL);
  tidings_event_free(NULL);
  tidings_event_list_free(NULL);
  tidings_event_list_free(NULL);
  tidings_connect_options_free(NULL);
  tidings_emit_options_free(NULL);
  tidings_subscribe_options_free(NULL);
  tidings_history_options_free(NULL);

  tidings_event_free(owned);
  tidings_subscription_free(sub);
  tidings_bus_free(bus);
}

static void text_that_is_not_utf8_fails_as_its_argument_would(test_context *t) {
  tidings_bus *bus = NULL;
  tidings_subscription *sub = NULL;
  tidings_event_list *list = NULL;
  tidings_event *event = NULL;
  tidings_connect_options *connect = NULL;
  tidings_emit_options *emit = NULL;
  tidings_subscribe_options *from = NULL;
  tidings_history_options *query = NULL;
  char id[TIDINGS_EVENT_ID_SIZE];
  size_t needed = 0;

  CHECK_RESULT(t, tidings_connect("memory://" NOT_UTF8, NULL, &bus), TIDINGS_RESULT_CONFIG);
  /* The setters refuse it; the options stay as they were (see also test_options.c). */
  CHECK_OK(t, tidings_connect_options_new(&connect));
  CHECK_RESULT(t, tidings_connect_options_set_namespace(connect, NOT_UTF8),
               TIDINGS_RESULT_CONFIG);
  CHECK_RESULT(t, tidings_connect_options_set_source(connect, NOT_UTF8), TIDINGS_RESULT_CONFIG);
  CHECK(t, bus == NULL);
  tidings_connect_options_free(connect);
  CHECK_OK(t, connect_test_bus(t, &bus));
  CHECK_RESULT(t, tidings_emit(bus, "a" NOT_UTF8, "{}", id, sizeof id, &needed),
               TIDINGS_RESULT_INVALID_TYPE);
  CHECK_RESULT(t, tidings_emit(bus, "a", "\"" NOT_UTF8 "\"", id, sizeof id, &needed),
               TIDINGS_RESULT_INVALID_DATA);
  CHECK_OK(t, tidings_emit_options_new(&emit));
  CHECK_RESULT(t, tidings_emit_options_set_subject(emit, NOT_UTF8), TIDINGS_RESULT_INVALID_DATA);
  CHECK_RESULT(t, tidings_emit_options_set_metadata_json(emit, "{\"k\":\"" NOT_UTF8 "\"}"),
               TIDINGS_RESULT_INVALID_DATA);
  CHECK_RESULT(t, tidings_emit_options_set_version(emit, NOT_UTF8), TIDINGS_RESULT_INVALID_DATA);
  tidings_emit_options_free(emit);
  CHECK_RESULT(t, tidings_subscribe(bus, "a" NOT_UTF8, NULL, NULL, &sub),
               TIDINGS_RESULT_INVALID_PATTERN);
  CHECK_RESULT(t, tidings_history(bus, NOT_UTF8, 1, 0, 0, &list), TIDINGS_RESULT_INVALID_PATTERN);
  CHECK_OK(t, tidings_subscribe_options_new(&from));
  CHECK_RESULT(t, tidings_subscribe_options_set_from(from, NOT_UTF8), TIDINGS_RESULT_CONFIG);
  tidings_subscribe_options_free(from);
  CHECK_OK(t, tidings_history_options_new(&query));
  CHECK_RESULT(t, tidings_history_options_set_since_position(query, NOT_UTF8),
               TIDINGS_RESULT_CONFIG);
  CHECK_RESULT(t, tidings_history_options_set_until_position(query, NOT_UTF8),
               TIDINGS_RESULT_CONFIG);
  CHECK_RESULT(t, tidings_history_options_set_order(query, NOT_UTF8), TIDINGS_RESULT_CONFIG);
  tidings_history_options_free(query);
  CHECK_RESULT(t, tidings_event_from_json("{\"id\":\"" NOT_UTF8 "\"}", NULL, &event),
               TIDINGS_RESULT_INVALID_DATA);
  CHECK(t, sub == NULL && list == NULL && event == NULL);
  /* Nothing was emitted. */
  CHECK_OK(t, tidings_history(bus, "*", 10, 0, 0, &list));
  CHECK_OK(t, tidings_event_list_len(list, &needed));
  CHECK(t, needed == 0);
  tidings_event_list_free(list);
  tidings_bus_free(bus);
}

static void bad_json_types_patterns_and_buffers_lose_nothing(test_context *t) {
  static const char *const bad_json[] = {"", "{", "nope", "{\"a\":1,}", "[1 2]", "{} {}"};
  static const char *const bad_types[] = {"", "user login", "user.*", "a:b", ".a", "a..b"};
  static const char *const bad_patterns[] = {"", "a b", "user..*", "user.?", "a:*", "*."};
  tidings_bus *bus = NULL;
  tidings_subscription *sub = NULL;
  tidings_event_list *list = NULL;
  tidings_emit_options *emit = NULL;
  const tidings_event *event = NULL;
  const char *types[] = {"good.one", "bad type"}, *jsons[] = {"{}", "{}"};
  char id[TIDINGS_EVENT_ID_SIZE], good_id[TIDINGS_EVENT_ID_SIZE], ids[2 * TIDINGS_EVENT_ID_SIZE];
  size_t needed = 0, len = 0;

  CHECK_OK(t, connect_test_bus(t, &bus));
  for (size_t i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++) {
    CHECK_RESULT(t, tidings_emit(bus, "a", bad_json[i], id, sizeof id, &needed),
                 TIDINGS_RESULT_INVALID_DATA);
  }
  for (size_t i = 0; i < sizeof bad_types / sizeof bad_types[0]; i++) {
    CHECK_RESULT(t, tidings_emit(bus, bad_types[i], "{}", id, sizeof id, &needed),
                 TIDINGS_RESULT_INVALID_TYPE);
  }
  for (size_t i = 0; i < sizeof bad_patterns / sizeof bad_patterns[0]; i++) {
    CHECK_RESULT(t, tidings_subscribe(bus, bad_patterns[i], NULL, NULL, &sub),
                 TIDINGS_RESULT_INVALID_PATTERN);
    CHECK_RESULT(t, tidings_history(bus, bad_patterns[i], 1, 0, 0, &list),
                 TIDINGS_RESULT_INVALID_PATTERN);
  }
  /* Metadata that is not a JSON object is refused by its setter; an empty subject or version
   * by the emit. */
  CHECK_OK(t, tidings_emit_options_new(&emit));
  CHECK_RESULT(t, tidings_emit_options_set_metadata_json(emit, "[1]"), TIDINGS_RESULT_INVALID_DATA);
  CHECK_RESULT(t, tidings_emit_options_set_metadata_json(emit, "{"), TIDINGS_RESULT_INVALID_DATA);
  CHECK_OK(t, tidings_emit_options_set_subject(emit, ""));
  CHECK_RESULT(t, tidings_emit_with(bus, "a", "{}", emit, id, sizeof id, &needed),
               TIDINGS_RESULT_INVALID_DATA);
  tidings_emit_options_free(emit);
  CHECK_OK(t, tidings_emit_options_new(&emit));
  CHECK_OK(t, tidings_emit_options_set_version(emit, ""));
  CHECK_RESULT(t, tidings_emit_with(bus, "a", "{}", emit, id, sizeof id, &needed),
               TIDINGS_RESULT_INVALID_DATA);
  tidings_emit_options_free(emit);

  /* A buffer too small for the id reports the size and emits nothing. */
  needed = 0;
  CHECK_RESULT(t, tidings_emit(bus, "a", "{}", id, TIDINGS_EVENT_ID_SIZE - 1, &needed),
               TIDINGS_RESULT_BUFFER_TOO_SMALL);
  CHECK(t, needed == TIDINGS_EVENT_ID_SIZE);
  needed = 0;
  CHECK_RESULT(t, tidings_emit(bus, "a", "{}", id, 0, &needed), TIDINGS_RESULT_BUFFER_TOO_SMALL);
  CHECK(t, needed == TIDINGS_EVENT_ID_SIZE);
  CHECK_RESULT(t, tidings_emit_many(bus, 2, types, types, ids, sizeof ids - 1, &needed),
               TIDINGS_RESULT_INVALID_DATA);
  jsons[1] = "{}";
  needed = 0;
  types[1] = "good.two";
  CHECK_RESULT(t, tidings_emit_many(bus, 2, types, jsons, ids, sizeof ids - 1, &needed),
               TIDINGS_RESULT_BUFFER_TOO_SMALL);
  CHECK(t, needed == 2 * TIDINGS_EVENT_ID_SIZE);
  /* One bad event in a batch: none of it is emitted. */
  types[1] = "bad type";
  CHECK_RESULT(t, tidings_emit_many(bus, 2, types, jsons, ids, sizeof ids, &needed),
               TIDINGS_RESULT_INVALID_TYPE);

  /* The store holds exactly the one good event emitted now. */
  CHECK_OK(t, tidings_emit(bus, "good.one", "{\"kept\":true}", good_id, sizeof good_id, &needed));
  CHECK_OK(t, tidings_history(bus, "*", 100, 0, 0, &list));
  CHECK_OK(t, tidings_event_list_len(list, &len));
  CHECK(t, len == 1);
  CHECK_OK(t, tidings_event_list_get(list, 0, &event));
  CHECK_STR(t, field(event, tidings_event_id), good_id);
  tidings_event_list_free(list);
  tidings_bus_free(bus);
}

static void bad_urls_options_and_positions_are_config_errors(test_context *t) {
  tidings_bus *bus = NULL;
  tidings_subscription *sub = NULL;
  tidings_event_list *list = NULL;
  tidings_event *event = NULL;
  tidings_connect_options *connect = NULL;
  tidings_subscribe_options *from = NULL;
  tidings_history_options *query = NULL;

  CHECK_RESULT(t, tidings_connect("http://example.com", NULL, &bus), TIDINGS_RESULT_CONFIG);
  CHECK_RESULT(t, tidings_connect("memory://a/b", NULL, &bus), TIDINGS_RESULT_CONFIG);
  CHECK_OK(t, tidings_connect_options_new(&connect));
  CHECK_OK(t, tidings_connect_options_set_namespace(connect, "a:b"));
  CHECK_RESULT(t, tidings_connect(t->url, connect, &bus), TIDINGS_RESULT_CONFIG);
  tidings_connect_options_free(connect);
  CHECK_OK(t, tidings_connect_options_new(&connect));
  CHECK_OK(t, tidings_connect_options_set_source(connect, ""));
  CHECK_RESULT(t, tidings_connect(t->url, connect, &bus), TIDINGS_RESULT_CONFIG);
  tidings_connect_options_free(connect);
  CHECK(t, bus == NULL);
  CHECK_OK(t, connect_test_bus(t, &bus));
  CHECK_OK(t, tidings_subscribe_options_new(&from));
  CHECK_RESULT(t, tidings_subscribe_options_set_from(from, "yesterday"), TIDINGS_RESULT_CONFIG);
  tidings_subscribe_options_free(from);
  CHECK_OK(t, tidings_history_options_new(&query));
  CHECK_RESULT(t, tidings_history_options_set_until_position(query, "12"),
               TIDINGS_RESULT_CONFIG);
  CHECK_RESULT(t, tidings_history_options_set_since_position(query, "1-x"),
               TIDINGS_RESULT_CONFIG);
  CHECK_RESULT(t, tidings_history_options_set_order(query, "newest"), TIDINGS_RESULT_CONFIG);
  CHECK(t, strstr(tidings_last_error_message(), "oldest_first") != NULL);
  tidings_history_options_free(query);
  CHECK_RESULT(t, tidings_event_from_json("{\"id\":\"1\",\"type\":\"a\",\"timestamp\":1}", "1-x",
                                          &event),
               TIDINGS_RESULT_CONFIG);
  CHECK(t, sub == NULL && list == NULL && event == NULL);
  tidings_bus_free(bus);
}

static void an_unreachable_redis_is_a_connection_error(test_context *t) {
  tidings_bus *bus = NULL;
  tidings_connect_options *connect = NULL;
  CHECK_OK(t, tidings_connect_options_new(&connect));
  CHECK_OK(t, tidings_connect_options_set_connect_timeout_ms(connect, 2000));
  /* Port 1 on loopback refuses connections. */
  CHECK_RESULT(t, tidings_connect("redis://127.0.0.1:1/", connect, &bus),
               TIDINGS_RESULT_CONNECTION);
  tidings_connect_options_free(connect);
  CHECK(t, bus == NULL);
  CHECK(t, strncmp(tidings_last_error_message(), "TIDINGS_CONNECTION: ", 20) == 0);
}

static void ignore_event(void *userdata, const tidings_event *event) {
  (void)userdata;
  (void)event;
}

static void next_on_a_callback_subscription_is_a_config_error(test_context *t) {
  tidings_bus *bus = NULL;
  tidings_subscription *sub = NULL;
  tidings_event *event = NULL;
  CHECK_OK(t, connect_test_bus(t, &bus));
  CHECK_OK(t, tidings_subscribe(bus, "*", ignore_event, NULL, &sub));
  CHECK_RESULT(t, tidings_subscription_next(sub, 0, &event), TIDINGS_RESULT_CONFIG);
  CHECK(t, event == NULL);
  tidings_subscription_free(sub);
  tidings_bus_free(bus);
}

static void *fail_on_another_thread(void *arg) {
  char *seen = arg;
  snprintf(seen, 128, "%s", tidings_last_error_message());
  tidings_history(NULL, "*", 1, 0, 0, NULL);
  return NULL;
}

static void the_last_error_is_kept_per_thread(test_context *t) {
  tidings_bus *bus = NULL;
  pthread_t thread;
  char seen_there[128] = "unset";
  CHECK_RESULT(t, tidings_connect("nope://", NULL, &bus), TIDINGS_RESULT_CONFIG);
  CHECK(t, strncmp(tidings_last_error_message(), "TIDINGS_CONFIG: ", 16) == 0);
  CHECK(t, pthread_create(&thread, NULL, fail_on_another_thread, seen_there) == 0);
  pthread_join(thread, NULL);
  CHECK_STR(t, seen_there, "");
  CHECK(t, strncmp(tidings_last_error_message(), "TIDINGS_CONFIG: ", 16) == 0);
}

static void results_have_their_documented_numbers_and_names(test_context *t) {
  CHECK(t, TIDINGS_RESULT_OK == 0 && TIDINGS_RESULT_INVALID_TYPE == 1 &&
               TIDINGS_RESULT_INVALID_PATTERN == 2 && TIDINGS_RESULT_INVALID_DATA == 3 &&
               TIDINGS_RESULT_CONNECTION == 4 && TIDINGS_RESULT_TIMEOUT == 5 &&
               TIDINGS_RESULT_CLOSED == 6 && TIDINGS_RESULT_BACKEND == 7 &&
               TIDINGS_RESULT_CONFIG == 8 && TIDINGS_RESULT_INTERNAL == 9 &&
               TIDINGS_RESULT_NULL_ARGUMENT == 1000 && TIDINGS_RESULT_BUFFER_TOO_SMALL == 1001 &&
               TIDINGS_RESULT_INDEX_OUT_OF_RANGE == 1002);
  CHECK_STR(t, tidings_result_name(TIDINGS_RESULT_OK), "TIDINGS_OK");
  CHECK_STR(t, tidings_result_name(TIDINGS_RESULT_INVALID_TYPE), "TIDINGS_INVALID_TYPE");
  CHECK_STR(t, tidings_result_name(TIDINGS_RESULT_BUFFER_TOO_SMALL), "TIDINGS_BUFFER_TOO_SMALL");
  CHECK_STR(t, tidings_result_name(12345), "TIDINGS_UNKNOWN");
  CHECK(t, tidings_version()[0] != '\0');
}

const test_case bad_input_tests[] = {
    {"every NULL pointer is a NULL argument", every_null_pointer_is_a_null_argument,
     BACKEND_BOTH},
    {"text that is not UTF-8 fails as its argument would",
     text_that_is_not_utf8_fails_as_its_argument_would, BACKEND_BOTH},
    {"bad JSON, types, patterns and buffers lose nothing",
     bad_json_types_patterns_and_buffers_lose_nothing, BACKEND_BOTH},
    {"bad URLs, options and positions are config errors",
     bad_urls_options_and_positions_are_config_errors, BACKEND_BOTH},
    {"an unreachable redis is a connection error", an_unreachable_redis_is_a_connection_error,
     BACKEND_NONE},
    {"next on a callback subscription is a config error",
     next_on_a_callback_subscription_is_a_config_error, BACKEND_BOTH},
    {"the last error is kept per thread", the_last_error_is_kept_per_thread, BACKEND_NONE},
    {"results have their documented numbers and names",
     results_have_their_documented_numbers_and_names, BACKEND_NONE},
    {NULL, NULL, 0},
};
