/* Callback subscriptions: the thread callbacks run on, borrowed events, and callbacks that call
 * back into the library (emit, history, subscribe, free their own subscription, free the bus)
 * without deadlock or crash. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

/* What a callback saw, shared with the test thread. */
typedef struct inbox {
  pthread_mutex_t lock;
  pthread_cond_t changed;
  int count;
  char ids[16][TIDINGS_EVENT_ID_SIZE];
  char types[16][64];
  bool on_caller_thread;
  pthread_t caller;
  tidings_bus *bus;              /* for callbacks that call back in */
  tidings_subscription *self;    /* for a callback that frees its own subscription */
  int free_self_after;           /* free `self` from inside the callback after this many */
  bool free_bus;                 /* free `bus` from inside the first callback */
  bool emit_returned;            /* the test thread is done with `bus` */
  tidings_result reentrant[4];   /* results of the calls made from inside the callback */
  tidings_event *kept;           /* a clone kept past the callback */
} inbox;

static void inbox_init(inbox *box) {
  memset(box, 0, sizeof *box);
  pthread_mutex_init(&box->lock, NULL);
  pthread_cond_init(&box->changed, NULL);
  box->caller = pthread_self();
}

static void inbox_destroy(inbox *box) {
  tidings_event_free(box->kept);
  pthread_mutex_destroy(&box->lock);
  pthread_cond_destroy(&box->changed);
}

/* Waits until the inbox holds `count` events; false after the liveness limit. */
static bool wait_for(inbox *box, int count) {
  struct timespec deadline;
  bool reached;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += LIVENESS_MS / 1000;
  pthread_mutex_lock(&box->lock);
  while (box->count < count) {
    if (pthread_cond_timedwait(&box->changed, &box->lock, &deadline) == ETIMEDOUT) break;
  }
  reached = box->count >= count;
  pthread_mutex_unlock(&box->lock);
  return reached;
}

static void record(inbox *box, const tidings_event *event) {
  const char *id = NULL, *type = NULL;
  pthread_mutex_lock(&box->lock);
  if (box->count < 16 && tidings_event_id(event, &id) == TIDINGS_RESULT_OK &&
      tidings_event_type(event, &type) == TIDINGS_RESULT_OK) {
    snprintf(box->ids[box->count], sizeof box->ids[0], "%s", id);
    snprintf(box->types[box->count], sizeof box->types[0], "%s", type);
  }
  if (pthread_equal(pthread_self(), box->caller)) box->on_caller_thread = true;
  box->count++;
  pthread_cond_broadcast(&box->changed);
  pthread_mutex_unlock(&box->lock);
}

static void collect(void *userdata, const tidings_event *event) {
  inbox *box = userdata;
  if (box->kept == NULL) tidings_event_clone(event, &box->kept);
  record(box, event);
}

static void callbacks_run_in_order_on_a_library_thread(test_context *t) {
  tidings_bus *bus = NULL;
  tidings_subscription *sub = NULL;
  inbox box;
  char ids[3][TIDINGS_EVENT_ID_SIZE];
  size_t needed;

  inbox_init(&box);
  CHECK_OK(t, connect_test_bus(t, &bus));
  CHECK_OK(t, tidings_subscribe(bus, "cb.*", collect, &box, &sub));
  for (int i = 0; i < 3; i++) {
    CHECK_OK(t, tidings_emit(bus, "cb.event", "{}", ids[i], sizeof ids[i], &needed));
  }
  CHECK(t, wait_for(&box, 3));
  for (int i = 0; i < 3; i++) CHECK_STR(t, box.ids[i], ids[i]);
  CHECK(t, !box.on_caller_thread);
  tidings_subscription_free(sub);
  /* A clone outlives the callback, the subscription and the bus. */
  tidings_bus_free(bus);
  CHECK_STR(t, field(box.kept, tidings_event_id), ids[0]);
  CHECK(t, box.count == 3);
  inbox_destroy(&box);
}

