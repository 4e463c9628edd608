/*
 * check_source.c - the capture sources of ss_source.h with real child
 * processes and real files: JSON from a command (argv and shell forms, large
 * output on both pipes at once), every way a command fails and the reason
 * it gives (exit status with its standard error, signal, timeout, output
 * cap, not JSON, no output, missing program), that a timeout kills the whole
 * process group, that no zombie and no descriptor is left behind, that the
 * child gets default signals and none of our descriptors; and a file polled
 * through every state of a writer's work (unchanged, rewritten in place,
 * replaced by rename, half-written, stably broken, missing, over the limit).
 *
 * Check forks each test, so a test process has no other children: waitpid(-1)
 * finding none proves the polls reaped theirs.  Times are only bounded from
 * above, generously, for a loaded machine.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "snapscope.h"
#include "ss_source.h"
#include "testutil.h"

static char reason[1024];
static char err[1024];

static void setup(void)
{
	tu_tmpdir();
	reason[0] = err[0] = '\0';
}

static void teardown(void)
{
	tu_cleanup();
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A command source from a NULL-terminated argument list. */
static ss_source *cmd(int64_t timeout_ms, size_t max_bytes, ...)
{
	const char *argv[16];
	size_t argc = 0;
	va_list ap;
	va_start(ap, max_bytes);
	for (const char *a; (a = va_arg(ap, const char *)) != NULL;) {
		ck_assert(argc < 16);
		argv[argc++] = a;
	}
	va_end(ap);
	ss_source *src = NULL;
	ss_status st = ss_source_command(argv, argc, false, timeout_ms, max_bytes, &src,
	                                 err, sizeof err);
	ck_assert_msg(st == SS_OK, "ss_source_command: %s", err);
	return src;
}

static ss_source *sh(const char *line, int64_t timeout_ms, size_t max_bytes)
{
	ss_source *src = NULL;
	ss_status st = ss_source_command(&line, 1, true, timeout_ms, max_bytes, &src,
	                                 err, sizeof err);
	ck_assert_msg(st == SS_OK, "ss_source_command: %s", err);
	return src;
}

static ss_source *file(const char *path, size_t max_bytes)
{
	ss_source *src = NULL;
	ss_status st = ss_source_file(path, max_bytes, &src, err, sizeof err);
	ck_assert_msg(st == SS_OK, "ss_source_file: %s", err);
	return src;
}

static ss_status poll_once(ss_source *src, json_t **state)
{
	strcpy(reason, "(untouched)");
	return ss_source_capture(src, state, reason, sizeof reason);
}

/* One poll that must give exactly `expected` (JSON text). */
static void expect_state(ss_source *src, const char *expected)
{
	json_t *got = NULL;
	ss_status st = poll_once(src, &got);
	ck_assert_msg(st == SS_OK, "%s: status %d: %s", ss_source_describe(src), st, reason);
	ck_assert_msg(got != NULL, "%s: no state", ss_source_describe(src));
	ck_assert_str_eq(reason, "");
	json_error_t jerr;
	json_t *want = json_loads(expected, JSON_DECODE_ANY, &jerr);
	ck_assert_msg(want != NULL, "bad expected JSON: %s", expected);
	char *text = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	ck_assert_msg(json_equal(got, want), "got %s, want %s", text, expected);
	free(text);
	json_decref(want);
	json_decref(got);
}

/* One poll that must give nothing, without an error. */
static void expect_nothing(ss_source *src)
{
	json_t *got = NULL;
	ss_status st = poll_once(src, &got);
	ck_assert_msg(st == SS_OK, "%s: status %d: %s", ss_source_describe(src), st, reason);
	ck_assert_msg(got == NULL, "%s: unexpected state", ss_source_describe(src));
	ck_assert_str_eq(reason, "");
}

/* One poll that must fail with status `want` (or any failure for SS_OK);
 * the reason stays in `reason`. */
