/*
 * check_main.c - the one test runner.  Every tests/check_*.c exports
 * `Suite *NAME_suite(void)`; the Makefile collects the names into suites.h,
 * so a new suite is a new file and nothing else.
 *
 * CK_RUN_SUITE=store runs one suite, CK_FORK=no runs in-process (for gdb).
 */
#include <check.h>
#include <stdlib.h>

#define SUITE(name) Suite *name##_suite(void);
#include "suites.h"
#undef SUITE

int main(void)
{
	SRunner *sr = srunner_create(NULL);
#define SUITE(name) srunner_add_suite(sr, name##_suite());
#include "suites.h"
#undef SUITE
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
