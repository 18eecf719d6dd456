/* A legacy-style C program on libtidings: connect, subscribe to `user.*` with a callback, emit
 * a few events, wait for them, then read the history of everything. Uses TIDINGS_URL (such as
 * redis://127.0.0.1:6379/) and falls back to the embedded memory:// backend when it is unset.
 * Build: make (uses pkg-config tidings). Every line it prints starts with [c]. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <tidings.h>

/* What the callback shares with main: it runs on a thread of the subscription's own. */
struct seen {
  pthread_mutex_t lock;
  pthread_cond_t changed;
  int count;
};

static void on_user_event(void *userdata, const tidings_event *event) {
  struct seen *seen = userdata;
  const char *type = "", *position = "", *data = "";
  /* These strings are borrowed: valid only until this function returns. */
  tidings_event_type(event, &type);
  tidings_event_position(event, &position);
  tidings_event_data(event, &data);
  printf("[c] live  %-16s position %s data %s\n", type, position, data);
  pthread_mutex_lock(&seen->lock);
  seen->count++;
  pthread_cond_signal(&seen->changed);
  pthread_mutex_unlock(&seen->lock);
}

static int fail(const char *what, tidings_result result) {
  fprintf(stderr, "[c] %s failed: %s (%s)\n", what, tidings_result_name(result),
          tidings_last_error_message());
  return 1;
}

int main(void) {
  const char *url = getenv("TIDINGS_URL");
  tidings_connect_options *options = NULL;
  tidings_emit_options *login = NULL;
  tidings_bus *bus = NULL;
  tidings_subscription *subscription = NULL;
  tidings_event_list *history = NULL;
  struct seen seen;
  struct timespec deadline;
  char id[TIDINGS_EVENT_ID_SIZE];
  size_t needed = 0, count = 0, i;
  tidings_result result;

  if (url == NULL || url[0] == '\0') {
    url = "memory://";
    printf("[c] no TIDINGS_URL: using the embedded memory:// backend\n");
  } else {
    printf("[c] connecting to %s\n", url);
  }
  /* Options are opaque builders: made, set one option at a time, read by the call, freed. */
  if ((result = tidings_connect_options_new(&options)) != TIDINGS_RESULT_OK ||
      (result = tidings_connect_options_set_source(options, "examples/c")) != TIDINGS_RESULT_OK ||
      (result = tidings_connect_options_set_connect_timeout_ms(options, 3000)) !=
          TIDINGS_RESULT_OK)
    return fail("connect options", result);
  result = tidings_connect(url, options, &bus);
  tidings_connect_options_free(options);
  if (result != TIDINGS_RESULT_OK) return fail("connect", result);

  /* Subscribe before emitting: a live subscription sees what is emitted after it starts. */
  pthread_mutex_init(&seen.lock, NULL);
  pthread_cond_init(&seen.changed, NULL);
  seen.count = 0;
  if ((result = tidings_subscribe(bus, "user.*", on_user_event, &seen, &subscription)) !=
      TIDINGS_RESULT_OK)
    return fail("subscribe", result);

  result = tidings_emit(bus, "user.registered", "{\"userId\":123,\"email\":\"ada@example.com\"}",
                        id, sizeof id, &needed);
  if (result != TIDINGS_RESULT_OK) return fail("emit", result);
  if ((result = tidings_emit_options_new(&login)) != TIDINGS_RESULT_OK ||
      (result = tidings_emit_options_set_subject(login, "user-123")) != TIDINGS_RESULT_OK ||
      (result = tidings_emit_options_set_metadata_json(login, "{\"ip\":\"192.168.1.1\"}")) !=
          TIDINGS_RESULT_OK)
    return fail("emit options", result);
  result = tidings_emit_with(bus, "user.login", "{\"userId\":123,\"device\":\"iPhone 14\"}",
                             login, id, sizeof id, &needed);
  tidings_emit_options_free(login);
  if (result != TIDINGS_RESULT_OK) return fail("emit", result);
  result = tidings_emit(bus, "order.placed", "{\"orderId\":9,\"total\":42.5}", id, sizeof id,
                        &needed);
  if (result != TIDINGS_RESULT_OK) return fail("emit", result);
  result = tidings_emit(bus, "user.logout", "{\"userId\":123}", id, sizeof id, &needed);
  if (result != TIDINGS_RESULT_OK) return fail("emit", result);
  printf("[c] emitted 4 events; the last id is %s\n", id);

  /* `user.*` selects three of the four; wait for them (at most 10 s). */
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 10;
  pthread_mutex_lock(&seen.lock);
  while (seen.count < 3) {
    if (pthread_cond_timedwait(&seen.changed, &seen.lock, &deadline) != 0) break;
  }
  count = (size_t)seen.count;
  pthread_mutex_unlock(&seen.lock);
  tidings_subscription_free(subscription);
  if (count < 3) {
    fprintf(stderr, "[c] only %zu of 3 live events arrived\n", count);
    tidings_bus_free(bus);
    return 1;
  }

  if ((result = tidings_history(bus, "*", 10, 0, 0, &history)) != TIDINGS_RESULT_OK)
    return fail("history", result);
  tidings_event_list_len(history, &count);
  printf("[c] history of '*' (newest first): %zu events\n", count);
  for (i = 0; i < count; i++) {
    const tidings_event *event = NULL;
    const char *type = "", *data = "", *source = "";
    tidings_event_list_get(history, i, &event);
    tidings_event_type(event, &type);
    tidings_event_data(event, &data);
    tidings_event_source(event, &source);
    printf("[c]   %-16s from %-16s %s\n", type, source, data);
  }
  tidings_event_list_free(history);
  tidings_bus_free(bus);
  pthread_cond_destroy(&seen.changed);
  pthread_mutex_destroy(&seen.lock);
  return 0;
}
