/* The C binding's rows of `make bench` (tidings-bench runs this once a round): the workload of
 * bench/src through the C API, so its figures compare with the Rust core's in the same run.
 * Emits 100-byte JSON events to the redis-server at TIDINGS_URL and prints one JSON line per row
 * (the contract is at the top of bench/src/bindings.rs). TIDINGS_BENCH_SECTION=emit|latency
 * (default: both), TIDINGS_BENCH_QUICK=1 (small counts).
 * `tidings-bench-c latency-subscriber <url> <count> <skip>` is the child of the latency row. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tidings.h>

#define CONTENDER "tidings (C API)"
#define IN_FLIGHT 256
#define RATE_PER_S 1000
/* The pad of bench/src/core.rs: `{"seq":100000,"pad":"…"}` is 100 bytes. */
static const char PAD[] = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxy";

static const char *url;

static void die(const char *what, tidings_result result) {
  fprintf(stderr, "tidings-bench-c: %s: %s\n", what, tidings_last_error_message());
  (void)result;
  exit(1);
}

static double seconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static uint64_t now_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static void event_data(char *buf, size_t size, uint64_t seq) {
  snprintf(buf, size, "{\"seq\":%" PRIu64 ",\"pad\":\"%s\"}", seq, PAD);
}

/* Deletes a bench stream between runs, as bench/src does, so streams do not grow without bound. */
static void reset(const char *type) {
  char command[512];
  snprintf(command, sizeof command, "redis-cli -u '%s' DEL 'stream:%s' >/dev/null 2>&1", url, type);
  if (system(command) != 0) { /* without redis-cli the stream just grows */ }
}

/* The only call that sets a bus up, so it is the one place to change with the C API's options. */
static tidings_bus *connect_bus(void) {
  tidings_bus *bus = NULL;
  tidings_result r = tidings_connect(url, NULL, &bus);
  if (r != TIDINGS_RESULT_OK) die("connect", r);
  return bus;
}

static void emit_one(tidings_bus *bus, const char *type, const char *data) {
  char id[TIDINGS_EVENT_ID_SIZE];
  size_t needed;
  tidings_result r = tidings_emit(bus, type, data, id, sizeof id, &needed);
  if (r != TIDINGS_RESULT_OK) die("emit", r);
}

static double emit_seq(tidings_bus *bus, uint64_t n) {
  char data[160];
  double started = seconds();
  for (uint64_t seq = 0; seq < n; seq++) {
    event_data(data, sizeof data, seq);
    emit_one(bus, "bench.sequential", data);
  }
  return (double)n / (seconds() - started);
}

typedef struct worker {
  tidings_bus *bus;
  uint64_t first, count;
} worker;

static void *emit_range(void *arg) {
  worker *w = arg;
  char data[160];
  for (uint64_t seq = w->first; seq < w->first + w->count; seq++) {
    event_data(data, sizeof data, seq);
    emit_one(w->bus, "bench.inflight", data);
  }
  return NULL;
}

static double emit_threads(tidings_bus *bus, uint64_t n) {
  pthread_t threads[IN_FLIGHT];
  worker workers[IN_FLIGHT];
  uint64_t per_thread = n / IN_FLIGHT;
  double started = seconds();
  for (int i = 0; i < IN_FLIGHT; i++) {
    workers[i] = (worker){bus, (uint64_t)i * per_thread, per_thread};
    if (pthread_create(&threads[i], NULL, emit_range, &workers[i]) != 0) {
      fprintf(stderr, "tidings-bench-c: cannot start a thread\n");
      exit(1);
    }
  }
  for (int i = 0; i < IN_FLIGHT; i++) pthread_join(threads[i], NULL);
  return (double)(per_thread * IN_FLIGHT) / (seconds() - started);
}

/* Events/s of one tidings_emit_many of n events of `type`; *started is when it was called. */
static double emit_many(tidings_bus *bus, const char *type, uint64_t n, double *started) {
  const char **types = malloc(n * sizeof *types);
  const char **jsons = malloc(n * sizeof *jsons);
  char *texts = malloc(n * 128);
  char *ids = malloc(n * TIDINGS_EVENT_ID_SIZE);
  size_t needed;
  double rate;
  tidings_result r;
  if (!types || !jsons || !texts || !ids) die("out of memory", TIDINGS_RESULT_INTERNAL);
  for (uint64_t i = 0; i < n; i++) {
    event_data(texts + i * 128, 128, i);
    types[i] = type;
    jsons[i] = texts + i * 128;
  }
  *started = seconds();
  r = tidings_emit_many(bus, n, types, jsons, ids, n * TIDINGS_EVENT_ID_SIZE, &needed);
  rate = (double)n / (seconds() - *started);
  if (r != TIDINGS_RESULT_OK) die("emit_many", r);
  free(types);
  free(jsons);
  free(texts);
  free(ids);
  return rate;
}

