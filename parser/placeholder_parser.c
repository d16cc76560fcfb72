/* parser: placeholder so the library is never empty. */
typedef int vpce_parser_placeholder;
