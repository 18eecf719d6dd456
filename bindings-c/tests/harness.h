/* The C test harness of libtidings: each test runs once per backend (memory:// and a private
 * redis-server the runner starts), with its own store or key namespace; CHECK macros record a
 * failure and leave the test. run.c counts and prints "N passed, M failed". */
#ifndef TIDINGS_TEST_HARNESS_H
#define TIDINGS_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tidings.h>

/* Generous waits that only turn a hang into a failure (valgrind makes everything slow). */
#define LIVENESS_MS 30000u

typedef struct test_context {
  const char *backend;  /* "memory" or "redis" */
  char url[256];        /* memory://<unique name> or redis://127.0.0.1:<port>/ */
  char ns[64];          /* a key namespace unique to this test and backend */
  const char *redis_url;  /* the private server's URL, for tests that need it; NULL on memory */
  bool failed;
} test_context;

typedef void (*test_fn)(test_context *t);

typedef struct test_case {
  const char *name;
  test_fn run;
  int backends;  /* BACKEND_MEMORY | BACKEND_REDIS, or BACKEND_NONE for pure functions */
} test_case;

enum { BACKEND_NONE = 0, BACKEND_MEMORY = 1, BACKEND_REDIS = 2, BACKEND_BOTH = 3 };

void test_fail(test_context *t, const char *file, int line, const char *fmt, ...);

#define CHECK(t, cond)                                              \
  do {                                                              \
    if (!(cond)) {                                                  \
      test_fail((t), __FILE__, __LINE__, "CHECK(%s) failed", #cond); \
      return;                                                       \
    }                                                               \
  } while (0)

#define CHECK_RESULT(t, call, expected)                                                \
  do {                                                                                 \
    tidings_result got_ = (call);                                                      \
    if (got_ != (tidings_result)(expected)) {                                          \
      test_fail((t), __FILE__, __LINE__, "%s returned %s, expected %s (%s)", #call,    \
                tidings_result_name(got_), tidings_result_name(expected),              \
                tidings_last_error_message());                                         \
      return;                                                                          \
    }                                                                                  \
  } while (0)

#define CHECK_OK(t, call) CHECK_RESULT(t, call, TIDINGS_RESULT_OK)

#define CHECK_STR(t, actual, expected)                                                   \
  do {                                                                                   \
    const char *a_ = (actual), *e_ = (expected);                                         \
    if (a_ == NULL || e_ == NULL ? a_ != e_ : strcmp(a_, e_) != 0) {                     \
      test_fail((t), __FILE__, __LINE__, "%s is \"%s\", expected \"%s\"", #actual,       \
                a_ ? a_ : "(null)", e_ ? e_ : "(null)");                                 \
      return;                                                                            \
    }                                                                                    \
  } while (0)

/* Connects to the test's backend with its namespace and source "c-tests". */
tidings_result connect_test_bus(const test_context *t, tidings_bus **bus);

/* The text of one accessor, or NULL when the accessor fails. */
typedef tidings_result (*text_accessor)(const tidings_event *, const char **);
const char *field(const tidings_event *event, text_accessor accessor);

/* True when both texts are JSON and equal as values (member order aside). */
bool json_same(const char *a, const char *b);

/* Wall clock in ms since the epoch. */
uint64_t now_ms(void);

/* The tests, one array per file. */
extern const test_case api_tests[];
extern const test_case options_tests[];
extern const test_case bad_input_tests[];
extern const test_case callback_tests[];
extern const test_case vector_tests[];
extern const test_case cross_language_tests[];

#endif
