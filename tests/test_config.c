/* Check suite of the config module (include/ccmem/config.h, src/config.c). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccmem.h>

#include "support.h"

START_TEST(backend_names_round_trip)
{
	for (int b = 0; b < CC_BACKEND_COUNT; b++) {
		const char *name = cc_backend_name((cc_backend_t)b);
		ck_assert_ptr_nonnull(name);
		cc_backend_t parsed;
		ck_assert_int_eq(cc_backend_parse(name, &parsed), 0);
		ck_assert_int_eq(parsed, b);
	}
	ck_assert_str_eq(cc_backend_name(CC_BACKEND_MIMALLOC), "mimalloc");
	ck_assert_str_eq(cc_backend_name(CC_BACKEND_SYSTEM), "system");
	ck_assert_str_eq(cc_backend_name(CC_BACKEND_FAULT), "fault");
}
END_TEST

START_TEST(bad_backend_values)
{
	cc_backend_t out = CC_BACKEND_SYSTEM;
	errno = 0;
	ck_assert_ptr_null(cc_backend_name((cc_backend_t)CC_BACKEND_COUNT));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(cc_backend_parse("jemalloc", &out), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(out, CC_BACKEND_SYSTEM); /* untouched */
	errno = 0;
	ck_assert_int_eq(cc_backend_parse("MIMALLOC", &out), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(cc_backend_parse(NULL, &out), -1);
	ck_assert_int_eq(errno, EINVAL);
	cc_backend_t before = cc_config_backend();
	errno = 0;
	ck_assert_int_eq(cc_config_set_backend((cc_backend_t)7), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(cc_config_backend(), before);
}
END_TEST

START_TEST(set_backend_each)
{
	for (int b = 0; b < CC_BACKEND_COUNT; b++) {
		ck_assert_int_eq(cc_config_set_backend((cc_backend_t)b), 0);
		ck_assert_int_eq(cc_config_backend(), b);
	}
}
END_TEST

START_TEST(fault_random_rejects_bad_p)
{
	double bad[] = {-0.01, 1.0000001, NAN, INFINITY};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		errno = 0;
		ck_assert_int_eq(cc_config_fault_random(bad[i], 1), -1);
		ck_assert_int_eq(errno, EINVAL);
	}
	ck_assert_int_eq(cc_config_fault_random(0.0, 1), 0);
	ck_assert_int_eq(cc_config_fault_random(1.0, 1), 0);
}
END_TEST

START_TEST(debug_fill_switch)
{
	ck_assert(cc_config_debug_fill() == (CC_DEBUG_FILL_DEFAULT != 0));
	cc_config_set_debug_fill(true);
	ck_assert(cc_config_debug_fill());
	cc_config_set_debug_fill(false);
	ck_assert(!cc_config_debug_fill());
}
END_TEST

/* ---- environment, through a fresh process ---------------------------------- */

static int probe(const char *name)
{
	if (strcmp(name, "backend") == 0) {
		printf("backend=%s\n", cc_backend_name(cc_config_backend()));
		return 0;
	}
	if (strcmp(name, "stats") == 0) {
		printf("stats=%d\n", cc_alloc_stats_enabled());
		return 0;
	}
	if (strcmp(name, "fault3") == 0) {
		/* the third allocation fails, the others succeed */
		int pattern = 0;
		for (int i = 0; i < 5; i++) {
			void *p = cc_alloc(8);
			pattern = pattern * 10 + (p != NULL);
			cc_free(p, 8);
		}
		printf("pattern=%05d\n", pattern);
		return 0;
	}
	return 99;
}

