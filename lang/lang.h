/*
 * lang: the expression language. Values and types, the evaluator, the built-in functions (one
 * file per family, lang/funcs_*.c) and type constraints and conversion.
 *
 * Owns nothing but values: it may call parser/ (syntax trees, and templatefile() parses its
 * template) and util/; it knows nothing of resources, providers, state or plans. What an
 * expression may refer to comes in as one scope object.
 *
 * An expression is evaluated against a scope: one JSON object whose keys are the root names an
 * expression may use ("var", "local", "each", "count", "path", "data", and each resource type
 * such as "aws_vpc" mapping resource names to their values: an object for a single instance, a
 * tuple for count, an object keyed by instance key for for_each). A value not known until apply
 * is vpce_unknown(); unknowns propagate through every operator and function (a function result
 * is unknown when any argument contains an unknown, except where the function does not look at
 * it, e.g. length of a tuple of unknowns).
 */
#ifndef VPCE_LANG_H
#define VPCE_LANG_H

#include "parser/parser.h"
#include "util/util.h"

/*
 * Limits of evaluation, so that no input can make vpce allocate without bound (README, Limits):
 * the longest string an expression or function builds, and the most collection elements that
 * for expressions and collection-building functions may create while one top-level expression
 * is evaluated. Past them the evaluation fails with an error naming the expression.
 */
#define VPCE_LANG_MAX_STRING   (16u * 1024 * 1024)
#define VPCE_LANG_MAX_ELEMENTS 1000000

/* One step of a reference after its root: `.name` (index false), or an index: `[key]` with
   name the key when it is a literal string (NULL otherwise), `[*]` of a splat (name NULL). */
typedef struct vpce_ref_step {
    const char *name;
    bool index;
} vpce_ref_step;

/* How much of a referenced value is sensitive. */
typedef enum {
    VPCE_SENS_NONE = 0,  /* nothing */
    VPCE_SENS_WHOLE = 1, /* the value as a whole (a sensitive variable, a sensitive attribute) */
    VPCE_SENS_PART = 2,  /* some parts inside it (a resource object with a sensitive attribute) */
} vpce_sensitivity;

/* Whether a reference (root, steps) names a sensitive value; see vpce_expr_sensitive(). */
typedef vpce_sensitivity (*vpce_sens_pred)(const char *root, const vpce_ref_step *steps,
                                           size_t nsteps, void *ud);

typedef struct vpce_eval_ctx {
    json_t *scope;        /* borrowed */
    const char *base_dir; /* for file() and templatefile(); relative paths resolve here */
    vpce_diags *diags;    /* errors are appended here with the expression's range */
    /* Which references are sensitive, for issensitive(); NULL: only sensitive() calls are. */
    vpce_sens_pred sensitive;
    void *sensitive_ud;
} vpce_eval_ctx;

/*
 * Evaluates e in ctx. Returns a new reference, or NULL after appending an error diagnostic
 * (wrong operand types, unknown function, wrong argument count or types, missing attribute,
 * index out of range...).
 */
json_t *vpce_eval(const vpce_eval_ctx *ctx, const vpce_ast_expr *e);

/* Names of every built-in function, NULL-terminated (for "did you mean" and docs). */
const char *const *vpce_eval_function_names(void);

/*
 * Types. A type is a JSON value in the shape Terraform uses in its JSON plans:
 * "string", "number", "bool", "dynamic" (any), ["list", T], ["set", T], ["map", T],
 * ["tuple", [T...]], ["object", {"attr": T, ...}].
 */
/* Parses a type constraint expression (string, list(string), object({a=string}), any...). */
json_t *vpce_type_from_expr(const vpce_ast_expr *e, vpce_diags *diags);
/* Parses a type constraint written as text ("list(string)"), as provider schemas do. */
json_t *vpce_type_parse(const char *text);
/*
 * Converts v to type t as Terraform does ("5" -> 5 for number, 5 -> "5" for string, true ->
 * "true", tuple -> list/set (sets deduplicated and sorted), object -> map). Returns a new
 * reference, or NULL with *why set to a static explanation ("a number is required").
 * Unknowns convert to unknown. null converts to null.
 */
json_t *vpce_convert(const json_t *v, const json_t *t, const char **why);
/* "string", "list of string", "object" ... for messages; caller frees. */
char *vpce_type_name(const json_t *t);
/* The friendly type name of a value ("string", "number", "bool", "tuple", "object", "null"). */
const char *vpce_value_type_name(const json_t *v);

/*
 * Calls every root traversal in e: visit(root, attr, range, ud) with root the first name ("var",
 * "aws_vpc", "each"...) and attr the next static name ("main" in aws_vpc.main.id, "x" in
 * var.x; NULL if none); range covers the traversal. Used for references and the graph.
 */
void vpce_expr_walk_refs(const vpce_ast_expr *e,
                         void (*visit)(const char *root, const char *attr, const char *attr2,
                                       vpce_range range, void *ud),
                         void *ud);

