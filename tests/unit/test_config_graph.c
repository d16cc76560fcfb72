/* Unit tests for util/graph.c: deterministic topological order, cycles, DOT; and SHA-256. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"

static char *order_string(vpce_graph *g, const size_t *order)
{
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    for (size_t i = 0; i < vpce_graph_count(g); i++)
        vpce_buf_printf(&b, "%s%s", i ? " " : "", vpce_graph_name(g, order[i]));
    return vpce_buf_detach(&b);
}

static void graph_topo_ties_broken_by_name(void **state)
{
    (void)state;
    /* Same graph inserted in two different orders gives the same order. */
    const char *names1[] = {"d", "c", "b", "a", "e"};
    const char *names2[] = {"a", "e", "b", "c", "d"};
    const char *const *sets[] = {names1, names2};
    for (int s = 0; s < 2; s++) {
        vpce_graph *g = vpce_graph_new();
        for (int i = 0; i < 5; i++)
            vpce_graph_add(g, sets[s][i], NULL);
        size_t a, b, c, d, e;
        assert_true(vpce_graph_find(g, "a", &a));
        assert_true(vpce_graph_find(g, "b", &b));
        assert_true(vpce_graph_find(g, "c", &c));
        assert_true(vpce_graph_find(g, "d", &d));
        assert_true(vpce_graph_find(g, "e", &e));
        vpce_graph_depend(g, a, d); /* a after d */
        vpce_graph_depend(g, a, d); /* duplicate ignored */
        vpce_graph_depend(g, b, e);
        vpce_graph_depend(g, c, a);
        size_t *order = NULL;
        json_t *cycles = NULL;
        assert_int_equal(vpce_graph_topo(g, &order, &cycles), 0);
        assert_null(cycles);
        char *str = order_string(g, order);
        assert_string_equal(str, "d a c e b");
        free(str);
        free(order);
        const size_t *deps;
        size_t n;
        vpce_graph_deps(g, a, &deps, &n);
        assert_int_equal(n, 1);
        char *dot = vpce_graph_dot(g);
        assert_non_null(strstr(dot, "\"a\" -> \"d\"\n"));
        free(dot);
        vpce_graph_free(g);
    }
}

static void graph_cycles_name_every_member(void **state)
{
    (void)state;
    vpce_graph *g = vpce_graph_new();
    size_t x = vpce_graph_add(g, "x", NULL), y = vpce_graph_add(g, "y", NULL);
    size_t z = vpce_graph_add(g, "z", NULL), w = vpce_graph_add(g, "w", NULL);
    size_t s = vpce_graph_add(g, "self", NULL), ok = vpce_graph_add(g, "ok", NULL);
    assert_int_equal(vpce_graph_add(g, "x", NULL), x);
    vpce_graph_depend(g, x, y);
    vpce_graph_depend(g, y, z);
    vpce_graph_depend(g, z, x);
    vpce_graph_depend(g, w, x); /* depends on the cycle but is not part of it */
    vpce_graph_depend(g, s, s);
    vpce_graph_depend(g, x, ok);
    size_t *order = NULL;
    json_t *cycles = NULL;
    assert_int_equal(vpce_graph_topo(g, &order, &cycles), VPCE_EINVALID);
    char *txt = json_dumps(cycles, JSON_COMPACT);
    assert_string_equal(txt, "[[\"self\"],[\"x\",\"y\",\"z\"]]");
    free(txt);
    assert_string_equal(vpce_graph_name(g, order[0]), "ok");
    json_decref(cycles);
    free(order);
    vpce_graph_free(g);
}

static void graph_large_chain_is_fast_and_ordered(void **state)
{
    (void)state;
    vpce_graph *g = vpce_graph_new();
    char name[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(name, sizeof(name), "n%05d", i);
        size_t k = vpce_graph_add(g, name, NULL);
        if (i)
            vpce_graph_depend(g, k, k - 1);
    }
    size_t *order = NULL;
    assert_int_equal(vpce_graph_topo(g, &order, NULL), 0);
    assert_string_equal(vpce_graph_name(g, order[19999]), "n19999");
    free(order);
    vpce_graph_free(g);
}

static void sha256_known_vectors(void **state)
{
    (void)state;
    char hex[65];
    vpce_sha256_ctx c;
    vpce_sha256_init(&c);
    vpce_sha256_final(&c, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    vpce_sha256_init(&c);
    vpce_sha256_update(&c, "abc", 3);
    vpce_sha256_final(&c, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    vpce_sha256_init(&c);
    for (size_t i = 0; i < strlen(m); i++) /* byte by byte crosses block boundaries */
        vpce_sha256_update(&c, m + i, 1);
    vpce_sha256_final(&c, hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(graph_topo_ties_broken_by_name),
        cmocka_unit_test(graph_cycles_name_every_member),
        cmocka_unit_test(graph_large_chain_is_fast_and_ordered),
        cmocka_unit_test(sha256_known_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
