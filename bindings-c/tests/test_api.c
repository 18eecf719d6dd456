/* Emit, history, poll subscriptions, resuming from a position, emit_many, many threads, and
 * freeing a bus under its subscriptions: the C API's everyday paths. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static bool is_position(const char *text) {
  unsigned long long ms, seq;
  char rest;
  return text != NULL && sscanf(text, "%llu-%llu%c", &ms, &seq, &rest) == 2;
}

static void emit_then_read_every_field(test_context *t) {
  tidings_bus *bus = NULL;
  tidings_event_list *list = NULL;
  const tidings_event *event = NULL;
  tidings_emit_options *options = NULL;
  char id[TIDINGS_EVENT_ID_SIZE];
  size_t needed = 0, len = 0;
  uint64_t time_ms = 0, before = now_ms();

  CHECK_OK(t, connect_test_bus(t, &bus));
  CHECK_OK(t, tidings_emit_options_new(&options));
  CHECK_OK(t, tidings_emit_options_set_subject(options, "user-123"));
  CHECK_OK(t, tidings_emit_options_set_metadata_json(
                  options, "{\"ip\": \"192.168.1.1\", \"userAgent\": \"Mozilla/5.0\"}"));
  CHECK_OK(t, tidings_emit_options_set_version(options, "2"));
  CHECK_OK(t, tidings_emit_with(bus, "user.login", "{\"userId\": 123, \"device\": \"iPhone 14\"}",
                                options, id, sizeof id, &needed));
  /* The options are only read: freeing them now changes nothing emitted. */
  tidings_emit_options_free(options);
  CHECK(t, needed == TIDINGS_EVENT_ID_SIZE);
  CHECK(t, strlen(id) == TIDINGS_EVENT_ID_SIZE - 1);
  CHECK_OK(t, tidings_history(bus, "user.*", 10, 0, 0, &list));
  CHECK_OK(t, tidings_event_list_len(list, &len));
  CHECK(t, len == 1);
  CHECK_OK(t, tidings_event_list_get(list, 0, &event));
  CHECK_STR(t, field(event, tidings_event_id), id);
  CHECK_STR(t, field(event, tidings_event_type), "user.login");
  CHECK_STR(t, field(event, tidings_event_source), "c-tests");
  CHECK_STR(t, field(event, tidings_event_subject), "user-123");
  CHECK(t, json_same(field(event, tidings_event_data), "{\"userId\":123,\"device\":\"iPhone 14\"}"));
  CHECK(t, json_same(field(event, tidings_event_metadata),
                     "{\"ip\":\"192.168.1.1\",\"userAgent\":\"Mozilla/5.0\"}"));
  CHECK_STR(t, field(event, tidings_event_version), "2");
  CHECK(t, is_position(field(event, tidings_event_position)));
  CHECK(t, strstr(field(event, tidings_event_json), id) != NULL);
  CHECK_OK(t, tidings_event_time_ms(event, &time_ms));
  CHECK(t, time_ms >= before && time_ms <= now_ms());
  tidings_event_list_free(list);
  tidings_bus_free(bus);
}

static void an_event_without_options_has_no_subject_or_metadata(test_context *t) {
  tidings_bus *bus = NULL;
  tidings_event_list *list = NULL;
  const tidings_event *event = NULL;
  const char *subject = "sentinel", *metadata = "sentinel";
  char id[TIDINGS_EVENT_ID_SIZE];
  size_t needed = 0;

  CHECK_OK(t, connect_test_bus(t, &bus));
  CHECK_OK(t, tidings_emit(bus, "order.placed", "[1, 2.5, null]", id, sizeof id, &needed));
  CHECK_OK(t, tidings_history(bus, "order.placed", 0, 0, 0, &list));
  CHECK_OK(t, tidings_event_list_get(list, 0, &event));
  CHECK_OK(t, tidings_event_subject(event, &subject));
  CHECK_OK(t, tidings_event_metadata(event, &metadata));
  CHECK(t, subject == NULL && metadata == NULL);
  CHECK_STR(t, field(event, tidings_event_version), "1");
  CHECK_STR(t, field(event, tidings_event_data), "[1,2.5,null]");
  tidings_event_list_free(list);
  tidings_bus_free(bus);
}

