/* planner: placeholder so the library is never empty. */
typedef int vpce_planner_placeholder;