/* Emits an echo of each ping from inside the callback, reads history, and subscribes. */
static void echo(void *userdata, const tidings_event *event) {
  inbox *box = userdata;
  const char *type = NULL;
  char id[TIDINGS_EVENT_ID_SIZE];
  size_t needed;
  tidings_event_list *list = NULL;
  tidings_subscription *nested = NULL;
  tidings_event_type(event, &type);
  if (type != NULL && strcmp(type, "ping") == 0) {
    box->reentrant[0] = tidings_emit(box->bus, "echo", "{\"from\":\"callback\"}", id, sizeof id,
                                     &needed);
    box->reentrant[1] = tidings_history(box->bus, "ping", 10, 0, 0, &list);
    tidings_event_list_free(list);
    box->reentrant[2] = tidings_subscribe(box->bus, "nested", NULL, NULL, &nested);
    tidings_subscription_free(nested);
  }
  record(box, event);
}

static void a_callback_may_emit_read_and_subscribe_on_its_own_bus(test_context *t) {
  tidings_bus *bus = NULL;
  tidings_subscription *sub = NULL;
  inbox box;
  char id[TIDINGS_EVENT_ID_SIZE];
  size_t needed;

  inbox_init(&box);
  CHECK_OK(t, connect_test_bus(t, &bus));
  box.bus = bus;
  CHECK_OK(t, tidings_subscribe(bus, "*", echo, &box, &sub));
  CHECK_OK(t, tidings_emit(bus, "ping", "{}", id, sizeof id, &needed));
  /* The ping, then the echo the callback emitted. */
  CHECK(t, wait_for(&box, 2));
  CHECK_STR(t, box.types[0], "ping");
  CHECK_STR(t, box.types[1], "echo");
  CHECK(t, box.reentrant[0] == TIDINGS_RESULT_OK);
  CHECK(t, box.reentrant[1] == TIDINGS_RESULT_OK);
  CHECK(t, box.reentrant[2] == TIDINGS_RESULT_OK);
  tidings_subscription_free(sub);
  tidings_bus_free(bus);
  inbox_destroy(&box);
}

static void free_self_after_some(void *userdata, const tidings_event *event) {
  inbox *box = userdata;
  /* Free first, then record: once the test thread sees the count, this callback touches
   * nothing of the test's any more. */
  if (box->count + 1 == box->free_self_after) tidings_subscription_free(box->self);
  record(box, event);
}

static void a_callback_may_free_its_own_subscription(test_context *t) {
  tidings_bus *bus = NULL;
  tidings_subscription *observer = NULL;
  tidings_event *event = NULL;
  inbox box;
  char id[TIDINGS_EVENT_ID_SIZE], last[TIDINGS_EVENT_ID_SIZE];
  size_t needed;

  inbox_init(&box);
  box.free_self_after = 2;
  CHECK_OK(t, connect_test_bus(t, &bus));
  /* `self` is set before any event can arrive: nothing is emitted until after subscribe. */
  CHECK_OK(t, tidings_subscribe(bus, "tick", free_self_after_some, &box, &box.self));
  CHECK_OK(t, tidings_subscribe(bus, "tick", NULL, NULL, &observer));
  for (int i = 0; i < 4; i++) {
    CHECK_OK(t, tidings_emit(bus, "tick", "{}", i == 3 ? last : id, sizeof id, &needed));
  }
  /* Once the observer has seen the last tick, a live callback would have had it too. */
  for (int i = 0; i < 4; i++) {
    CHECK_OK(t, tidings_subscription_next(observer, LIVENESS_MS, &event));
    if (i == 3) CHECK_STR(t, field(event, tidings_event_id), last);
    tidings_event_free(event);
  }
  CHECK(t, wait_for(&box, 2));
  pthread_mutex_lock(&box.lock);
  CHECK(t, box.count == 2);
  pthread_mutex_unlock(&box.lock);
  tidings_subscription_free(observer);
  tidings_bus_free(bus);
  inbox_destroy(&box);
}