static void a_poll_subscription_gets_what_its_pattern_selects_in_order(test_context *t) {
  tidings_bus *bus = NULL;
  tidings_subscription *sub = NULL;
  tidings_event *event = NULL;
  char ids[3][TIDINGS_EVENT_ID_SIZE];
  size_t needed;

  CHECK_OK(t, connect_test_bus(t, &bus));
  CHECK_OK(t, tidings_subscribe(bus, "user.*", NULL, NULL, &sub));
  CHECK_OK(t, tidings_emit(bus, "user.registered", "{\"n\":1}", ids[0], sizeof ids[0], &needed));
  CHECK_OK(t, tidings_emit(bus, "order.placed", "{\"n\":2}", ids[1], sizeof ids[1], &needed));
  CHECK_OK(t, tidings_emit(bus, "user.login", "{\"n\":3}", ids[2], sizeof ids[2], &needed));
  CHECK_OK(t, tidings_subscription_next(sub, LIVENESS_MS, &event));
  CHECK_STR(t, field(event, tidings_event_id), ids[0]);
  CHECK_STR(t, field(event, tidings_event_data), "{\"n\":1}");
  tidings_event_free(event);
  event = NULL;
  CHECK_OK(t, tidings_subscription_next(sub, LIVENESS_MS, &event));
  CHECK_STR(t, field(event, tidings_event_id), ids[2]);
  CHECK(t, is_position(field(event, tidings_event_position)));
  tidings_event_free(event);
  event = NULL;
  /* order.placed came before user.login, so had it been delivered it would have come first. */
  CHECK_RESULT(t, tidings_subscription_next(sub, 0, &event), TIDINGS_RESULT_TIMEOUT);
  CHECK(t, event == NULL);
  tidings_subscription_free(sub);
  tidings_bus_free(bus);
}

static void history_pages_and_orders(test_context *t) {
  tidings_bus *bus = NULL;
  tidings_event_list *list = NULL;
  const tidings_event *event = NULL;
  tidings_history_options *options = NULL;
  char ids[5][TIDINGS_EVENT_ID_SIZE], data[32], position[64];
  size_t needed, len;

  CHECK_OK(t, connect_test_bus(t, &bus));
  for (int i = 0; i < 5; i++) {
    snprintf(data, sizeof data, "{\"n\":%d}", i);
    CHECK_OK(t, tidings_emit(bus, i % 2 ? "page.odd" : "page.even", data, ids[i], sizeof ids[i],
                             &needed));
  }
  /* Newest first, limited. */
  CHECK_OK(t, tidings_history(bus, "page.*", 2, 0, 0, &list));
  CHECK_OK(t, tidings_event_list_len(list, &len));
  CHECK(t, len == 2);
  CHECK_OK(t, tidings_event_list_get(list, 0, &event));
  CHECK_STR(t, field(event, tidings_event_id), ids[4]);
  CHECK_OK(t, tidings_event_list_get(list, 1, &event));
  CHECK_STR(t, field(event, tidings_event_id), ids[3]);
  CHECK_RESULT(t, tidings_event_list_get(list, 2, &event), TIDINGS_RESULT_INDEX_OUT_OF_RANGE);
  tidings_event_list_free(list);
  /* Oldest first, then the page after the last position seen (one type: positions are exact). */
  CHECK_OK(t, tidings_history_options_new(&options));
  CHECK_OK(t, tidings_history_options_set_limit(options, 2));
  CHECK_OK(t, tidings_history_options_set_order(options, "oldest_first"));
  CHECK_OK(t, tidings_history_with(bus, "page.even", options, &list));
  CHECK_OK(t, tidings_event_list_len(list, &len));
  CHECK(t, len == 2);
  CHECK_OK(t, tidings_event_list_get(list, 0, &event));
  CHECK_STR(t, field(event, tidings_event_id), ids[0]);
  CHECK_OK(t, tidings_event_list_get(list, 1, &event));
  CHECK_STR(t, field(event, tidings_event_id), ids[2]);
  snprintf(position, sizeof position, "%s", field(event, tidings_event_position));
  tidings_event_list_free(list);
  CHECK_OK(t, tidings_history_options_set_since_position(options, position));
  CHECK_OK(t, tidings_history_with(bus, "page.even", options, &list));
  CHECK_OK(t, tidings_event_list_len(list, &len));
  CHECK(t, len == 1);
  CHECK_OK(t, tidings_event_list_get(list, 0, &event));
  CHECK_STR(t, field(event, tidings_event_id), ids[4]);
  tidings_event_list_free(list);
  tidings_history_options_free(options);
  /* NULL options: the defaults (newest 100). */
  CHECK_OK(t, tidings_history_with(bus, "*", NULL, &list));
  CHECK_OK(t, tidings_event_list_len(list, &len));
  CHECK(t, len == 5);
  tidings_event_list_free(list);
  tidings_bus_free(bus);
}

