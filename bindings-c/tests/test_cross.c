/* Cross-language: an event emitted from C is read back exactly by the Rust core
 * (`tidings-probe history`), and one the core emits is read exactly by C; likewise by the
 * readers named in TIDINGS_CROSS_READERS (commands run as `<reader> <url> <type>` that print
 * each event's fields as one line of JSON: the Python and Node readers in tests/cross/; the
 * test fails when fewer than TIDINGS_CROSS_EXPECTED are given). Runs
 * on the private redis-server only: other processes cannot see a memory:// store. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* Runs a command and returns its output lines parsed as JSON (an array), or NULL. */
static json_t *run_lines(test_context *t, const char *command) {
  FILE *pipe = popen(command, "r");
  json_t *lines = json_array();
  char line[65536];
  if (pipe == NULL) {
    test_fail(t, __FILE__, __LINE__, "cannot run %s", command);
    json_decref(lines);
    return NULL;
  }
  while (fgets(line, sizeof line, pipe) != NULL) {
    json_error_t error;
    json_t *value = json_loads(line, JSON_ALLOW_NUL, &error);
    if (value == NULL) {
      test_fail(t, __FILE__, __LINE__, "%s printed a line that is not JSON: %s", command, line);
      continue;
    }
    json_array_append_new(lines, value);
  }
  if (pclose(pipe) != 0) {
    test_fail(t, __FILE__, __LINE__, "%s failed", command);
    json_decref(lines);
    return NULL;
  }
  return lines;
}

static const char *probe(void) {
  const char *path = getenv("TIDINGS_PROBE");
  return path != NULL ? path : "tidings-probe";
}

static tidings_result connect_plain(const test_context *t, tidings_bus **bus) {
  tidings_connect_options *options = NULL;
  tidings_result result = tidings_connect_options_new(&options);
  if (result == TIDINGS_RESULT_OK) result = tidings_connect_options_set_source(options, "c-tests");
  if (result == TIDINGS_RESULT_OK) result = tidings_connect(t->redis_url, options, bus);
  tidings_connect_options_free(options);
  return result;
}

/* Emits one event with every optional field, and returns C's own reading of it as JSON. */
static json_t *emit_from_c(test_context *t, tidings_bus *bus, const char *type) {
  tidings_emit_options *options = NULL;
  tidings_event_list *list = NULL;
  const tidings_event *event = NULL;
  char id[TIDINGS_EVENT_ID_SIZE];
  size_t needed, len = 0;
  json_t *mine = NULL;
  if (tidings_emit_options_new(&options) != TIDINGS_RESULT_OK ||
      tidings_emit_options_set_subject(options, "user-123") != TIDINGS_RESULT_OK ||
      tidings_emit_options_set_metadata_json(
          options, "{\"ip\":\"192.168.1.1\",\"trace\":[1,2]}") != TIDINGS_RESULT_OK ||
      tidings_emit_options_set_version(options, "2") != TIDINGS_RESULT_OK ||
      tidings_emit_with(bus, type, "{\"userId\":123,\"name\":\"Zoë \\u00e9\\n\",\"n\":1.5}",
                        options, id, sizeof id, &needed) != TIDINGS_RESULT_OK ||
      tidings_history(bus, type, 10, 0, 0, &list) != TIDINGS_RESULT_OK ||
      tidings_event_list_len(list, &len) != TIDINGS_RESULT_OK || len != 1 ||
      tidings_event_list_get(list, 0, &event) != TIDINGS_RESULT_OK) {
    test_fail(t, __FILE__, __LINE__, "emit from C: %s", tidings_last_error_message());
  } else {
    mine = json_loads(field(event, tidings_event_json), 0, NULL);
  }
  tidings_emit_options_free(options);
  tidings_event_list_free(list);
  return mine;
}

static void an_event_from_c_reads_back_exactly_in_rust(test_context *t) {
  tidings_bus *bus = NULL;
  json_t *mine, *theirs;
  char type[64], command[1024];
  snprintf(type, sizeof type, "cross.from-c.p%d", (int)getpid());
  CHECK_OK(t, connect_plain(t, &bus));
  mine = emit_from_c(t, bus, type);
  tidings_bus_free(bus);
  CHECK(t, mine != NULL);
  snprintf(command, sizeof command, "'%s' history '%s' '%s'", probe(), t->redis_url, type);
  theirs = run_lines(t, command);
  if (theirs == NULL) {
    json_decref(mine);
    return;
  }
  if (json_array_size(theirs) != 1 || !json_equal(json_array_get(theirs, 0), mine)) {
    char *a = json_dumps(mine, JSON_COMPACT), *b = json_dumps(theirs, JSON_COMPACT);
    test_fail(t, __FILE__, __LINE__, "C wrote %s; the Rust core read %s", a, b);
    free(a);
    free(b);
  }
  json_decref(mine);
  json_decref(theirs);
}