static void expect_error(ss_source *src, ss_status want)
{
	json_t *got = NULL;
	ss_status st = poll_once(src, &got);
	ck_assert_msg(st != SS_OK, "%s: succeeded", ss_source_describe(src));
	ck_assert_msg(want == SS_OK || st == want, "%s: status %d, want %d (%s)",
	              ss_source_describe(src), st, want, reason);
	ck_assert_msg(got == NULL, "a state with an error");
	ck_assert_msg(reason[0] != '\0' && strcmp(reason, "(untouched)") != 0, "no reason");
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	ck_assert(d != NULL);
	int n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void assert_no_children(void)
{
	errno = 0;
	pid_t p = waitpid(-1, NULL, WNOHANG);
	ck_assert_msg(p == -1 && errno == ECHILD, "a child is left: waitpid gave %d (%s)",
	              (int)p, strerror(errno));
}

/* True when pid no longer runs (gone, or a zombie waiting for whoever
 * inherited it). */
static bool process_dead(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return true;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');     /* the name may hold spaces */
	return !p || p[1] == '\0' || p[2] == 'Z' || p[2] == 'X';
}

/* Wait up to 5 s for a process to die. */
static bool dies(pid_t pid)
{
	for (int i = 0; i < 500; i++) {
		if (process_dead(pid))
			return true;
		struct timespec ts = { 0, 10 * 1000000L };
		nanosleep(&ts, NULL);
	}
	return false;
}

static pid_t read_pid(const char *path)
{
	char *text = tu_read_file(path, NULL);
	ck_assert_msg(text != NULL, "no pid file %s", path);
	pid_t pid = (pid_t)atoi(text);
	free(text);
	ck_assert_int_gt(pid, 1);
	return pid;
}

/* ---- commands ------------------------------------------------------------ */

START_TEST(test_cmd_json_argv)
{
	ss_source *src = cmd(0, 0, "printf", "{\"a\":1,\"b\":[true,null,\"x y\"]}", NULL);
	ck_assert_str_eq(ss_source_describe(src), "printf '{\"a\":1,\"b\":[true,null,\"x y\"]}'");
	expect_state(src, "{\"a\":1,\"b\":[true,null,\"x y\"]}");
	/* Each poll runs it again. */
	expect_state(src, "{\"a\":1,\"b\":[true,null,\"x y\"]}");
	ss_source_free(src);
	assert_no_children();
}
END_TEST

START_TEST(test_cmd_json_shell)
{
	ss_source *src = sh("echo '{\"x\": \"y\"}' | cat", 0, 0);
	ck_assert_str_eq(ss_source_describe(src), "echo '{\"x\": \"y\"}' | cat");
	expect_state(src, "{\"x\":\"y\"}");
	ss_source_free(src);

	/* A top-level scalar is a state too. */
	src = sh("echo 42", 0, 0);
	expect_state(src, "42");
	ss_source_free(src);
	assert_no_children();
}
END_TEST

/* Large output on both pipes at once: neither may block the other. */
START_TEST(test_cmd_large_output_both_pipes)
{
	ss_source *src = sh("head -c 300000 /dev/zero >&2; "
	                    "awk 'BEGIN { printf \"[\"; for (i = 0; i < 50000; i++) printf \"%d,\", i; "
	                    "printf \"50000]\" }'; head -c 300000 /dev/zero >&2",
	                    0, 1u << 20);
	json_t *got = NULL;
	ss_status st = poll_once(src, &got);
	ck_assert_msg(st == SS_OK && got, "status %d: %s", st, reason);
	ck_assert(json_is_array(got));
	ck_assert_uint_eq(json_array_size(got), 50001);
	ck_assert_int_eq(json_integer_value(json_array_get(got, 50000)), 50000);
	json_decref(got);
	ss_source_free(src);
	assert_no_children();
}
END_TEST

START_TEST(test_cmd_exit_status)
{
	ss_source *src = sh("echo '{\"a\":1}'; echo; echo '  boom: it broke  ' >&2; "
	                    "echo second line >&2; exit 7", 0, 0);
	expect_error(src, SS_OK);
	ck_assert_str_eq(reason, "exit status 7: boom: it broke");
	ss_source_free(src);

	/* Nothing on standard error: the status alone. */
	src = cmd(0, 0, "false", NULL);
	expect_error(src, SS_OK);
	ck_assert_str_eq(reason, "exit status 1");
	ss_source_free(src);
	assert_no_children();
}
END_TEST

START_TEST(test_cmd_killed_by_signal)
{
	ss_source *src = sh("kill -9 $$", 0, 0);
	expect_error(src, SS_OK);
	ck_assert_str_eq(reason, "killed by signal 9 (Killed)");
	ss_source_free(src);
	assert_no_children();
}
END_TEST

/* Standard error is the command's text: escape sequences do not reach a
 * message, and a long line is cut. */
START_TEST(test_cmd_stderr_escaped_and_cut)
{
	ss_source *src = sh("printf '\\033[31mred\\n' >&2; exit 3", 0, 0);
	expect_error(src, SS_OK);
	ck_assert_msg(strchr(reason, '\033') == NULL, "escape in %s", reason);
	ck_assert_msg(starts_with(reason, "exit status 3: ") && strstr(reason, "[31mred"),
	              "reason: %s", reason);
	ss_source_free(src);

	src = sh("head -c 5000 /dev/zero | tr '\\0' x >&2; exit 1", 0, 0);
	expect_error(src, SS_OK);
	ck_assert_msg(strlen(reason) < 300, "reason %zu bytes long", strlen(reason));
	ss_source_free(src);
	assert_no_children();
}
END_TEST

START_TEST(test_cmd_timeout)
{
	ss_source *src = cmd(200, 0, "sleep", "5", NULL);
	int64_t t0 = mono_ms();
	expect_error(src, SS_OK);
	int64_t took = mono_ms() - t0;
	ck_assert_str_eq(reason, "timed out after 200ms");
	/* sleep would take 5 s: finishing well before proves it was killed. */
	ck_assert_msg(took < 4000, "took %lld ms", (long long)took);
	ss_source_free(src);
	assert_no_children();
}
END_TEST

/* The whole process group dies, not only the child. */
START_TEST(test_cmd_timeout_kills_group)
{
	char line[4200];
	snprintf(line, sizeof line, "sleep 30 & echo $! > '%s'; sleep 30", tu_path("pid"));
	ss_source *src = sh(line, 1000, 0);
	int64_t t0 = mono_ms();
	expect_error(src, SS_OK);
	ck_assert_msg(mono_ms() - t0 < 5000, "took %lld ms", (long long)(mono_ms() - t0));
	ck_assert_str_eq(reason, "timed out after 1s");
	pid_t grandchild = read_pid(tu_path("pid"));
	ck_assert_msg(dies(grandchild), "background sleep %d still runs", (int)grandchild);
	ss_source_free(src);
	assert_no_children();
}
END_TEST

/* The command exits, but a process it left behind holds the output open:
 * the output never ends, the poll times out and says why. */
START_TEST(test_cmd_background_keeps_output_open)
{
	char line[4200];
	snprintf(line, sizeof line, "sleep 30 & echo $! > '%s'; echo '{}'", tu_path("pid"));
	ss_source *src = sh(line, 500, 0);
	expect_error(src, SS_OK);
	ck_assert_msg(starts_with(reason, "timed out after 500ms: the command exited"),
	              "reason: %s", reason);
	ck_assert(dies(read_pid(tu_path("pid"))));
	ss_source_free(src);
	assert_no_children();
}
END_TEST

START_TEST(test_cmd_output_cap)
{
	ss_source *src = cmd(0, 1024, "head", "-c", "100000", "/dev/zero", NULL);
	expect_error(src, SS_LIMIT);
	ck_assert_str_eq(reason, "output over the 1 KiB limit");
	ss_source_free(src);

	/* Endless output: stopped at the cap, not at the timeout. */
	src = cmd(20000, 1000, "yes", NULL);
	int64_t t0 = mono_ms();
	expect_error(src, SS_LIMIT);
	ck_assert_str_eq(reason, "output over the 1000 bytes limit");
	ck_assert_msg(mono_ms() - t0 < 10000, "took %lld ms", (long long)(mono_ms() - t0));
	ss_source_free(src);

	/* Exactly at the cap is fine. */
	src = cmd(0, 7, "printf", "[1,2,3]", NULL);
	expect_state(src, "[1,2,3]");
	ss_source_free(src);
	assert_no_children();
}
END_TEST

START_TEST(test_cmd_not_json)
{
	ss_source *src = cmd(0, 0, "echo", "hello", NULL);
	expect_error(src, SS_INPUT);
	ck_assert_msg(starts_with(reason, "not JSON: output:1:"), "reason: %s", reason);
	ss_source_free(src);

	src = cmd(0, 0, "echo", "{\"a\":1,\"a\":2}", NULL);
	expect_error(src, SS_INPUT);
	ck_assert_msg(starts_with(reason, "not JSON: output:1:"), "reason: %s", reason);
	ck_assert_msg(strstr(reason, "duplicate"), "reason: %s", reason);
	ss_source_free(src);
	assert_no_children();
}
END_TEST

START_TEST(test_cmd_no_output)
{
	ss_source *src = cmd(0, 0, "true", NULL);
	expect_error(src, SS_INPUT);
	ck_assert_str_eq(reason, "no output");
	ss_source_free(src);

	/* Standard input is /dev/null: cat ends at once, with nothing. */
	src = cmd(5000, 0, "cat", NULL);
	expect_error(src, SS_INPUT);
	ck_assert_str_eq(reason, "no output");
	ss_source_free(src);

	src = sh("echo; echo '   '; echo 'nothing here' >&2", 0, 0);
	expect_error(src, SS_INPUT);
	ck_assert_str_eq(reason, "no output: nothing here");
	ss_source_free(src);
	assert_no_children();
}
END_TEST

START_TEST(test_cmd_missing_program)
{
	ss_source *src = cmd(0, 0, "snapscope-no-such-program", "x", NULL);
	expect_error(src, SS_OK);
	ck_assert_str_eq(reason, "cannot run 'snapscope-no-such-program': No such file or directory");
	assert_no_children();
	ss_source_free(src);

	src = cmd(0, 0, "/nonexistent/dir/prog", NULL);
	expect_error(src, SS_OK);
	ck_assert_str_eq(reason, "cannot run '/nonexistent/dir/prog': No such file or directory");
	ss_source_free(src);

	/* Through the shell: sh's own exit status and message. */
	src = sh("snapscope-no-such-program", 0, 0);
	expect_error(src, SS_OK);
	ck_assert_msg(starts_with(reason, "exit status 127: ") && strstr(reason, "not found"),
	              "reason: %s", reason);
	ss_source_free(src);
	assert_no_children();
}
END_TEST

/* Fifty polls of every outcome: no descriptor and no child left over. */
START_TEST(test_cmd_no_leaks)
{
	ss_source *srcs[] = {
		cmd(0, 0, "printf", "{\"n\":1}", NULL),
		sh("echo oops >&2; exit 2", 0, 0),
		cmd(0, 0, "snapscope-no-such-program", NULL),
		cmd(0, 100, "head", "-c", "5000", "/dev/zero", NULL),
		cmd(0, 0, "echo", "not json", NULL),
		cmd(50, 0, "sleep", "5", NULL),
	};
	size_t n = sizeof srcs / sizeof srcs[0];
	int before = count_fds();
	for (int i = 0; i < 50; i++) {
		json_t *got = NULL;
		ss_status st = poll_once(srcs[i % n], &got);
		ck_assert_msg((st == SS_OK) == (i % n == 0), "poll %d: status %d: %s", i, st, reason);
		json_decref(got);
	}
	ck_assert_int_eq(count_fds(), before);
	assert_no_children();
	for (size_t i = 0; i < n; i++)
		ss_source_free(srcs[i]);
}
END_TEST

/* The child starts with default signal handling and an empty mask whatever
 * ours are, and with none of our descriptors. */
START_TEST(test_cmd_child_environment)
{
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigset_t old_mask;
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &block, &old_mask), 0);

	/* An ignored SIGTERM would survive exec: sh would go on to print. */
	ss_source *src = sh("kill -TERM $$; echo '{}'", 0, 0);
	expect_error(src, SS_OK);
	ck_assert_str_eq(reason, "killed by signal 15 (Terminated)");
	ss_source_free(src);

	/* A descriptor of ours without close-on-exec stays ours. */
	int fd = open("/dev/null", O_RDONLY);
	ck_assert_int_ge(fd, 3);
	char line[256];
	snprintf(line, sizeof line,
	         "if [ -e /proc/$$/fd/%d ]; then echo '\"leaked\"'; else echo '\"closed\"'; fi", fd);
	src = sh(line, 0, 0);
	expect_state(src, "\"closed\"");
	ss_source_free(src);
	close(fd);

	/* Its own process group: field 5 of /proc/PID/stat is the group. */
	src = sh("set -- $(cat /proc/$$/stat); if [ \"$5\" = $$ ]; then echo true; else echo false; fi",
	         0, 0);
	expect_state(src, "true");
	ss_source_free(src);
	assert_no_children();

	/* As they were, for CK_FORK=no runs. */
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
}
END_TEST

