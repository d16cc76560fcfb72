/*
 * util: the bottom layer of vpce. Error codes and the per-thread error message, size-capped
 * buffers, an arena, small containers, source files with their line maps, diagnostics with
 * source ranges, the log sink, and the value helpers around jansson (the "unknown" sentinel).
 * Nothing here knows about the language, state, providers or AWS.
 */
#ifndef VPCE_UTIL_H
#define VPCE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* ---- errors ------------------------------------------------------------------------------ */

/*
 * Functions return 0 on success or one of these negative codes. The human message is set once,
 * where the error is found, with vpce_error_set(), and read by whoever finally reports it.
 */
enum {
    VPCE_OK = 0,
    VPCE_ERROR = -1,        /* generic failure; see vpce_error_last() */
    VPCE_ENOTFOUND = -2,    /* the thing asked for does not exist */
    VPCE_EEXISTS = -3,      /* the thing to create exists already */
    VPCE_ETOOBIG = -4,      /* a size cap was reached */
    VPCE_ELOCKED = -5,      /* the state is locked by someone else */
    VPCE_EINTERRUPTED = -6, /* the user interrupted the operation */
    VPCE_EINVALID = -7,     /* invalid input (configuration, arguments, a response) */
    VPCE_ESTALE = -8,       /* a saved plan no longer matches configuration or state */
    VPCE_ERETRY = -9,       /* a transient failure worth retrying */
};

/* Sets this thread's error message (printf-style); returns VPCE_ERROR for `return
 * vpce_error_set(...)`. The arguments may include vpce_error_last() to add context to it. */
int vpce_error_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like vpce_error_set() but returns `code`. */
int vpce_error_setc(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* This thread's last message, or "" when none. Borrowed: valid until the next set on this thread.
 */
const char *vpce_error_last(void);
void vpce_error_clear(void);

/* Programming mistakes, never user errors: print file:line and abort. */
#define VPCE_BUG(msg) vpce_bug(__FILE__, __LINE__, (msg))
#define VPCE_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            vpce_bug(__FILE__, __LINE__, "assertion failed: " #cond);                              \
    } while (0)
_Noreturn void vpce_bug(const char *file, int line, const char *msg);

/* Allocation that never returns NULL: out of memory aborts with a message. */
void *vpce_malloc(size_t n);
void *vpce_calloc(size_t count, size_t size);
void *vpce_realloc(void *p, size_t n);
char *vpce_strdup(const char *s);
char *vpce_strndup(const char *s, size_t n);
/* Returns a new heap string formatted printf-style; the caller frees it. */
char *vpce_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *vpce_vasprintf(const char *fmt, va_list ap);

/* ---- buffers ----------------------------------------------------------------------------- */

/*
 * A growable byte buffer with a maximum size. Appends past the cap fail with VPCE_ETOOBIG, leave
 * the buffer as it was and set `overflow`, so a builder may append freely and check once at the
 * end. The contents are always NUL-terminated (the NUL is not counted).
 */
typedef struct vpce_buf {
    char *data;
    size_t len;
    size_t alloc;
    size_t cap;    /* maximum len */
    bool overflow; /* an append was refused for the cap (cleared by vpce_buf_clear) */
} vpce_buf;

#define VPCE_BUF_INIT(cap_)                                                                        \
    {                                                                                              \
        NULL, 0, 0, (cap_), false                                                                  \
    }
#define VPCE_BUF_UNLIMITED ((size_t)-1 / 2)