/*
 * Whether the value of e may be sensitive, as Terraform's marks would make it: e calls
 * sensitive(), or holds a reference for which ref_sensitive(root, steps, nsteps, ud) is not
 * VPCE_SENS_NONE (steps borrowed for the call, nearest the root first), outside any
 * nonsensitive() call. Names bound by for expressions are not references of their own: a for
 * expression over a collection sensitive as a whole is sensitive; over one with sensitive parts
 * (every instance of a resource), its variables stand for the elements, so `v.id` in
 * `[for v in aws_x.y : v.id]` is judged as aws_x.y[*].id. Conservative otherwise: a sensitive
 * reference anywhere in e counts, even where the result does not depend on its value.
 */
bool vpce_expr_sensitive(const vpce_ast_expr *e,
                         vpce_sensitivity (*ref_sensitive)(const char *root,
                                                           const vpce_ref_step *steps,
                                                           size_t nsteps, void *ud),
                         void *ud);

/* ---- helpers shared by the evaluator, the functions and the conversions ------------------- */

/*
 * Calls the built-in function `name` with already evaluated arguments (borrowed). Errors are
 * appended to ctx->diags at `range`. Returns a new reference or NULL. try() and can() are not
 * callable this way (they need unevaluated arguments; vpce_eval handles them).
 */
json_t *vpce_eval_call(const vpce_eval_ctx *ctx, const char *name, json_t *const *args,
                       size_t nargs, vpce_range range);
/* True if name is a built-in function. */
bool vpce_eval_has_function(const char *name);

/*
 * The string form of a primitive value as Terraform converts it: strings as they are, numbers
 * without exponent and without ".0" for integers, bools "true"/"false". Returns a new heap
 * string, or NULL with *why set when v is null, a tuple or an object.
 */
char *vpce_value_to_string(const json_t *v, const char **why);
/*
 * Numbers (lang/number.c) are exact decimals of up to VPCE_NUMBER_DIGITS significant digits
 * (rounded half to even beyond, more than Terraform's 512-bit binary floats carry), with
 * magnitudes below 10^VPCE_NUMBER_MAX_EXP and, when not zero, at least 10^-VPCE_NUMBER_MAX_EXP;
 * past that range a result is the error "number out of range". A number value takes the first
 * form that holds it exactly: a JSON integer (int64), a JSON real (when the double's shortest
 * decimal form is the number itself), else a big number (util/util.h, VPCE_NUMBER_KEY).
 * Functions returning json_t* return a new reference, or NULL with *why set to a static message
 * ("number out of range", "division by zero", "a number is required").
 */
#define VPCE_NUMBER_DIGITS  160
#define VPCE_NUMBER_MAX_EXP 1000
/* Parses decimal text ([-]digits[.digits][e[-]digits]) to a number value. */
json_t *vpce_number_from_text(const char *s, const char **why);
/* The canonical form of a number value (or of a string holding a number). */
json_t *vpce_number_canonical(const json_t *v, const char **why);
/* True if v is a number or a string that reads as one. */
bool vpce_number_is_numeric(const json_t *v);
/* a OP b for VPCE_OP_ADD, _SUB, _MUL, _DIV, _MOD (operands numbers or numeric strings). */
json_t *vpce_number_arith(vpce_op op, const json_t *a, const json_t *b, const char **why);
/* fn: '-' negation, 'a' absolute value, 's' sign (-1, 0, 1), 'f' floor, 'c' ceiling. */
json_t *vpce_number_unary(char fn, const json_t *a, const char **why);
/* a to the power b: exact for whole b, in binary floating point otherwise (as Terraform). */
json_t *vpce_number_pow(const json_t *a, const json_t *b, const char **why);
/* Parses an integer in base 2..36 (letters either case). */
json_t *vpce_number_parse_int(const char *s, int base, const char **why);
/*
 * A count (count, an index): 0 with *out set when v is a whole number from 0 to max, -1 when it
 * is not a whole number of 0 or more (or not a number), -2 when it is whole but above max.
 */
int vpce_number_count(const json_t *v, int64_t max, int64_t *out);
/* Compares two numbers exactly across representations: -1, 0, 1. */
int vpce_number_cmp(const json_t *a, const json_t *b);
/* The exact digits of a number value, without exponent; caller frees. NULL if not a number. */
char *vpce_number_text(const json_t *v);
/* Renders a number as Terraform does (shortest round-trip digits, no exponent); caller frees. */
char *vpce_number_format(double x);
/* Parses a whole string as a number (Terraform syntax); false if it is not one. */
bool vpce_number_parse(const char *s, double *out);
/* A total order on values (null < bool < number < string < tuple < object), for sets and sort. */
int vpce_value_compare(const json_t *a, const json_t *b);
/*
 * A set from an array: known elements deduplicated and sorted, unknown elements kept (at the
 * end). Steals nothing; returns a new array.
 */
json_t *vpce_set_from_array(const json_t *arr);
/* The keys of object o sorted bytewise (borrowed strings); caller frees the array. */
const char **vpce_sorted_keys(const json_t *o, size_t *n);
/* JSON text of v as Terraform's jsonencode writes it (compact, keys sorted); caller frees.
 * NULL if v contains an unknown or the text would be longer than VPCE_LANG_MAX_STRING. */
char *vpce_json_encode(const json_t *v);

#endif