START_TEST(test_cmd_describe_quotes)
{
	ss_source *src = cmd(0, 0, "printf", "%s\\n", "a b", "it's", "", "plain-arg_1.json", NULL);
	ck_assert_str_eq(ss_source_describe(src),
	                 "printf '%s\\n' 'a b' 'it'\\''s' '' plain-arg_1.json");
	ss_source_free(src);
}
END_TEST

START_TEST(test_cmd_bad_arguments)
{
	ss_source *src = (ss_source *)1;
	const char *two[] = { "echo", "x" };
	const char *empty[] = { "" };
	const char *hole[] = { "echo", NULL };

	ck_assert_int_eq(ss_source_command(two, 2, true, 0, 0, &src, err, sizeof err), SS_USAGE);
	ck_assert_ptr_null(src);
	ck_assert_int_eq(ss_source_command(two, 0, false, 0, 0, &src, err, sizeof err), SS_USAGE);
	ck_assert_int_eq(ss_source_command(NULL, 1, false, 0, 0, &src, err, sizeof err), SS_USAGE);
	ck_assert_int_eq(ss_source_command(empty, 1, false, 0, 0, &src, err, sizeof err), SS_USAGE);
	ck_assert_int_eq(ss_source_command(hole, 2, false, 0, 0, &src, err, sizeof err), SS_USAGE);
	ck_assert_int_eq(ss_source_command(two, 2, false, -1, 0, &src, err, sizeof err), SS_USAGE);
	ck_assert_str_eq(err, "negative command timeout");
	ck_assert_int_eq(ss_source_file("", 0, &src, err, sizeof err), SS_USAGE);

	json_t *got = (json_t *)1;
	ck_assert_int_eq(ss_source_capture(NULL, &got, reason, sizeof reason), SS_USAGE);
	ck_assert_ptr_null(got);
	ss_source_free(NULL);
}
END_TEST

