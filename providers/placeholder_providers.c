/* providers: placeholder so the library is never empty. */
typedef int vpce_providers_placeholder;