static void a_subscription_resumes_after_a_position_then_follows_live(test_context *t) {
  tidings_bus *bus = NULL;
  tidings_subscription *from_position = NULL, *from_start = NULL;
  tidings_subscribe_options *options = NULL;
  tidings_event *event = NULL;
  tidings_event_list *list = NULL;
  const tidings_event *first = NULL;
  char ids[4][TIDINGS_EVENT_ID_SIZE], position[64];
  size_t needed;

  CHECK_OK(t, connect_test_bus(t, &bus));
  for (int i = 0; i < 3; i++) {
    CHECK_OK(t, tidings_emit(bus, "resume.me", "{}", ids[i], sizeof ids[i], &needed));
  }
  CHECK_OK(t, tidings_subscribe_options_new(&options));
  CHECK_OK(t, tidings_subscribe_options_set_from(options, "start"));
  CHECK_OK(t, tidings_subscribe_with(bus, "resume.me", options, NULL, NULL, &from_start));
  CHECK_OK(t, tidings_history(bus, "resume.me", 3, 0, 0, &list));
  CHECK_OK(t, tidings_event_list_get(list, 2, &first));
  CHECK_STR(t, field(first, tidings_event_id), ids[0]);
  snprintf(position, sizeof position, "%s", field(first, tidings_event_position));
  tidings_event_list_free(list);
  CHECK_OK(t, tidings_subscribe_options_set_from(options, position));
  CHECK_OK(t, tidings_subscribe_with(bus, "resume.me", options, NULL, NULL, &from_position));
  tidings_subscribe_options_free(options);
  CHECK_OK(t, tidings_emit(bus, "resume.me", "{}", ids[3], sizeof ids[3], &needed));
  for (int i = 0; i < 4; i++) {
    CHECK_OK(t, tidings_subscription_next(from_start, LIVENESS_MS, &event));
    CHECK_STR(t, field(event, tidings_event_id), ids[i]);
    tidings_event_free(event);
  }
  for (int i = 1; i < 4; i++) {
    CHECK_OK(t, tidings_subscription_next(from_position, LIVENESS_MS, &event));
    CHECK_STR(t, field(event, tidings_event_id), ids[i]);
    tidings_event_free(event);
  }
  tidings_subscription_free(from_start);
  tidings_subscription_free(from_position);
  tidings_bus_free(bus);
}

static void emit_many_emits_them_all(test_context *t) {
  enum { COUNT = 300 };
  tidings_bus *bus = NULL;
  tidings_event_list *list = NULL;
  tidings_history_options *options = NULL;
  const char *types[COUNT], *jsons[COUNT];
  char texts[COUNT][24];
  char *ids = malloc(COUNT * TIDINGS_EVENT_ID_SIZE);
  size_t needed = 0, len = 0;

  CHECK(t, ids != NULL);
  for (int i = 0; i < COUNT; i++) {
    snprintf(texts[i], sizeof texts[i], "{\"n\":%d}", i);
    types[i] = "batch.item";
    jsons[i] = texts[i];
  }
  CHECK_OK(t, connect_test_bus(t, &bus));
  CHECK_OK(t, tidings_emit_many(bus, COUNT, types, jsons, ids, COUNT * TIDINGS_EVENT_ID_SIZE,
                                &needed));
  CHECK(t, needed == COUNT * TIDINGS_EVENT_ID_SIZE);
  CHECK_OK(t, tidings_history_options_new(&options));
  CHECK_OK(t, tidings_history_options_set_limit(options, COUNT + 1));
  CHECK_OK(t, tidings_history_options_set_order(options, "oldest_first"));
  CHECK_OK(t, tidings_history_with(bus, "batch.item", options, &list));
  tidings_history_options_free(options);
  CHECK_OK(t, tidings_event_list_len(list, &len));
  CHECK(t, len == COUNT);
  /* Id i belongs to event i. (With 256 in flight, appends may land in any order.) */
  for (size_t i = 0; i < COUNT; i++) {
    const tidings_event *found = NULL;
    for (size_t j = 0; j < COUNT && found == NULL; j++) {
      const tidings_event *event = NULL;
      CHECK_OK(t, tidings_event_list_get(list, j, &event));
      if (strcmp(field(event, tidings_event_id), ids + i * TIDINGS_EVENT_ID_SIZE) == 0)
        found = event;
    }
    CHECK(t, found != NULL);
    CHECK_STR(t, field(found, tidings_event_data), texts[i]);
  }
  /* Zero events is fine and writes nothing. */
  CHECK_OK(t, tidings_emit_many(bus, 0, NULL, NULL, ids, 0, &needed));
  CHECK(t, needed == 0);
  tidings_event_list_free(list);
  tidings_bus_free(bus);
  free(ids);
}