/* ---- files --------------------------------------------------------------- */

/* Replace the file's content in place (same inode). */
static void rewrite(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(close(fd), 0);
}

static ino_t inode(const char *path)
{
	struct stat sb;
	ck_assert_int_eq(stat(path, &sb), 0);
	return sb.st_ino;
}

START_TEST(test_file_unchanged)
{
	const char *path = tu_path("state.json");
	tu_write_file(path, "{\"a\":1}\n", (size_t)-1);
	ss_source *src = file(path, 0);
	ck_assert_str_eq(ss_source_describe(src), path);
	expect_state(src, "{\"a\":1}");
	expect_nothing(src);
	expect_nothing(src);
	ss_source_free(src);
}
END_TEST

START_TEST(test_file_rewritten_in_place)
{
	const char *path = tu_path("state.json");
	tu_write_file(path, "{\"a\":1}", (size_t)-1);
	ino_t ino = inode(path);
	ss_source *src = file(path, 0);
	expect_state(src, "{\"a\":1}");

	rewrite(path, "{\"a\":22}");
	expect_state(src, "{\"a\":22}");
	/* The same size at once: perhaps within the same timestamp tick. */
	rewrite(path, "{\"a\":33}");
	expect_state(src, "{\"a\":33}");
	ck_assert(inode(path) == ino);

	/* Even a rewrite that keeps size and modification time is seen while
	 * that time is recent: the content is checked again. */
	struct stat sb;
	ck_assert_int_eq(stat(path, &sb), 0);
	rewrite(path, "{\"a\":44}");
	struct timespec times[2] = { sb.st_atim, sb.st_mtim };
	ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);
	expect_state(src, "{\"a\":44}");
	expect_nothing(src);
	ss_source_free(src);
}
END_TEST