/* ---- subscriber throughput ---- */

typedef struct counter {
  pthread_mutex_t lock;
  pthread_cond_t done;
  uint64_t seen, want;
  double last;
} counter;

static void count_event(void *userdata, const tidings_event *event) {
  counter *c = userdata;
  (void)event;
  pthread_mutex_lock(&c->lock);
  if (++c->seen == c->want) {
    c->last = seconds();
    pthread_cond_signal(&c->done);
  }
  pthread_mutex_unlock(&c->lock);
}

static double subscriber(tidings_bus *bus, uint64_t n) {
  counter c = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, n, 0};
  tidings_subscription *sub = NULL;
  double started;
  tidings_result r = tidings_subscribe(bus, "bench.subscriber", count_event, &c, &sub);
  if (r != TIDINGS_RESULT_OK) die("subscribe", r);
  emit_many(bus, "bench.subscriber", n, &started);
  pthread_mutex_lock(&c.lock);
  while (c.seen < n) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 30;
    if (pthread_cond_timedwait(&c.done, &c.lock, &deadline) == ETIMEDOUT) {
      fprintf(stderr, "tidings-bench-c: the subscriber saw %" PRIu64 " of %" PRIu64 "\n",
              c.seen, n);
      exit(1);
    }
  }
  pthread_mutex_unlock(&c.lock);
  tidings_subscription_free(sub);
  return (double)n / (c.last - started);
}

/* ---- latency across processes ---- */

static int compare_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The nearest-rank percentile of sorted values. */
static double percentile(const double *sorted, size_t n, double p) {
  size_t rank = (size_t)(p * (double)n + 0.999999);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return sorted[rank - 1];
}

typedef struct latencies {
  pthread_mutex_t lock;
  pthread_cond_t done;
  size_t seen, want, skip;
  double *us;
} latencies;

static void measure_event(void *userdata, const tidings_event *event) {
  latencies *l = userdata;
  uint64_t now = now_ns(), sent = 0;
  const char *data = NULL, *member;
  tidings_event_data(event, &data);
  member = data ? strstr(data, "\"sent_ns\":") : NULL;
  if (member == NULL || sscanf(member, "\"sent_ns\":%" SCNu64, &sent) != 1) {
    fprintf(stderr, "tidings-bench-c: no sent_ns in %s\n", data ? data : "(null)");
    exit(1);
  }
  pthread_mutex_lock(&l->lock);
  if (l->seen >= l->skip && l->seen < l->want) {
    l->us[l->seen - l->skip] = (double)(now > sent ? now - sent : 0) / 1000.0;
  }
  if (++l->seen == l->want) pthread_cond_signal(&l->done);
  pthread_mutex_unlock(&l->lock);
}

/* The child: subscribe, say "ready", collect, print "latency <p50> <p99> <max>". */
static int latency_subscriber(size_t count, size_t skip) {
  latencies l = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, count, skip, NULL};
  tidings_bus *bus = connect_bus();
  tidings_subscription *sub = NULL;
  size_t n = count - skip;
  tidings_result r;
  l.us = calloc(n, sizeof *l.us);
  r = tidings_subscribe(bus, "bench.latency", measure_event, &l, &sub);
  if (r != TIDINGS_RESULT_OK) die("subscribe", r);
  printf("ready\n");
  fflush(stdout);
  pthread_mutex_lock(&l.lock);
  while (l.seen < count) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 30;
    if (pthread_cond_timedwait(&l.done, &l.lock, &deadline) == ETIMEDOUT) {
      fprintf(stderr, "tidings-bench-c: no event within 30 s\n");
      return 1;
    }
  }
  pthread_mutex_unlock(&l.lock);
  tidings_subscription_free(sub);
  tidings_bus_free(bus);
  qsort(l.us, n, sizeof *l.us, compare_double);
  printf("latency %.1f %.1f %.1f\n", percentile(l.us, n, 0.50), percentile(l.us, n, 0.99),
         l.us[n - 1]);
  free(l.us);
  return 0;
}