static void an_event_from_rust_reads_back_exactly_in_c(test_context *t) {
  tidings_bus *bus = NULL;
  tidings_event_list *list = NULL;
  const tidings_event *event = NULL;
  json_t *theirs, *mine;
  char type[64], command[1024];
  size_t len = 0;
  snprintf(type, sizeof type, "cross.from-rust.p%d", (int)getpid());
  snprintf(command, sizeof command,
           "'%s' emit '%s' '%s' '{\"orderId\":\"A-17\",\"total\":42.5,\"tags\":[\"x\",null]}' "
           "order-17",
           probe(), t->redis_url, type);
  theirs = run_lines(t, command);
  CHECK(t, theirs != NULL);
  CHECK_OK(t, connect_plain(t, &bus));
  CHECK_OK(t, tidings_history(bus, type, 10, 0, 0, &list));
  CHECK_OK(t, tidings_event_list_len(list, &len));
  CHECK(t, len == 1 && json_array_size(theirs) == 1);
  CHECK_OK(t, tidings_event_list_get(list, 0, &event));
  CHECK_STR(t, field(event, tidings_event_subject), "order-17");
  mine = json_loads(field(event, tidings_event_json), 0, NULL);
  CHECK(t, json_equal(mine, json_array_get(theirs, 0)));
  json_decref(mine);
  json_decref(theirs);
  tidings_event_list_free(list);
  tidings_bus_free(bus);
}

/* An event's fields as the accessors give them, in the readers' shape (see cross/). */
static json_t *fields_of(json_t *envelope) {
  json_t *fields = json_object();
  static const char *const copied[] = {"id", "type", "source", "subject", "version", "metadata",
                                       "data", "position"};
  tidings_event *event = NULL;
  char *text = json_dumps(envelope, JSON_COMPACT);
  uint64_t time_ms = 0;
  for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++) {
    json_t *value = json_object_get(envelope, copied[i]);
    json_object_set(fields, copied[i], value ? value : json_null());
  }
  /* The time in ms as C reads it (the envelope holds it as text). */
  if (tidings_event_from_json(text, NULL, &event) == TIDINGS_RESULT_OK &&
      tidings_event_time_ms(event, &time_ms) == TIDINGS_RESULT_OK)
    json_object_set_new(fields, "time_ms", json_integer((json_int_t)time_ms));
  tidings_event_free(event);
  free(text);
  return fields;
}

/* Each reader in TIDINGS_CROSS_READERS (separated by ';') reads a C event exactly. */
static void an_event_from_c_reads_back_exactly_in_other_bindings(test_context *t) {
  const char *readers = getenv("TIDINGS_CROSS_READERS");
  const char *expected_text = getenv("TIDINGS_CROSS_EXPECTED");
  int expected = expected_text ? atoi(expected_text) : 0;
  char *list, *reader, *rest = NULL;
  int n = 0;
  if (readers == NULL || readers[0] == '\0') {
    printf("[c]   no other binding readers given (TIDINGS_CROSS_READERS is empty)\n");
    CHECK(t, expected == 0);
    return;
  }
  list = strdup(readers);
  for (reader = strtok_r(list, ";", &rest); reader != NULL; reader = strtok_r(NULL, ";", &rest)) {
    tidings_bus *bus = NULL;
    json_t *mine, *theirs;
    char type[64], command[2048];
    snprintf(type, sizeof type, "cross.to-reader%d.p%d", n++, (int)getpid());
    if (connect_plain(t, &bus) != TIDINGS_RESULT_OK) {
      test_fail(t, __FILE__, __LINE__, "connect: %s", tidings_last_error_message());
      break;
    }
    mine = emit_from_c(t, bus, type);
    tidings_bus_free(bus);
    snprintf(command, sizeof command, "%s '%s' '%s'", reader, t->redis_url, type);
    theirs = mine ? run_lines(t, command) : NULL;
    if (theirs != NULL) {
      json_t *wrote = fields_of(mine);
      json_decref(mine);
      mine = wrote;
      if (json_array_size(theirs) != 1 || !json_equal(json_array_get(theirs, 0), mine)) {
        char *a = json_dumps(mine, JSON_COMPACT), *b = json_dumps(theirs, JSON_COMPACT);
        test_fail(t, __FILE__, __LINE__, "C wrote %s; `%s` read %s", a, reader, b);
        free(a);
        free(b);
      } else {
        printf("[c]   read back exactly by: %s\n", reader);
      }
    }
    json_decref(mine);
    json_decref(theirs);
  }
  free(list);
  /* Every binding that was built must have been found and read. */
  CHECK(t, n >= expected);
}

const test_case cross_language_tests[] = {
    {"cross-language: an event from C reads back exactly in Rust",
     an_event_from_c_reads_back_exactly_in_rust, BACKEND_REDIS},
    {"cross-language: an event from Rust reads back exactly in C",
     an_event_from_rust_reads_back_exactly_in_c, BACKEND_REDIS},
    {"cross-language: an event from C reads back exactly in other bindings",
     an_event_from_c_reads_back_exactly_in_other_bindings, BACKEND_REDIS},
    {NULL, NULL, 0},
};