START_TEST(test_file_replaced_by_rename)
{
	const char *path = tu_path("state.json");
	const char *tmp = tu_path("state.json.tmp");
	tu_write_file(path, "{\"v\":1}", (size_t)-1);
	ss_source *src = file(path, 0);
	expect_state(src, "{\"v\":1}");
	expect_nothing(src);

	tu_write_file(tmp, "{\"v\":2}", (size_t)-1);
	ck_assert_int_eq(rename(tmp, path), 0);
	expect_state(src, "{\"v\":2}");
	expect_nothing(src);
	ss_source_free(src);
}
END_TEST

START_TEST(test_file_half_written)
{
	const char *path = tu_path("state.json");
	tu_write_file(path, "{\"a\":", (size_t)-1);
	ss_source *src = file(path, 0);
	expect_nothing(src);

	rewrite(path, "{\"a\":[1,2]}");
	expect_state(src, "{\"a\":[1,2]}");
	expect_nothing(src);
	ss_source_free(src);
}
END_TEST

START_TEST(test_file_stably_broken)
{
	const char *path = tu_path("state.json");
	tu_write_file(path, "{\"a\":1,,}", (size_t)-1);
	ss_source *src = file(path, 0);
	expect_nothing(src);                /* maybe a writer part-way */
	expect_error(src, SS_INPUT);        /* no: it stays that way */
	ck_assert_msg(starts_with(reason, "not JSON: ") && strstr(reason, "state.json:1:"),
	              "reason: %s", reason);
	expect_nothing(src);                /* said once */
	expect_nothing(src);

	/* Broken differently: a new content, the same two steps. */
	rewrite(path, "[1,2");
	expect_nothing(src);
	expect_error(src, SS_INPUT);
	expect_nothing(src);

	/* Mended. */
	rewrite(path, "[1,2]");
	expect_state(src, "[1,2]");
	ss_source_free(src);
}
END_TEST

