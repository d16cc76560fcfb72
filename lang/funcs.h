/*
 * lang/funcs.h (internal to lang/): what the built-in function families share. A call gets its
 * evaluated arguments in an fcall; the argument helpers convert argument i to the type a
 * function wants, and on failure append a diagnostic naming the function and the argument and
 * return NULL/false. Each family (lang/funcs_<family>.c) defines one table of its functions;
 * lang/funcs.c merges the tables and dispatches calls.
 */
#ifndef VPCE_LANG_FUNCS_H
#define VPCE_LANG_FUNCS_H

#include "lang/lang.h"

#include <stdbool.h>
#include <stddef.h>

/* Largest file file() and templatefile() read. */
#define FILE_MAX (16u * 1024 * 1024)
/* Most elements a function that multiplies its input (setproduct) may produce. */
#define FN_MAX_ELEMENTS 1000000

typedef struct fcall {
    const vpce_eval_ctx *ctx;
    const char *name;
    vpce_range range;
    json_t *const *a;
    size_t n;
    vpce_vec tmp; /* json_t references released after the call */
} fcall;

enum {
    F_DEEP = 1, /* arguments may contain unknowns deep inside; the function passes them through */
    F_NULL = 2, /* null arguments are passed to the function (it checks them itself) */
};

typedef struct fdef {
    const char *name;
    int min, max; /* max -1: variadic */
    int flags;
    json_t *(*fn)(fcall *c);
} fdef;

/* The families' tables, each ending with an entry whose name is NULL. */
extern const fdef vpce_fn_collections[];
extern const fdef vpce_fn_crypto[];
extern const fdef vpce_fn_encoding[];
extern const fdef vpce_fn_filesystem[];
extern const fdef vpce_fn_network[];
extern const fdef vpce_fn_numeric[];
extern const fdef vpce_fn_paths[];
extern const fdef vpce_fn_strings[];
extern const fdef vpce_fn_time[];
extern const fdef vpce_fn_yaml[];

/*
 * The element budget of the expression being evaluated (VPCE_LANG_MAX_ELEMENTS): fn_budget_take
 * takes n elements and is false once the budget is spent; fn_charge does the same for a function
 * and appends its error. The budget restarts with each top-level evaluation.
 */
bool fn_budget_take(size_t n);
void fn_budget_restart(void);
bool fn_charge(fcall *c, size_t n);
/* False, after "the result would be longer than ..." for the function, when b overflowed. */
bool fn_fits(fcall *c, const vpce_buf *b);
/* True while an expression is being evaluated (vpce_eval is on the stack). */
bool fn_in_eval(void);

/* Appends "invalid argument I to NAME: why" and returns NULL. */
json_t *fn_arg_err(fcall *c, size_t i, const char *why);
/* Appends "call to function NAME failed: ..." and returns NULL. */
json_t *fn_fail(fcall *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Keeps v (a new reference) until the call ends, and returns it borrowed. */
json_t *fn_keep(fcall *c, json_t *v);
bool fn_is_null(const json_t *v);
/* What a template evaluated to (r, stolen) as a string, as templatefile and templatestring give
 * it: a string or an unknown as it is, anything else converted; NULL with *why when it cannot
 * be (r NULL: NULL, *why untouched). */
json_t *fn_template_string(json_t *r, const char **why);
/* Argument i as a string (borrowed for the call), number, whole number, list or map; NULL or
 * false after an error. */
const char *fn_str(fcall *c, size_t i);
bool fn_num(fcall *c, size_t i, double *out);
/* Argument i as an exact number value (borrowed for the call); NULL after an error. */
json_t *fn_number(fcall *c, size_t i);
/* v, or NULL after "call to function NAME failed: why" when v is NULL. */
json_t *fn_number_result(fcall *c, json_t *v, const char *why);
bool fn_int(fcall *c, size_t i, long long *out);
const json_t *fn_list(fcall *c, size_t i);
const json_t *fn_map(fcall *c, size_t i);
/* A JSON string of len bytes, invalid UTF-8 replaced. New reference. */
json_t *fn_str_new(const char *s, size_t len);
/* Number of UTF-8 characters (invalid bytes count one each), and the byte offset of character
 * index ci. */
size_t fn_u8len(const char *s, size_t len);
size_t fn_u8off(const char *s, size_t len, size_t ci);
/* The element type a list/set/map of these values needs ("string"/"dynamic"), NULL if none. */
const char *fn_unify_elems(json_t *const *items, size_t n);
/* v (a tuple) converted to a list or set of one unified element type; NULL after an error. */
json_t *fn_unified_array(fcall *c, const json_t *v, bool as_set);

/* Base64 of len bytes as a new JSON string, or NULL past the string cap (lang/funcs_encoding.c). */
json_t *fn_base64_json(fcall *c, const unsigned char *d, size_t len);
/* Decodes base64 text into *out (caller frees; NUL-terminated) of *out_len bytes; VPCE_EINVALID
 * with the message set when s is not base64. */
int fn_base64_decode(const char *s, unsigned char **out, size_t *out_len);
/* Reads the file argument i names (relative to the configuration's directory) into *out (caller
 * frees) of *len bytes; on failure appends the function's error and returns -1
 * (lang/funcs_filesystem.c). */
int fn_read_file(fcall *c, size_t i, char **out, size_t *len);

#endif