START_TEST(env_unknown_backend_falls_back)
{
	char out[4096];
	char *env[] = {"CCMEM_BACKEND=tcmalloc", NULL};
	ck_assert_int_eq(cct_run_probe("backend", env, out, sizeof out), 0);
	ck_assert_msg(strstr(out, "unknown CCMEM_BACKEND 'tcmalloc'") != NULL, "got: %s", out);
	ck_assert_msg(strstr(out, "valid: mimalloc, system, fault") != NULL, "got: %s", out);
	const char *def = CCT_SANITIZED ? "backend=system" : "backend=mimalloc";
	ck_assert_msg(strstr(out, def) != NULL, "got: %s", out);
	/* exactly one message */
	ck_assert_ptr_null(strstr(strstr(out, "unknown") + 1, "unknown"));
}
END_TEST

START_TEST(env_selects_backend)
{
	char out[4096];
	char *env1[] = {"CCMEM_BACKEND=system", NULL};
	ck_assert_int_eq(cct_run_probe("backend", env1, out, sizeof out), 0);
	ck_assert_str_eq(out, "backend=system\n");
	char *env2[] = {"CCMEM_BACKEND=mimalloc", NULL};
	ck_assert_int_eq(cct_run_probe("backend", env2, out, sizeof out), 0);
	ck_assert_str_eq(out, "backend=mimalloc\n");
}
END_TEST

START_TEST(env_stats_flag)
{
	char out[4096];
	char *env1[] = {"CCMEM_ALLOC_STATS=1", NULL};
	ck_assert_int_eq(cct_run_probe("stats", env1, out, sizeof out), 0);
	ck_assert_str_eq(out, CC_ALLOC_STATS ? "stats=1\n" : "stats=0\n");
	char *env2[] = {"CCMEM_ALLOC_STATS=maybe", NULL};
	ck_assert_int_eq(cct_run_probe("stats", env2, out, sizeof out), 0);
	ck_assert_msg(strstr(out, "CCMEM_ALLOC_STATS=maybe is not a flag") != NULL, "got: %s", out);
	ck_assert_msg(strstr(out, "stats=0") != NULL, "got: %s", out);
}
END_TEST

START_TEST(env_fault_nth)
{
	char out[4096];
	char *env[] = {"CCMEM_BACKEND=fault", "CCMEM_FAULT=nth:3", NULL};
	ck_assert_int_eq(cct_run_probe("fault3", env, out, sizeof out), 0);
	ck_assert_str_eq(out, "pattern=11011\n");
	char *bad[] = {"CCMEM_BACKEND=fault", "CCMEM_FAULT=nth:x", NULL};
	ck_assert_int_eq(cct_run_probe("fault3", bad, out, sizeof out), 0);
	ck_assert_msg(strstr(out, "CCMEM_FAULT=nth:x is not valid") != NULL, "got: %s", out);
	ck_assert_msg(strstr(out, "pattern=11111") != NULL, "got: %s", out);
	char *badp[] = {"CCMEM_BACKEND=fault", "CCMEM_FAULT=p:2", NULL};
	ck_assert_int_eq(cct_run_probe("fault3", badp, out, sizeof out), 0);
	ck_assert_msg(strstr(out, "is not valid") != NULL, "got: %s", out);
	char *all[] = {"CCMEM_BACKEND=fault", "CCMEM_FAULT=p:1,seed:9", NULL};
	ck_assert_int_eq(cct_run_probe("fault3", all, out, sizeof out), 0);
	ck_assert_str_eq(out, "pattern=00000\n");
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("api");
	tcase_add_test(tc, backend_names_round_trip);
	tcase_add_test(tc, bad_backend_values);
	tcase_add_test(tc, set_backend_each);
	tcase_add_test(tc, fault_random_rejects_bad_p);
	tcase_add_test(tc, debug_fill_switch);
	suite_add_tcase(s, tc);
	TCase *env = tcase_create("environment");
	tcase_add_test(env, env_unknown_backend_falls_back);
	tcase_add_test(env, env_selects_backend);
	tcase_add_test(env, env_stats_flag);
	tcase_add_test(env, env_fault_nth);
	suite_add_tcase(s, env);
	return s;
}

int main(int argc, char **argv)
{
	return cct_main(argc, argv, config_suite, probe);
}