START_TEST(test_file_missing_then_appears)
{
	const char *path = tu_path("state.json");
	ss_source *src = file(path, 0);
	expect_error(src, SS_OK);
	char want[4200];
	snprintf(want, sizeof want, "%s: No such file or directory", path);
	ck_assert_str_eq(reason, want);
	expect_nothing(src);
	expect_nothing(src);

	tu_write_file(path, "{\"up\":true}", (size_t)-1);
	expect_state(src, "{\"up\":true}");
	expect_nothing(src);

	/* Gone again: said again, once. */
	ck_assert_int_eq(unlink(path), 0);
	expect_error(src, SS_OK);
	ck_assert_str_eq(reason, want);
	expect_nothing(src);
	tu_write_file(path, "{\"up\":true}", (size_t)-1);
	expect_state(src, "{\"up\":true}");
	ss_source_free(src);
}
END_TEST

START_TEST(test_file_over_limit)
{
	const char *path = tu_path("state.json");
	tu_write_file(path, "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]", (size_t)-1);
	ss_source *src = file(path, 16);
	expect_error(src, SS_LIMIT);
	ck_assert_msg(strstr(reason, "state.json: over the 16 bytes limit"), "reason: %s", reason);
	expect_nothing(src);
	rewrite(path, "[1,2,3]");
	expect_state(src, "[1,2,3]");
	ss_source_free(src);
}
END_TEST

