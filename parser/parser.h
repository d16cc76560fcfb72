/*
 * parser: reads .vpce files (HCL native syntax) into the syntax tree of parser/ast.h, reports
 * syntax errors as diagnostics with source ranges, and formats files canonically (vpce fmt).
 * It knows nothing of schemas, state or providers.
 */
#ifndef VPCE_PARSER_H
#define VPCE_PARSER_H

#include "parser/ast.h"
#include "util/util.h"

/* Largest file the parser accepts. */
#define VPCE_PARSE_MAX_FILE (64u * 1024 * 1024)

/* A parsed file: its source, its body, and the arena every node lives in. */
typedef struct vpce_file {
    vpce_source *src;
    vpce_ast_body *body;
    vpce_arena *arena;
    vpce_vec literals; /* json_t references owned by the file */
} vpce_file;

/*
 * Parses `len` bytes of `text` named `name` (the name appears in diagnostics). Syntax errors are
 * appended to diags, several per run thanks to error recovery. *out is always set to a file the
 * caller frees with vpce_file_free(), holding what could be parsed. Returns 0, or VPCE_EINVALID
 * when any error was reported.
 */
int vpce_parse(vpce_file **out, const char *name, const char *text, size_t len, vpce_diags *diags);

/* Reads and parses the file at path. On a read error, *out is NULL and a diagnostic says why. */
int vpce_parse_file(vpce_file **out, const char *path, vpce_diags *diags);

/* Parses one expression (a -var value, a console input). Same ownership as vpce_parse(). */
int vpce_parse_expr(vpce_file **out, vpce_ast_expr **expr, const char *name, const char *text,
                    size_t len, vpce_diags *diags);

/*
 * Parses a whole text as a template, as templatefile() reads its file: literal text with `${ }`
 * interpolations and `%{ }` directives, like a heredoc's body but ended by the end of the text.
 * Diagnostics point into this text (`name:line:col`). Same ownership as vpce_parse().
 */
int vpce_parse_template(vpce_file **out, vpce_ast_expr **expr, const char *name, const char *text,
                        size_t len, vpce_diags *diags);

void vpce_file_free(vpce_file *f);

/*
 * Formats text canonically, as terraform fmt does: two-space indentation, `=` aligned across
 * consecutive single-line attributes, one space around binary operators, comments kept. The
 * result (*out, caller frees) is a fixed point: formatting it again changes nothing. Returns
 * VPCE_EINVALID with diagnostics when the text has syntax errors (nothing is formatted then).
 */
int vpce_fmt(char **out, const char *name, const char *text, size_t len, vpce_diags *diags);

/*
 * Formats an already parsed file (as vpce_fmt does). Use it when syntax errors must be printed
 * with their source lines: vpce_fmt() frees its parse before returning, so the diagnostics it
 * adds carry no source range (their detail says where instead), while here the caller keeps f
 * (and so the source the diagnostics point into) alive. f must have parsed without errors.
 */
int vpce_fmt_file(char **out, const vpce_file *f, vpce_diags *diags);

#endif