static void free_bus_inside(void *userdata, const tidings_event *event) {
  inbox *box = userdata;
  if (box->free_bus) {
    /* Freeing a bus another thread is still calling into is the caller's bug: wait until the
     * test thread's emit has returned. */
    pthread_mutex_lock(&box->lock);
    while (!box->emit_returned) pthread_cond_wait(&box->changed, &box->lock);
    pthread_mutex_unlock(&box->lock);
    box->free_bus = false;
    tidings_bus_free(box->bus);
  }
  record(box, event);
}

static void a_callback_may_free_the_bus(test_context *t) {
  tidings_subscription *sub = NULL;
  inbox box;
  char id[TIDINGS_EVENT_ID_SIZE];
  size_t needed;

  inbox_init(&box);
  box.free_bus = true;
  CHECK_OK(t, connect_test_bus(t, &box.bus));
  CHECK_OK(t, tidings_subscribe(box.bus, "bye", free_bus_inside, &box, &sub));
  CHECK_OK(t, tidings_emit(box.bus, "bye", "{}", id, sizeof id, &needed));
  pthread_mutex_lock(&box.lock);
  box.emit_returned = true;
  pthread_cond_broadcast(&box.changed);
  pthread_mutex_unlock(&box.lock);
  CHECK(t, wait_for(&box, 1));
  /* The bus is gone; the subscription has ended and frees without blocking forever. */
  tidings_subscription_free(sub);
  CHECK(t, box.count == 1);
  inbox_destroy(&box);
}

typedef struct gate {
  pthread_mutex_t lock;
  pthread_cond_t changed;
  bool entered, released, finished;
} gate;

static void wait_at_gate(void *userdata, const tidings_event *event) {
  gate *g = userdata;
  (void)event;
  pthread_mutex_lock(&g->lock);
  g->entered = true;
  pthread_cond_broadcast(&g->changed);
  while (!g->released) pthread_cond_wait(&g->changed, &g->lock);
  g->finished = true;
  pthread_mutex_unlock(&g->lock);
}

static void *release_later(void *arg) {
  gate *g = arg;
  pthread_mutex_lock(&g->lock);
  g->released = true;
  pthread_cond_broadcast(&g->changed);
  pthread_mutex_unlock(&g->lock);
  return NULL;
}

static void freeing_waits_for_a_running_callback(test_context *t) {
  tidings_bus *bus = NULL;
  tidings_subscription *sub = NULL;
  gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false, false};
  pthread_t releaser;
  struct timespec deadline;
  char id[TIDINGS_EVENT_ID_SIZE];
  size_t needed;

  CHECK_OK(t, connect_test_bus(t, &bus));
  CHECK_OK(t, tidings_subscribe(bus, "slow", wait_at_gate, &g, &sub));
  CHECK_OK(t, tidings_emit(bus, "slow", "{}", id, sizeof id, &needed));
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += LIVENESS_MS / 1000;
  pthread_mutex_lock(&g.lock);
  while (!g.entered) {
    if (pthread_cond_timedwait(&g.changed, &g.lock, &deadline) == ETIMEDOUT) break;
  }
  pthread_mutex_unlock(&g.lock);
  CHECK(t, g.entered);
  /* The callback is inside; another thread lets it go while this one frees the subscription. */
  CHECK(t, pthread_create(&releaser, NULL, release_later, &g) == 0);
  tidings_subscription_free(sub);
  pthread_mutex_lock(&g.lock);
  CHECK(t, g.finished);
  pthread_mutex_unlock(&g.lock);
  pthread_join(releaser, NULL);
  tidings_bus_free(bus);
}

const test_case callback_tests[] = {
    {"callbacks run in order on a library thread", callbacks_run_in_order_on_a_library_thread,
     BACKEND_BOTH},
    {"a callback may emit, read and subscribe on its own bus",
     a_callback_may_emit_read_and_subscribe_on_its_own_bus, BACKEND_BOTH},
    {"a callback may free its own subscription", a_callback_may_free_its_own_subscription,
     BACKEND_BOTH},
    {"a callback may free the bus", a_callback_may_free_the_bus, BACKEND_BOTH},
    {"freeing waits for a running callback", freeing_waits_for_a_running_callback, BACKEND_BOTH},
    {NULL, NULL, 0},
};