START_TEST(test_file_not_regular)
{
	const char *dir = tu_path("adir");
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ss_source *src = file(dir, 0);
	expect_error(src, SS_OK);
	ck_assert_msg(strstr(reason, "not a regular file"), "reason: %s", reason);
	expect_nothing(src);
	ss_source_free(src);

	/* A FIFO must not block the poll waiting for a writer. */
	const char *fifo = tu_path("fifo");
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	src = file(fifo, 0);
	expect_error(src, SS_OK);
	ck_assert_msg(strstr(reason, "not a regular file"), "reason: %s", reason);
	ss_source_free(src);
}
END_TEST

START_TEST(test_file_through_symlink)
{
	const char *path = tu_path("real.json");
	const char *link = tu_path("link.json");
	tu_write_file(path, "{\"via\":\"link\"}", (size_t)-1);
	ck_assert_int_eq(symlink(path, link), 0);
	ss_source *src = file(link, 0);
	expect_state(src, "{\"via\":\"link\"}");
	expect_nothing(src);
	ss_source_free(src);
}
END_TEST

START_TEST(test_file_no_leaks)
{
	const char *path = tu_path("state.json");
	ss_source *src = file(path, 0);
	int before = count_fds();
	for (int i = 0; i < 50; i++) {
		char text[64];
		snprintf(text, sizeof text, i % 5 == 4 ? "{broken %d" : "{\"i\":%d}", i);
		tu_write_file(path, text, (size_t)-1);
		json_t *got = NULL;
		ss_status st = poll_once(src, &got);
		ck_assert_msg(st == SS_OK, "poll %d: %s", i, reason);
		ck_assert_msg((got != NULL) == (i % 5 != 4), "poll %d", i);
		json_decref(got);
	}
	ck_assert_int_eq(count_fds(), before);
	ss_source_free(src);
}
END_TEST

Suite *source_suite(void); /* for check_main.c */

Suite *source_suite(void)
{
	Suite *s = suite_create("source");
	TCase *tc = tcase_create("command");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_cmd_json_argv);
	tcase_add_test(tc, test_cmd_json_shell);
	tcase_add_test(tc, test_cmd_large_output_both_pipes);
	tcase_add_test(tc, test_cmd_exit_status);
	tcase_add_test(tc, test_cmd_killed_by_signal);
	tcase_add_test(tc, test_cmd_stderr_escaped_and_cut);
	tcase_add_test(tc, test_cmd_timeout);
	tcase_add_test(tc, test_cmd_timeout_kills_group);
	tcase_add_test(tc, test_cmd_background_keeps_output_open);
	tcase_add_test(tc, test_cmd_output_cap);
	tcase_add_test(tc, test_cmd_not_json);
	tcase_add_test(tc, test_cmd_no_output);
	tcase_add_test(tc, test_cmd_missing_program);
	tcase_add_test(tc, test_cmd_no_leaks);
	tcase_add_test(tc, test_cmd_child_environment);
	tcase_add_test(tc, test_cmd_describe_quotes);
	tcase_add_test(tc, test_cmd_bad_arguments);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_file_unchanged);
	tcase_add_test(tc, test_file_rewritten_in_place);
	tcase_add_test(tc, test_file_replaced_by_rename);
	tcase_add_test(tc, test_file_half_written);
	tcase_add_test(tc, test_file_stably_broken);
	tcase_add_test(tc, test_file_missing_then_appears);
	tcase_add_test(tc, test_file_over_limit);
	tcase_add_test(tc, test_file_not_regular);
	tcase_add_test(tc, test_file_through_symlink);
	tcase_add_test(tc, test_file_no_leaks);
	suite_add_tcase(s, tc);
	return s;
}