static void latency(tidings_bus *bus, const char *self, size_t count, size_t skip, double *p50,
                    double *p99, double *max) {
  int to_parent[2];
  pid_t child;
  FILE *from_child;
  char line[256], counts[2][32], data[160];
  double next, interval = 1.0 / RATE_PER_S;
  if (pipe(to_parent) != 0) die("pipe", TIDINGS_RESULT_INTERNAL);
  snprintf(counts[0], sizeof counts[0], "%zu", count + skip);
  snprintf(counts[1], sizeof counts[1], "%zu", skip);
  child = fork();
  if (child == 0) {
    dup2(to_parent[1], STDOUT_FILENO);
    close(to_parent[0]);
    execl(self, self, "latency-subscriber", url, counts[0], counts[1], (char *)NULL);
    _exit(127);
  }
  close(to_parent[1]);
  from_child = fdopen(to_parent[0], "r");
  if (fgets(line, sizeof line, from_child) == NULL || strcmp(line, "ready\n") != 0) {
    fprintf(stderr, "tidings-bench-c: the latency subscriber did not say ready\n");
    exit(1);
  }
  /* A steady 1,000 events/s; a late tick is sent at once (tokio's Burst), as bench/ does. */
  next = seconds();
  for (size_t i = 0; i < count + skip; i++) {
    double wait = next - seconds();
    if (wait > 0) {
      struct timespec pause = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
      nanosleep(&pause, NULL);
    }
    next += interval;
    snprintf(data, sizeof data, "{\"sent_ns\":%" PRIu64 ",\"pad\":\"%.*s\"}", now_ns(),
             (int)(sizeof PAD - 1 - 17), PAD);
    emit_one(bus, "bench.latency", data);
  }
  if (fgets(line, sizeof line, from_child) == NULL ||
      sscanf(line, "latency %lf %lf %lf", p50, p99, max) != 3) {
    fprintf(stderr, "tidings-bench-c: unexpected subscriber output\n");
    exit(1);
  }
  fclose(from_child);
  waitpid(child, NULL, 0);
}

/* ---- output ---- */

static void rate_row(const char *what, double events_per_s) {
  printf("{\"contender\": \"%s\", \"what\": \"%s\", \"events_per_s\": %.1f}\n", CONTENDER, what,
         events_per_s);
  fflush(stdout);
}

static bool section(const char *name) {
  const char *chosen = getenv("TIDINGS_BENCH_SECTION");
  return chosen == NULL || strcmp(chosen, "all") == 0 || strcmp(chosen, name) == 0;
}

int main(int argc, char **argv) {
  bool quick = getenv("TIDINGS_BENCH_QUICK") && strcmp(getenv("TIDINGS_BENCH_QUICK"), "1") == 0;
  uint64_t n_seq = quick ? 2000 : 20000, n_flight = quick ? 20000 : 100000;
  size_t n_latency = quick ? 500 : 3000, warmup = quick ? 100 : 200;
  char what[128];
  double started;
  tidings_bus *bus;

  url = getenv("TIDINGS_URL");
  if (argc == 5 && strcmp(argv[1], "latency-subscriber") == 0) {
    url = argv[2];
    return latency_subscriber((size_t)atol(argv[3]), (size_t)atol(argv[4]));
  }
  if (url == NULL || url[0] == '\0') {
    fprintf(stderr, "tidings-bench-c: set TIDINGS_URL to a redis:// URL (scripts/with-redis.sh)\n");
    return 2;
  }
  bus = connect_bus();
  /* Warm up, as bench/src does. */
  emit_seq(bus, 100);
  emit_many(bus, "bench.inflight", 2000, &started);
  if (section("emit")) {
    reset("bench.sequential");
    rate_row("tidings_emit, one at a time (blocking)", emit_seq(bus, n_seq));
    reset("bench.inflight");
    rate_row("tidings_emit, 256 in flight (256 threads)", emit_threads(bus, n_flight));
    reset("bench.inflight");
    snprintf(what, sizeof what, "tidings_emit_many of %s events", quick ? "20,000" : "100,000");
    rate_row(what, emit_many(bus, "bench.inflight", n_flight, &started));
    reset("bench.inflight");
  }
  if (section("latency")) {
    double p50, p99, max;
    reset("bench.subscriber");
    snprintf(what, sizeof what, "subscriber receive rate (callback; tidings_emit_many of %s in-process)",
             quick ? "20,000" : "100,000");
    rate_row(what, subscriber(bus, n_flight));
    reset("bench.subscriber");
    reset("bench.latency");
    latency(bus, argv[0], n_latency, warmup, &p50, &p99, &max);
    printf("{\"contender\": \"%s\", \"what\": \"emit \u2192 subscriber, 2 processes, 1,000 events/s\", "
           "\"p50_us\": %.1f, \"p99_us\": %.1f, \"max_us\": %.1f}\n", CONTENDER, p50, p99, max);
    reset("bench.latency");
  }
  tidings_bus_free(bus);
  return 0;
}