void vpce_buf_init(vpce_buf *b, size_t cap);
void vpce_buf_release(vpce_buf *b);
int vpce_buf_append(vpce_buf *b, const void *data, size_t len);
int vpce_buf_puts(vpce_buf *b, const char *s);
int vpce_buf_putc(vpce_buf *b, char c);
int vpce_buf_printf(vpce_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vpce_buf_vprintf(vpce_buf *b, const char *fmt, va_list ap);
void vpce_buf_clear(vpce_buf *b);
/* Returns the data ("" when empty) and gives ownership to the caller; the buffer is reset. */
char *vpce_buf_detach(vpce_buf *b);
/* A borrowed C string of the contents ("" when empty). */
const char *vpce_buf_cstr(const vpce_buf *b);

/*
 * Reads a whole file into *out (NUL-terminated, caller frees) with a size cap. Only a regular
 * file is read (see vpce_open_regular): VPCE_ENOTFOUND when it does not exist, VPCE_EINVALID
 * when it is a directory, a FIFO or a device, VPCE_ETOOBIG past cap.
 */
int vpce_read_file(char **out, size_t *out_len, const char *path, size_t cap);
/*
 * Opens path (open(2) flags, O_RDONLY or O_RDWR) only if it is a regular file, without ever
 * blocking: a directory ("\"PATH\" is a directory, not a file"), a FIFO, a socket or a device
 * ("\"PATH\" is not a regular file: it is a FIFO (named pipe)") is refused at once with
 * VPCE_EINVALID; a missing file is VPCE_ENOTFOUND; other failures
 * VPCE_ERROR. Every reader of a file a user names goes through this or vpce_read_file().
 * On success *out_fd is a blocking, close-on-exec descriptor the caller closes.
 */
int vpce_open_regular(int *out_fd, const char *path, int flags);
/* The same checks without opening: 0 when path is a regular file (symbolic links followed). */
int vpce_check_regular(const char *path);

/* ---- arena ------------------------------------------------------------------------------- */

/* Bump allocator: everything allocated from it is freed by one vpce_arena_free(). */
typedef struct vpce_arena vpce_arena;
vpce_arena *vpce_arena_new(void);
void vpce_arena_free(vpce_arena *a);
void *vpce_arena_alloc(vpce_arena *a, size_t n); /* zeroed, aligned for any type */
char *vpce_arena_strndup(vpce_arena *a, const char *s, size_t n);
char *vpce_arena_strdup(vpce_arena *a, const char *s);

/* ---- small containers -------------------------------------------------------------------- */

/* A growable array of pointers. The vector does not own the elements. */
typedef struct vpce_vec {
    void **items;
    size_t len;
    size_t alloc;
} vpce_vec;
#define VPCE_VEC_INIT                                                                              \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }
void vpce_vec_push(vpce_vec *v, void *item);
void vpce_vec_release(vpce_vec *v);
void vpce_vec_sort(vpce_vec *v, int (*cmp)(const void *a, const void *b)); /* cmp gets void** */

/* A string-keyed hash map to borrowed pointers; keys are copied and owned by the map. */
typedef struct vpce_map vpce_map;
vpce_map *vpce_map_new(void);
void vpce_map_free(vpce_map *m);
/* Sets key to value; returns the previous value or NULL. */
void *vpce_map_set(vpce_map *m, const char *key, void *value);
void *vpce_map_get(const vpce_map *m, const char *key);
bool vpce_map_has(const vpce_map *m, const char *key);
void *vpce_map_remove(vpce_map *m, const char *key);
size_t vpce_map_count(const vpce_map *m);
/* Iteration in insertion order: for (i = 0; vpce_map_next(m, &i, &k, &v);) ... */
bool vpce_map_next(const vpce_map *m, size_t *iter, const char **key, void **value);

/* Levenshtein distance, for "did you mean" suggestions. */
size_t vpce_edit_distance(const char *a, const char *b);
/* The candidate closest to `name` (distance <= max(2, len/3)), or NULL. Borrowed from candidates.
 */
const char *vpce_suggest(const char *name, const char *const *candidates, size_t n);

/* ---- source files and diagnostics -------------------------------------------------------- */

/*
 * A source file: its name as given, its bytes, and a map of line starts built once. Line and
 * column are computed only when printing. Columns count UTF-8 characters, 1-based.
 *
 * A source is reference-counted: every diagnostic that points into it holds a reference, so a
 * diagnostic stays printable after the file it came from (a template, a -var value, a variables
 * file) has been freed.
 */
typedef struct vpce_source {
    char *name;
    char *text; /* NUL-terminated copy; may contain NUL bytes before len */
    size_t len;
    uint32_t *line_starts;
    size_t nlines;
    unsigned refs; /* atomic; see vpce_source_ref() */
} vpce_source;

/* Copies text; the new source holds one reference, dropped with vpce_source_free(). */
vpce_source *vpce_source_new(const char *name, const char *text, size_t len);
/* Takes one more reference (thread-safe) and returns src; NULL is passed through. */
const vpce_source *vpce_source_ref(const vpce_source *src);
/* Drops one reference; the last one frees the source. NULL is a no-op. */
void vpce_source_free(const vpce_source *src);
/* Line and column (1-based) of a byte offset. */
void vpce_source_pos(const vpce_source *src, size_t offset, int *line, int *col);
/* The line that contains offset, without its newline: a borrowed pointer and length. */
const char *vpce_source_line(const vpce_source *src, size_t offset, size_t *len);

/* A byte range [start, end) in a source; src NULL means "no location". */
typedef struct vpce_range {
    const vpce_source *src;
    uint32_t start;
    uint32_t end;
} vpce_range;

typedef enum { VPCE_DIAG_ERROR, VPCE_DIAG_WARNING } vpce_severity;

typedef struct vpce_diag {
    vpce_severity severity;
    char *summary;    /* lowercase, quotes its subject, no trailing full stop */
    char *detail;     /* may be NULL */
    vpce_range range; /* range.src holds a reference, dropped by vpce_diags_release() */
} vpce_diag;

/* A list of diagnostics collected through a whole run and reported together. */
typedef struct vpce_diags {
    vpce_diag *items;
    size_t len;
    size_t alloc;
    size_t nerrors;
} vpce_diags;
#define VPCE_DIAGS_INIT                                                                            \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

void vpce_diags_release(vpce_diags *d);
/* Adds a diagnostic; detail may be NULL. Returns VPCE_EINVALID for errors, 0 for warnings. */
int vpce_diags_add(vpce_diags *d, vpce_severity sev, vpce_range range, const char *detail,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Shorthands for vpce_diags_add() (functions, so compound-literal ranges may be passed). */
int vpce_diags_error(vpce_diags *d, vpce_range range, const char *detail, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int vpce_diags_warning(vpce_diags *d, vpce_range range, const char *detail, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bool vpce_diags_has_errors(const vpce_diags *d);
/* Moves every diagnostic of src to the end of dst; src is left empty. */
void vpce_diags_append(vpce_diags *dst, vpce_diags *src);
/* Sorts by file name, then offset (stable), so output order does not depend on evaluation order. */
void vpce_diags_sort(vpce_diags *d);
/*
 * Prints every diagnostic: `file:line:col: error: summary`, the source line, `^~~~` under the
 * range, then the detail indented. color adds ANSI colours.
 */
void vpce_diags_print(const vpce_diags *d, FILE *out, bool color);
/* The diagnostics as a new JSON array (caller owns the reference). */
json_t *vpce_diags_to_json(const vpce_diags *d);

/* ---- logging ----------------------------------------------------------------------------- */

typedef enum {
    VPCE_LOG_ERROR,
    VPCE_LOG_WARN,
    VPCE_LOG_INFO,
    VPCE_LOG_DEBUG,
    VPCE_LOG_TRACE
} vpce_log_level;
/* The library never prints: the CLI installs a sink. Without one, logs are dropped. */
typedef void (*vpce_log_sink)(vpce_log_level level, const char *msg, void *ctx);
void vpce_log_set_sink(vpce_log_sink sink, void *ctx, vpce_log_level max_level);
bool vpce_log_enabled(vpce_log_level level);
void vpce_log(vpce_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- values ------------------------------------------------------------------------------ */

/*
 * Values everywhere in vpce are jansson json_t. One sentinel stands for "known after apply":
 * an object with the single key VPCE_UNKNOWN_KEY. It survives copies, serialisation and
 * equality, so it needs no special handling where values only pass through.
 */
#define VPCE_UNKNOWN_KEY "\x01vpce:unknown"
/* A new reference to an unknown value. */
json_t *vpce_unknown(void);
/*
 * A new reference to an unknown value that remembers where it comes from: the key's value is
 * the string origin ("aws_vpc.main.id") instead of true. The planner gives one to each computed
 * attribute of an object not created yet; references pass it on unchanged, so the analysis can
 * tell that two unknowns are the same future id. Anything computed from it is a plain unknown.
 */
json_t *vpce_unknown_from(const char *origin);
/* The origin of an unknown made by vpce_unknown_from(), or NULL. Borrowed from v. */
const char *vpce_unknown_origin(const json_t *v);
bool vpce_is_unknown(const json_t *v);
/*
 * json_dumps() with every big number written as a bare JSON number of its exact digits (JSON
 * has no limit on a number's digits). Caller frees; NULL as json_dumps.
 */
char *vpce_json_dumps(const json_t *v, size_t flags);
/* True if v is or contains an unknown anywhere. */
bool vpce_contains_unknown(const json_t *v);
/* Equality as the language defines it: numbers by value (1 == 1.0), objects by keys; any two
   unknowns are equal, whatever their origin. */
bool vpce_value_equal(const json_t *a, const json_t *b);
/* A short rendering for messages ("\"abc\"", "42", "[...]"); caller frees. */
char *vpce_value_brief(const json_t *v);
/* Sorts the members of array arr in place with cmp, a qsort comparator of two json_t *const *;
   vpce_json_cmp_strings compares string members bytewise. */
void vpce_json_array_sort(json_t *arr, int (*cmp)(const void *a, const void *b));
int vpce_json_cmp_strings(const void *a, const void *b);
/*
 * Numbers are exact decimals (lang/lang.h has their arithmetic). One that neither a JSON integer
 * nor a JSON real holds exactly (more digits, or beyond their range) is a "big number": an
 * object with the single key VPCE_NUMBER_KEY whose value is the number's exact digits as a
 * string, in the canonical form lang/ writes ("-12.5", no exponent). Like the unknown sentinel
 * it survives copies, serialisation (state, plan files) and equality.
 */
#define VPCE_NUMBER_KEY "\x01vpce:number"
bool vpce_is_bignum(const json_t *v);
/* The exact digits of a big number (borrowed from v). */
const char *vpce_bignum_text(const json_t *v);
/* Number helpers: true if v is an integer, a real or a big number. */
bool vpce_is_number(const json_t *v);
/* The nearest double (a big number beyond the double range gives +-HUGE_VAL). */
double vpce_number(const json_t *v);
/* True, with *out set, if v is a number holding a whole value that fits int64. */
bool vpce_number_int64(const json_t *v, int64_t *out);
/* A number value: an integer when x is integral and fits, else a real. New reference. */
json_t *vpce_number_new(double x);

/* A JSON string of len bytes with every invalid UTF-8 byte replaced by U+FFFD. New reference. */
json_t *vpce_json_string_lossy(const char *s, size_t len);
/* Length of the valid UTF-8 sequence at s (1..4), or 0 if the bytes there are not valid UTF-8. */
size_t vpce_utf8_seq_len(const unsigned char *s, size_t avail);

/* A monotonic clock in milliseconds, and sleeping. vpce_sleep_ms returns early once
   cancellation is requested. */
int64_t vpce_now_ms(void);
void vpce_sleep_ms(int64_t ms);

/* Process-wide cancellation (a SIGTERM, a second Ctrl-C): vpce_cancel_request() may be called
   from a signal handler. Every wait and retry loop of the library polls vpce_cancel_requested()
   and then ends promptly with VPCE_EINTERRUPTED instead of waiting on; no new request is sent.
   vpce_cancel_reset() clears the request (tests). */
void vpce_cancel_request(void);
bool vpce_cancel_requested(void);
void vpce_cancel_reset(void);

/* ---- directed acyclic graphs (util/graph.c) --------------------------------------------------
 * A general DAG with deterministic ordering: ties broken by name, cycles reported with every
 * member. It knows nothing of configurations or AWS; nodes are names with a borrowed data pointer.
 */
/* Reading a graph (find, deps, topo, dot) never modifies it: several threads may read at once. */
typedef struct vpce_graph vpce_graph;

vpce_graph *vpce_graph_new(void);
void vpce_graph_free(vpce_graph *g);
/* Adds a node (name copied) and returns its index; an existing name returns its index. */
size_t vpce_graph_add(vpce_graph *g, const char *name, void *data);
/* Looks up a node's index; returns false when absent. */
bool vpce_graph_find(const vpce_graph *g, const char *name, size_t *out);
/* from depends on to (to must be done before from). Duplicate edges are ignored. */
void vpce_graph_depend(vpce_graph *g, size_t from, size_t to);
size_t vpce_graph_count(const vpce_graph *g);
const char *vpce_graph_name(const vpce_graph *g, size_t i);
void *vpce_graph_data(const vpce_graph *g, size_t i);
/* The nodes i depends on, sorted by name: *out borrowed, valid until the graph changes. */
void vpce_graph_deps(const vpce_graph *g, size_t i, const size_t **out, size_t *n);
/*
 * A topological order, dependencies first, ties broken by name so the order never depends on
 * insertion order. *out (caller frees) holds every node index. On a cycle returns VPCE_EINVALID
 * and *cycles (new reference) is an array of cycles, each an array of member names in order.
 */
int vpce_graph_topo(const vpce_graph *g, size_t **out, json_t **cycles);
/* The graph in Graphviz DOT, nodes and edges sorted; caller frees. */
char *vpce_graph_dot(const vpce_graph *g);

/* ---- addresses (util/addr.c) ------------------------------------------------------------------
 * Object addresses as Terraform writes them: an optional module path of `module.NAME[KEY]`
 * steps, then an optional resource `[data.]TYPE.NAME[KEY]`: "aws_vpc.main", "aws_subnet.a[0]",
 * "data.aws_region.r", "module.net[\"x\"].aws_vpc.main", "module.net" (a module call or
 * instance). Every member is owned; release with vpce_addr_release().
 */
typedef struct vpce_addr_step {
    char *name;
    json_t *key; /* NULL (no key), an integer or a string */
} vpce_addr_step;

typedef struct vpce_addr {
    vpce_addr_step *module; /* the module path, outermost first */
    size_t nmodule;
    bool resource; /* false: the address names a module (or module instance) only */
    bool data;
    char *type, *name; /* NULL for a module address */
    json_t *key;       /* the resource instance key, or NULL */
} vpce_addr;

/* One part of an address as a traversal holds it: a name, or (name NULL) a key. */
typedef struct vpce_addr_part {
    const char *name;
    json_t *key;
} vpce_addr_part;

/* Parses text (keys as plans print them: [0], ["k"] with JSON escapes) into *out. Returns 0,
 * or VPCE_EINVALID with the reason in vpce_error_last(); *out is then empty. */
int vpce_addr_parse(vpce_addr *out, const char *text);
/* The same from the parts of a traversal; on failure *err is a static explanation. */
int vpce_addr_from_parts(vpce_addr *out, const vpce_addr_part *parts, size_t n, const char **err);
void vpce_addr_release(vpce_addr *a);
void vpce_addr_copy(vpce_addr *out, const vpce_addr *a);
/* The address rel (relative to a module) in the module instance of a's first depth module
 * steps: those steps, keys included, then rel's. */
void vpce_addr_join(vpce_addr *out, const vpce_addr *a, size_t depth, const vpce_addr *rel);
/* Appends an instance key as Terraform writes it: [0] or ["k"] (escaped); nothing for NULL. */
void vpce_addr_key_append(vpce_buf *b, const json_t *key);
/* The address as text: module keys and the instance key each included or left out. Caller
 * frees. vpce_addr_format includes both. */
char *vpce_addr_string(const vpce_addr *a, bool module_keys, bool instance_key);
char *vpce_addr_format(const vpce_addr *a);
/* The module path only ("module.a[\"x\"].module.b", "" for the root module). Caller frees. */
char *vpce_addr_module_string(const vpce_addr *a, bool keys);
/* Exactly the same address (keys included). */
bool vpce_addr_equal(const vpce_addr *a, const vpce_addr *b);
/* The same resource (module path with its keys, mode, type and name); instance keys ignored. */
bool vpce_addr_same_resource(const vpce_addr *a, const vpce_addr *b);
/* A resource address with an instance key. */
bool vpce_addr_is_instance(const vpce_addr *a);
/* True if target (as -target takes it) selects a: the same module path, where a step of target
 * without a key selects every key; then, if target names a resource, the same resource, and the
 * same instance when target has a key. A module target selects everything inside it. */
bool vpce_addr_contains(const vpce_addr *target, const vpce_addr *a);
/*
 * Where the resource instance inst goes under the move from -> to: a whole resource moves
 * every instance with its key kept, an instance (from has a key) only that instance (to's key
 * taken), a module call or instance every resource instance under it with the rest of its path
 * kept. Returns 1 with *out set (release it) when inst is under from, else 0.
 */
int vpce_addr_move(vpce_addr *out, const vpce_addr *from, const vpce_addr *to,
                   const vpce_addr *inst);
/* Whether what a move puts at `to` is (or contains) `from` of another move: they chain. */
bool vpce_addr_chains(const vpce_addr *to, const vpce_addr *from);
/* Text helpers on addresses, each returning a new string (an unparsable address is cut at its
 * first '['): every key removed ("module.a.aws_x.y"); the final instance key removed
 * ("module.a[0].aws_x.y"); the module instance path ("module.a[0]", "" in the root). */
char *vpce_addr_static(const char *address);
char *vpce_addr_resource_part(const char *address);
char *vpce_addr_module_of(const char *address);

#endif
