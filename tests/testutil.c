/* testutil.c - temporary directories and child processes for the suites. */
#include "testutil.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir_path[4096];

const char *tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	snprintf(tmpdir_path, sizeof tmpdir_path, "%s/snapscope-test-XXXXXX", base);
	ck_assert_msg(mkdtemp(tmpdir_path) != NULL, "mkdtemp: %s", strerror(errno));
	return tmpdir_path;
}

const char *tu_path(const char *name)
{
	static char slots[8][sizeof tmpdir_path + 256];
	static unsigned next;
	char *buf = slots[next++ % 8];
	int n = snprintf(buf, sizeof slots[0], "%s/%s", tmpdir_path, name);
	ck_assert_msg(n > 0 && (size_t)n < sizeof slots[0], "path too long: %s", name);
	return buf;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

void tu_cleanup(void)
{
	if (tmpdir_path[0])
		nftw(tmpdir_path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	tmpdir_path[0] = '\0';
}

void tu_write_file(const char *path, const char *data, size_t len)
{
	if (len == (size_t)-1)
		len = strlen(data);
	FILE *f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "open %s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

char *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			char *nb = realloc(buf, cap + 1);
			if (!nb) { free(buf); buf = NULL; }
			buf = nb;
		}
	}
	fclose(f);
	ck_assert_ptr_nonnull(buf);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* Append what is readable on fd to *buf; returns 0 at end of file. */
static int drain(int fd, char **buf, size_t *len, size_t *cap)
{
	char chunk[65536];
	ssize_t got = read(fd, chunk, sizeof chunk);
	if (got < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (got == 0)
		return 0;
	if (*len + (size_t)got + 1 > *cap) {
		while (*len + (size_t)got + 1 > *cap)
			*cap = *cap ? *cap * 2 : 65536;
		*buf = realloc(*buf, *cap);
		ck_assert_ptr_nonnull(*buf);
	}
	memcpy(*buf + *len, chunk, (size_t)got);
	*len += (size_t)got;
	(*buf)[*len] = '\0';
	return 1;
}

tu_run tu_exec(const char *input, size_t input_len, const char *const *argv)
{
	const char *bin = getenv("SNAPSCOPE_BIN");
	if (!bin || !*bin)
		bin = "build/snapscope";
	int in[2], out[2], err[2];
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	ck_assert_int_eq(pipe(err), 0);
	size_t argc = 0;
	while (argv[argc])
		argc++;
	const char **args = calloc(argc + 2, sizeof *args);
	ck_assert_ptr_nonnull(args);
	args[0] = bin;
	memcpy(args + 1, argv, argc * sizeof *args);

	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(in[0]); close(in[1]); close(out[0]); close(out[1]); close(err[0]); close(err[1]);
		unsetenv("SNAPSCOPE_STORE");
		setenv("TZ", "UTC", 1);
		setenv("NO_COLOR", "1", 1);
		execv(bin, (char *const *)args);
		fprintf(stderr, "exec %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	free(args);
	close(in[0]); close(out[1]); close(err[1]);
	signal(SIGPIPE, SIG_IGN);

	tu_run r = {0};
	size_t out_cap = 0, err_cap = 0, written = 0;
	if (!input)
		input_len = 0;
	else if (input_len == (size_t)-1)
		input_len = strlen(input);
	int out_open = 1, err_open = 1, in_open = 1;
	if (input_len == 0) { close(in[1]); in_open = 0; }
	else fcntl(in[1], F_SETFL, O_NONBLOCK);
	while (out_open || err_open) {
		struct pollfd p[3] = {
			{ out_open ? out[0] : -1, POLLIN, 0 },
			{ err_open ? err[0] : -1, POLLIN, 0 },
			{ in_open ? in[1] : -1, POLLOUT, 0 },
		};
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents && !drain(out[0], &r.out, &r.out_len, &out_cap)) out_open = 0;
		if (p[1].revents && !drain(err[0], &r.err, &r.err_len, &err_cap)) err_open = 0;
		if (in_open && p[2].revents) {
			ssize_t w = write(in[1], input + written, input_len - written);
			if (w > 0) written += (size_t)w;
			if (w < 0 && errno != EAGAIN && errno != EINTR) written = input_len;
			if (written >= input_len) { close(in[1]); in_open = 0; }
		}
	}
	if (in_open)
		close(in[1]);
	close(out[0]); close(err[0]);
	int wst;
	while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
		;
	r.status = WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);
	if (!r.out) r.out = strdup("");
	if (!r.err) r.err = strdup("");
	return r;
}

void tu_run_free(tu_run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

tu_run tu_cli(const char *input, ...)
{
	const char *argv[64];
	size_t n = 0;
	va_list ap;
	va_start(ap, input);
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL && n < 63)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	return tu_exec(input, (size_t)-1, argv);
}
