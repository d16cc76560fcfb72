/* Keeps the test support library non-empty before any helper exists. */
typedef int vpce_test_support_empty;
