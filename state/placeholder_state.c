/* state: placeholder so the library is never empty. */
typedef int vpce_state_placeholder;
