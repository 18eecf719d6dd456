/* The C test runner of libtidings: starts a private redis-server on a free loopback port, runs
 * every test on memory:// and on that server, and ends with "N passed, M failed". Exit status 0
 * only when nothing failed. Usage: tidings-c-tests [name-substring] */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"

static const test_case *const suites[] = {api_tests,    options_tests,   bad_input_tests,
                                         callback_tests, vector_tests, cross_language_tests};

void test_fail(test_context *t, const char *file, int line, const char *fmt, ...) {
  va_list args;
  t->failed = true;
  fprintf(stderr, "[c] FAIL (%s) %s:%d: ", t->backend, file, line);
  va_start(args, fmt);
  vfprintf(stderr, fmt, args);
  va_end(args);
  fputc('\n', stderr);
}

uint64_t now_ms(void) {
  struct timeval now;
  gettimeofday(&now, NULL);
  return (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_usec / 1000u;
}

const char *field(const tidings_event *event, text_accessor accessor) {
  const char *text = NULL;
  return accessor(event, &text) == TIDINGS_RESULT_OK ? text : NULL;
}

bool json_same(const char *a, const char *b) {
  json_t *left = a ? json_loads(a, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL) : NULL;
  json_t *right = b ? json_loads(b, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL) : NULL;
  bool same = left != NULL && right != NULL && json_equal(left, right);
  json_decref(left);
  json_decref(right);
  return same;
}

tidings_result connect_test_bus(const test_context *t, tidings_bus **bus) {
  tidings_connect_options *options = NULL;
  tidings_result result = tidings_connect_options_new(&options);
  if (result == TIDINGS_RESULT_OK) result = tidings_connect_options_set_namespace(options, t->ns);
  if (result == TIDINGS_RESULT_OK) result = tidings_connect_options_set_source(options, "c-tests");
  if (result == TIDINGS_RESULT_OK) result = tidings_connect(t->url, options, bus);
  tidings_connect_options_free(options);
  return result;
}

/* ---- a private redis-server ---- */

typedef struct redis_server {
  pid_t pid;
  int port;
  char dir[64];
} redis_server;

static int free_port(void) {
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
      getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

static bool redis_answers(int port) {
  struct sockaddr_in addr;
  char reply[16] = {0};
  bool ok = false;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
      write(fd, "PING\r\n", 6) == 6 && read(fd, reply, sizeof reply - 1) > 0) {
    ok = strncmp(reply, "+PONG", 5) == 0;
  }
  if (fd >= 0) close(fd);
  return ok;
}

static bool redis_start(redis_server *server) {
  char port[16];
  server->port = free_port();
  snprintf(server->dir, sizeof server->dir, "/tmp/tidings-c-redis-XXXXXX");
  if (server->port < 0 || mkdtemp(server->dir) == NULL) return false;
  snprintf(port, sizeof port, "%d", server->port);
  server->pid = fork();
  if (server->pid < 0) return false;
  if (server->pid == 0) {
    freopen("/dev/null", "w", stdout);
    execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
           "--appendonly", "no", "--dir", server->dir, (char *)NULL);
    _exit(127);
  }
  /* Wait (up to a liveness limit) until it answers PING. */
  for (int i = 0; i < 1000; i++) {
    int status;
    if (redis_answers(server->port)) return true;
    if (waitpid(server->pid, &status, WNOHANG) == server->pid) return false;
    struct timespec pause = {0, 10 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  return false;
}

static void redis_stop(redis_server *server) {
  if (server->pid > 0) {
    kill(server->pid, SIGTERM);
    waitpid(server->pid, NULL, 0);
  }
  rmdir(server->dir);
}

/* ---- the run ---- */

int main(int argc, char **argv) {
  const char *only = argc > 1 ? argv[1] : NULL;
  redis_server server = {0};
  char redis_url[64];
  int passed = 0, failed = 0, serial = 0;

  signal(SIGPIPE, SIG_IGN);
  if (!redis_start(&server)) {
    fprintf(stderr, "[c] cannot start redis-server (is it installed and on PATH?)\n");
    redis_stop(&server);
    printf("0 passed, 1 failed\n");
    return 1;
  }
  snprintf(redis_url, sizeof redis_url, "redis://127.0.0.1:%d/", server.port);
  printf("[c] libtidings %s; private redis-server on port %d\n", tidings_version(), server.port);

  for (size_t s = 0; s < sizeof suites / sizeof suites[0]; s++) {
    for (const test_case *test = suites[s]; test->name != NULL; test++) {
      static const struct { int flag; const char *name; } backends[] = {
          {BACKEND_MEMORY, "memory"}, {BACKEND_REDIS, "redis"}};
      if (only != NULL && strstr(test->name, only) == NULL) continue;
      for (size_t b = 0; b < 2; b++) {
        test_context t;
        bool runs = test->backends == BACKEND_NONE ? b == 0 : (test->backends & backends[b].flag);
        if (!runs) continue;
        memset(&t, 0, sizeof t);
        serial++;
        t.backend = test->backends == BACKEND_NONE ? "none" : backends[b].name;
        snprintf(t.ns, sizeof t.ns, "ctest%d", serial);
        t.redis_url = redis_url;
        if (backends[b].flag == BACKEND_REDIS) {
          snprintf(t.url, sizeof t.url, "%s", redis_url);
        } else {
          snprintf(t.url, sizeof t.url, "memory://ctest%d", serial);
        }
        test->run(&t);
        printf("[c] %-4s %-6s %s\n", t.failed ? "FAIL" : "ok", t.backend, test->name);
        fflush(stdout);
        if (t.failed) failed++; else passed++;
      }
    }
  }
  redis_stop(&server);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
