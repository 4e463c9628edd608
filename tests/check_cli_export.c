/*
 * check_cli_export.c - `snapscope export`, run as the real built binary
 * against a real temporary store: a session exported with -o parses back
 * with its states, --id and --tag select, the message on stderr counts
 * what was written, an existing file is refused without --force (exit 1,
 * file untouched) and replaced with it, and usage errors (no -o, a format
 * other than json, --id mixed with filters) exit 2 without writing.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"

static char *store;

static void setup(void)
{
	tu_tmpdir();
	store = strdup(tu_path("s.db"));
}

static void teardown(void)
{
	free(store);
	store = NULL;
	tu_cleanup();
}

#define RUN(input, ...) tu_cli((input), "--store", store, __VA_ARGS__, (const char *)NULL)

static void assert_status(const tu_run *r, int want, const char *what)
{
	ck_assert_msg(r->status == want, "%s: exit %d, want %d\nstdout: %s\nstderr: %s", what,
	              r->status, want, r->out, r->err);
}

static void capture(const char *session, const char *json, const char *tag)
{
	tu_run r = tag ? RUN(json, "capture", session, "--tag", tag) : RUN(json, "capture", session);
	assert_status(&r, 0, "capture");
	tu_run_free(&r);
}

/* The ids of an export file, as a comma-separated string. */
static void export_ids(const char *path, char *buf, size_t size)
{
	json_error_t e;
	json_t *doc = json_load_file(path, 0, &e);
	ck_assert_msg(doc != NULL, "%s is not JSON: %s", path, e.text);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "format")), "snapscope-export");
	buf[0] = '\0';
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(doc, "snapshots"), i, s) {
		size_t n = strlen(buf);
		snprintf(buf + n, size - n, "%s%lld", i ? "," : "",
		         (long long)json_integer_value(json_object_get(s, "id")));
	}
	json_decref(doc);
}

START_TEST(test_export_session_ids_and_tag)
{
	capture("api", "{\"v\":1}", "deploy");
	capture("api", "{\"v\":2}", NULL);
	capture("web", "{\"w\":1}", "deploy");
	const char *out = tu_path("out.json");
	char ids[256];

	tu_run r = RUN(NULL, "export", "api", "-o", out);
	assert_status(&r, 0, "export api");
	ck_assert_msg(strstr(r.err, "exported 2 snapshots to ") != NULL, "stderr: %s", r.err);
	ck_assert_str_eq(r.out, "");
	tu_run_free(&r);
	export_ids(out, ids, sizeof ids);
	ck_assert_str_eq(ids, "1,2");
	struct stat sb;
	ck_assert_int_eq(stat(out, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);

	/* Exists: refused without --force, the file untouched. */
	r = RUN(NULL, "export", "--id", "3", "-o", out);
	assert_status(&r, 1, "export over an existing file");
	ck_assert_msg(strstr(r.err, "already exists") && strstr(r.err, "--force"), "stderr: %s",
	              r.err);
	tu_run_free(&r);
	export_ids(out, ids, sizeof ids);
	ck_assert_str_eq(ids, "1,2");

	r = RUN(NULL, "export", "--id", "3", "--id", "1", "--force", "--output", out);
	assert_status(&r, 0, "export --id --force");
	tu_run_free(&r);
	export_ids(out, ids, sizeof ids);
	ck_assert_str_eq(ids, "3,1");

	/* -oFILE, --tag over every session, --format json. */
	char opt[4200];
	snprintf(opt, sizeof opt, "-o%s", tu_path("tag.json"));
	r = RUN(NULL, "export", "--tag", "deploy", "--format", "json", opt);
	assert_status(&r, 0, "export --tag");
	tu_run_free(&r);
	export_ids(tu_path("tag.json"), ids, sizeof ids);
	ck_assert_str_eq(ids, "1,3");
}
END_TEST

START_TEST(test_export_usage_errors)
{
	capture("api", "{\"v\":1}", NULL);
	const char *out = tu_path("never.json");
	static const char *const cases[][6] = {
		{ "export", "api", NULL },
		{ "export", "api", "--format", "yaml", "-o", NULL },
		{ "export", "api", "--id", "1", "-o", NULL },
		{ "export", "--id", "zero", "-o", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *argv[10];
		size_t n = 0;
		argv[n++] = "--store";
		argv[n++] = store;
		for (size_t k = 0; cases[i][k]; k++)
			argv[n++] = cases[i][k];
		if (strcmp(argv[n - 1], "-o") == 0)
			argv[n++] = out;
		argv[n] = NULL;
		tu_run r = tu_exec(NULL, 0, argv);
		ck_assert_msg(r.status == 2, "case %zu: exit %d\nstderr: %s", i, r.status, r.err);
		tu_run_free(&r);
		ck_assert_int_eq(access(out, F_OK), -1);
	}
	tu_run r = RUN(NULL, "export", "--format", "yaml", "-o", out);
	ck_assert_msg(strstr(r.err, "--format takes json or binary") != NULL, "stderr: %s", r.err);
	tu_run_free(&r);

	/* A missing session or directory: exit 1, the message names it. */
	r = RUN(NULL, "export", "nosuch", "-o", out);
	assert_status(&r, 1, "export of a missing session");
	ck_assert_msg(strstr(r.err, "nosuch") != NULL, "stderr: %s", r.err);
	tu_run_free(&r);
	r = RUN(NULL, "export", "api", "-o", tu_path("nodir/x.json"));
	assert_status(&r, 1, "export into a missing directory");
	ck_assert_msg(strstr(r.err, "does not exist") != NULL, "stderr: %s", r.err);
	tu_run_free(&r);

	r = RUN(NULL, "export", "--help");
	assert_status(&r, 0, "export --help");
	ck_assert_msg(strstr(r.out, "--format json") && strstr(r.out, "binary"),
	              "help: %s", r.out);
	tu_run_free(&r);
}
END_TEST

Suite *cli_export_suite(void); /* for check_main.c */

Suite *cli_export_suite(void)
{
	Suite *s = suite_create("cli_export");
	TCase *tc = tcase_create("export");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_export_session_ids_and_tag);
	tcase_add_test(tc, test_export_usage_errors);
	suite_add_tcase(s, tc);
	return s;
}