typedef struct emitter {
  tidings_bus *bus;
  int failures;
} emitter;

static void *emit_fifty(void *arg) {
  emitter *e = arg;
  char id[TIDINGS_EVENT_ID_SIZE];
  size_t needed;
  for (int i = 0; i < 50; i++) {
    if (tidings_emit(e->bus, "threads.item", "{}", id, sizeof id, &needed) != TIDINGS_RESULT_OK)
      e->failures++;
  }
  return NULL;
}

static void one_bus_serves_many_threads(test_context *t) {
  enum { THREADS = 8 };
  tidings_bus *bus = NULL;
  tidings_event_list *list = NULL;
  pthread_t threads[THREADS];
  emitter emitters[THREADS];
  size_t len = 0;

  CHECK_OK(t, connect_test_bus(t, &bus));
  for (int i = 0; i < THREADS; i++) {
    emitters[i].bus = bus;
    emitters[i].failures = 0;
    CHECK(t, pthread_create(&threads[i], NULL, emit_fifty, &emitters[i]) == 0);
  }
  for (int i = 0; i < THREADS; i++) {
    pthread_join(threads[i], NULL);
    CHECK(t, emitters[i].failures == 0);
  }
  CHECK_OK(t, tidings_history(bus, "threads.item", 1000, 0, 0, &list));
  CHECK_OK(t, tidings_event_list_len(list, &len));
  CHECK(t, len == THREADS * 50);
  tidings_event_list_free(list);
  tidings_bus_free(bus);
}

static void freeing_the_bus_ends_its_subscriptions(test_context *t) {
  tidings_bus *bus = NULL;
  tidings_subscription *sub = NULL;
  tidings_event *event = NULL;

  CHECK_OK(t, connect_test_bus(t, &bus));
  CHECK_OK(t, tidings_subscribe(bus, "*", NULL, NULL, &sub));
  tidings_bus_free(bus);
  CHECK_RESULT(t, tidings_subscription_next(sub, LIVENESS_MS, &event), TIDINGS_RESULT_CLOSED);
  CHECK(t, event == NULL);
  CHECK(t, strncmp(tidings_last_error_message(), "TIDINGS_CLOSED", 14) == 0);
  tidings_subscription_free(sub);
}

static void two_buses_on_one_store_see_each_other(test_context *t) {
  tidings_bus *writer = NULL, *reader = NULL;
  tidings_subscription *sub = NULL;
  tidings_event *event = NULL;
  char id[TIDINGS_EVENT_ID_SIZE];
  size_t needed;

  CHECK_OK(t, connect_test_bus(t, &writer));
  CHECK_OK(t, connect_test_bus(t, &reader));
  CHECK_OK(t, tidings_subscribe(reader, "shared.*", NULL, NULL, &sub));
  CHECK_OK(t, tidings_emit(writer, "shared.thing", "{\"x\":true}", id, sizeof id, &needed));
  CHECK_OK(t, tidings_subscription_next(sub, LIVENESS_MS, &event));
  CHECK_STR(t, field(event, tidings_event_id), id);
  tidings_event_free(event);
  tidings_subscription_free(sub);
  tidings_bus_free(writer);
  tidings_bus_free(reader);
}

const test_case api_tests[] = {
    {"emit then read every field", emit_then_read_every_field, BACKEND_BOTH},
    {"an event without options has no subject or metadata",
     an_event_without_options_has_no_subject_or_metadata, BACKEND_BOTH},
    {"a poll subscription gets what its pattern selects, in order",
     a_poll_subscription_gets_what_its_pattern_selects_in_order, BACKEND_BOTH},
    {"history pages and orders", history_pages_and_orders, BACKEND_BOTH},
    {"a subscription resumes after a position, then follows live",
     a_subscription_resumes_after_a_position_then_follows_live, BACKEND_BOTH},
    {"emit_many emits them all", emit_many_emits_them_all, BACKEND_BOTH},
    {"one bus serves many threads", one_bus_serves_many_threads, BACKEND_BOTH},
    {"freeing the bus ends its subscriptions", freeing_the_bus_ends_its_subscriptions,
     BACKEND_BOTH},
    {"two buses on one store see each other", two_buses_on_one_store_see_each_other,
     BACKEND_BOTH},
    {NULL, NULL, 0},
};
