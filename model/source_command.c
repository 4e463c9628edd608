/*
 * source_command.c - a command's standard output as a source of states
 * (ss_source_command() of ss_source.h).
 *
 * Each poll runs the command once with posix_spawn(), not fork(): the
 * process has threads (the capture threads, the UI), and a fork() copies a
 * multi-threaded address space with whatever locks other threads held.  The
 * child gets standard input from /dev/null, standard output and standard
 * error on pipes, its own process group (so that a timeout kills what it
 * started too), an empty signal mask and every signal at its default (the
 * UI may block or ignore some; a command should not inherit that).  Our
 * ends of the pipes are close-on-exec, and with glibc the child also closes
 * every descriptor past 2, so neither the store's connection nor another
 * capture thread's pipes leak into a command.
 *
 * Both pipes are read with poll() until end of file, then the child is
 * waited for, all within one deadline on CLOCK_MONOTONIC.  A deadline
 * passed or standard output past max_bytes kills the whole process group
 * with SIGKILL; whatever happens the child is reaped before the poll
 * returns, so no zombie and no child outlives it.  The child is observed
 * with waitid(WNOWAIT) and reaped only at the end: while it is an unreaped
 * zombie its pid (and so its process group id) cannot be reused, which is
 * what makes kill(-pgid) safe to send.
 *
 * Processes the command leaves running in the background after it exits 0
 * with its pipes closed are its business: they are not killed.  One that
 * keeps standard output open makes the poll time out (and is then killed
 * with the group), because the output is not complete before it closes.
 */
#define _GNU_SOURCE             /* pipe2() (POSIX 2024; glibc hides it otherwise) */

#include "snapscope.h"
#include "msgfmt.h"
#include "source_kind.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Bytes read from a pipe at a time, and the first size of the output buffer. */
#define READ_CHUNK (64u * 1024u)

/* Standard error kept for messages: enough to find the first non-blank line
 * even after a few blank ones; the rest is read and dropped so that the
 * child never blocks on a full pipe. */
#define STDERR_KEEP 1024u

/* A message quotes at most this much of standard error's first line. */
#define STDERR_LINE_MAX 200u

/* Once both pipes are closed, whether the child has exited is looked at
 * after naps this long, doubling up to the second bound: most commands exit
 * right after closing their output, a few linger. */
#define REAP_SLEEP_MIN_MS 1
#define REAP_SLEEP_MAX_MS 20

struct command {
	char **argv;                /* NULL-terminated, what is spawned (argv or sh -c LINE) */
	bool shell;                 /* argv is { "/bin/sh", "-c", LINE } */
	int64_t timeout_ms;
	size_t max_bytes;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the description ----------------------------------------------------- */

/* Characters an argument may hold and still be read back by a shell as the
 * same word without quotes. */
static bool shell_plain(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		            "0123456789_@%+=:,./-", *s))
			return false;
	}
	return true;
}

/* The command line with each argument single-quoted when it needs it
 * ('it'\''s'), or NULL when out of memory. */
static char *describe_argv(const char *const *argv, size_t argc)
{
	size_t size = 1;
	for (size_t i = 0; i < argc; i++)
		size += 3 + 4 * strlen(argv[i]);       /* worst case: every byte a quote */
	char *buf = malloc(size);
	if (!buf)
		return NULL;
	char *p = buf;
	for (size_t i = 0; i < argc; i++) {
		if (i > 0)
			*p++ = ' ';
		if (shell_plain(argv[i])) {
			size_t n = strlen(argv[i]);
			memcpy(p, argv[i], n);
			p += n;
			continue;
		}
		*p++ = '\'';
		for (const char *s = argv[i]; *s; s++) {
			if (*s == '\'') {
				memcpy(p, "'\\''", 4);
				p += 4;
			} else {
				*p++ = *s;
			}
		}
		*p++ = '\'';
	}
	*p = '\0';
	return buf;
}

/* ---- running the command once --------------------------------------------- */

/* One pipe's reading side and what came out of it. */
struct sink {
	int fd;                     /* -1 once at end of file */
	char *buf;                  /* stdout: grows; stderr: STDERR_KEEP bytes */
	size_t len, cap;
};

static void kill_group(pid_t pid)
{
	/* The group first so that nothing it started survives; the child
	 * itself too, in case it moved to a group of its own. */
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
}

/* Reap the child, waiting as long as it takes (it was killed or has
 * exited); *status gets its wait status. */
static void reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

/* True when the child has exited (or been killed); it stays unreaped. */
static bool exited(pid_t pid)
{
	siginfo_t info;
	memset(&info, 0, sizeof info);
	for (;;) {
		if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0)
			return info.si_pid == pid;
		if (errno != EINTR)
			return true;        /* ECHILD: nothing left to wait for */
	}
}

/* A pipe descriptor at 3 or above, so that the child's dup2() onto 0..2
 * cannot clobber the other pipe (our own 0..2 may be closed). */
static int above_stdio(int fd)
{
	if (fd > 2)
		return fd;
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return nfd;
}

static int make_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	p[0] = above_stdio(p[0]);
	p[1] = above_stdio(p[1]);
	if (p[0] < 0 || p[1] < 0) {
		int e = errno;
		if (p[0] >= 0)
			close(p[0]);
		if (p[1] >= 0)
			close(p[1]);
		errno = e;
		return -1;
	}
	return 0;
}

/* Start the child; returns 0 or an errno value (no child exists then:
 * glibc reaps a child whose exec failed before posix_spawn returns). */
static int spawn(const struct command *cmd, int out_w, int err_w, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int rc;

	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		return rc;
	if ((rc = posix_spawnattr_init(&attr)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	sigemptyset(&none);
	sigfillset(&all);
	if ((rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, out_w, 1)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, err_w, 2)) != 0)
		goto done;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	/* Descriptors of other libraries opened without O_CLOEXEC too. */
	if ((rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) != 0)
		goto done;
#endif
	if ((rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
	                                          POSIX_SPAWN_SETSIGDEF)) != 0 ||
	    (rc = posix_spawnattr_setpgroup(&attr, 0)) != 0 ||
	    (rc = posix_spawnattr_setsigmask(&attr, &none)) != 0 ||
	    (rc = posix_spawnattr_setsigdefault(&attr, &all)) != 0)
		goto done;
	if (cmd->shell)
		rc = posix_spawn(pid, cmd->argv[0], &fa, &attr, cmd->argv, environ);
	else
		rc = posix_spawnp(pid, cmd->argv[0], &fa, &attr, cmd->argv, environ);
done:
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* Read once from a pipe that poll() found ready: standard output is kept
 * (up to one byte past max_bytes), standard error up to its buffer and
 * dropped past it.  Returns 0, or -1 with errno ENOMEM. */
static int drain(struct sink *s, bool keep_all, size_t max_bytes)
{
	char scratch[4096];
	char *dst = scratch;
	size_t room = sizeof scratch;

	if (keep_all) {
		if (s->len == s->cap) {
			/* One byte past the limit is enough to know it is over. */
			size_t hard = max_bytes < SIZE_MAX ? max_bytes + 1 : SIZE_MAX;
			size_t ncap = s->cap ? (s->cap > SIZE_MAX / 2 ? SIZE_MAX : 2 * s->cap)
			                     : READ_CHUNK;
			if (ncap > hard)
				ncap = hard;
			char *nb = realloc(s->buf, ncap);
			if (!nb) {
				errno = ENOMEM;
				return -1;
			}
			s->buf = nb;
			s->cap = ncap;
		}
		dst = s->buf + s->len;
		room = s->cap - s->len;
	} else if (s->len < s->cap) {
		dst = s->buf + s->len;
		room = s->cap - s->len;
	}
	ssize_t r;
	while ((r = read(s->fd, dst, room)) < 0 && errno == EINTR)
		;
	if (r < 0 && errno == EAGAIN)
		return 0;
	if (r <= 0) {
		/* End of file; a read error on a pipe is not expected and ends
		 * the output the same way. */
		close(s->fd);
		s->fd = -1;
		return 0;
	}
	if (dst != scratch)
		s->len += (size_t)r;
	return 0;
}

/* At most `max` bytes of `s` (len bytes), not ending inside a UTF-8
 * sequence. */
static size_t cut_utf8(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t n = max;
	/* Back over continuation bytes to the lead byte, and before it. */
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* The first non-blank line of what the child wrote to standard error, cut
 * to STDERR_LINE_MAX bytes and escaped for a terminal (it is the command's
 * text, not ours); "" when there is none.  NULL when out of memory. */
static char *stderr_line(const struct sink *s)
{
	const char *b = s->buf;
	size_t i = 0, n = s->len;

	for (;;) {
		while (i < n && (b[i] == '\n' || b[i] == '\r' || b[i] == ' ' || b[i] == '\t'))
			i++;
		size_t e = i;
		while (e < n && b[e] != '\n')
			e++;
		bool last = e == n;
		while (e > i && (b[e - 1] == '\r' || b[e - 1] == ' ' || b[e - 1] == '\t'))
			e--;
		if (e > i || last)
			return ss_text_escape(b + i, cut_utf8(b + i, e - i, STDERR_LINE_MAX));
		i = e + 1;
	}
}

static bool blank(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r')
			return false;
	}
	return true;
}

static void nap_ms(int64_t ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* How a run ended before its exit status was looked at. */
enum ending {
	END_EXITED,                 /* both pipes at end of file and the child gone */
	END_TIMEOUT,
	END_OVER,                   /* standard output past max_bytes */
	END_NOMEM,
	END_POLL,                   /* poll() failed; errno kept in `poll_errno` */
};

static ss_status command_poll(void *impl, json_t **state, char *reason, size_t reason_size)
{
	const struct command *cmd = impl;
	struct sink out = { .fd = -1 }, errs = { .fd = -1 };
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	pid_t pid = -1;
	int wstatus = 0, poll_errno = 0;
	enum ending end = END_EXITED;
	bool gone_early = false;
	char *line = NULL;
	ss_status st;

	*state = NULL;
	msg_printf(reason, reason_size, "%s", "");
	errs.buf = malloc(STDERR_KEEP);
	if (!errs.buf) {
		msg_printf(reason, reason_size, "out of memory");
		return SS_NOMEM;
	}
	errs.cap = STDERR_KEEP;
	if (make_pipe(po) < 0 || make_pipe(pe) < 0) {
		msg_printf(reason, reason_size, "cannot make a pipe: %s", strerror(errno));
		st = SS_IO;
		goto done;
	}

	int64_t start = mono_ms();
	int rc = spawn(cmd, po[1], pe[1], &pid);
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	if (rc != 0) {
		char *name = ss_text_escape(cmd->argv[0], strlen(cmd->argv[0]));
		msg_printf(reason, reason_size, "cannot run '%s': %s", name ? name : "?", strerror(rc));
		free(name);
		pid = -1;
		st = rc == ENOMEM ? SS_NOMEM : SS_IO;
		goto done;
	}
	out.fd = po[0];
	errs.fd = pe[0];
	po[0] = pe[0] = -1;

	int64_t deadline = cmd->timeout_ms > INT64_MAX - start ? INT64_MAX : start + cmd->timeout_ms;
	while (out.fd >= 0 || errs.fd >= 0) {
		int64_t left = deadline - mono_ms();
		if (left <= 0) {
			end = END_TIMEOUT;
			break;
		}
		struct pollfd pfd[2];
		struct sink *who[2];
		nfds_t n = 0;
		if (out.fd >= 0) {
			pfd[n] = (struct pollfd){ .fd = out.fd, .events = POLLIN };
			who[n++] = &out;
		}
		if (errs.fd >= 0) {
			pfd[n] = (struct pollfd){ .fd = errs.fd, .events = POLLIN };
			who[n++] = &errs;
		}
		int r = poll(pfd, n, left > INT_MAX ? INT_MAX : (int)left);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			poll_errno = errno;
			end = END_POLL;
			break;
		}
		for (nfds_t i = 0; i < n && end == END_EXITED; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
				continue;
			if (drain(who[i], who[i] == &out, cmd->max_bytes) < 0)
				end = END_NOMEM;
		}
		if (end != END_EXITED)
			break;
		if (out.len > cmd->max_bytes) {
			end = END_OVER;
			break;
		}
	}

	/* The output is complete; the child may still be finishing. */
	for (int64_t nap = REAP_SLEEP_MIN_MS; end == END_EXITED && !exited(pid);
	     nap = nap * 2 > REAP_SLEEP_MAX_MS ? REAP_SLEEP_MAX_MS : nap * 2) {
		int64_t left = deadline - mono_ms();
		if (left <= 0)
			end = END_TIMEOUT;
		else
			nap_ms(nap < left ? nap : left);
	}

	if (end != END_EXITED) {
		gone_early = end == END_TIMEOUT && exited(pid);
		kill_group(pid);
	}
	reap(pid, &wstatus);
	pid = -1;

	line = stderr_line(&errs);
	if (!line) {
		msg_printf(reason, reason_size, "out of memory");
		st = SS_NOMEM;
		goto done;
	}
	/* ": first line of standard error", or nothing */
	const char *sep = *line ? ": " : "";

	switch (end) {
	case END_TIMEOUT: {
		char dur[32];
		ss_duration_format(cmd->timeout_ms, dur, sizeof dur);
		if (gone_early)
			msg_printf(reason, reason_size,
			        "timed out after %s: the command exited but a process it "
			        "started kept its output open%s%s", dur, sep, line);
		else
			msg_printf(reason, reason_size, "timed out after %s%s%s", dur, sep, line);
		st = SS_IO;
		goto done;
	}
	case END_OVER: {
		char limit[32];
		msg_size(cmd->max_bytes, limit, sizeof limit);
		msg_printf(reason, reason_size, "output over the %s limit%s%s", limit, sep, line);
		st = SS_LIMIT;
		goto done;
	}
	case END_NOMEM:
		msg_printf(reason, reason_size, "out of memory reading the output");
		st = SS_NOMEM;
		goto done;
	case END_POLL:
		msg_printf(reason, reason_size, "cannot read the output: %s", strerror(poll_errno));
		st = SS_IO;
		goto done;
	case END_EXITED:
		break;
	}

	if (WIFSIGNALED(wstatus)) {
		int sig = WTERMSIG(wstatus);
		const char *name = strsignal(sig);
		msg_printf(reason, reason_size, "killed by signal %d (%s)%s%s", sig,
		        name ? name : "unknown", sep, line);
		st = SS_IO;
	} else if (!WIFEXITED(wstatus)) {
		msg_printf(reason, reason_size, "ended with wait status %d%s%s", wstatus, sep, line);
		st = SS_IO;
	} else if (WEXITSTATUS(wstatus) != 0) {
		msg_printf(reason, reason_size, "exit status %d%s%s", WEXITSTATUS(wstatus), sep, line);
		st = SS_IO;
	} else if (blank(out.buf, out.len)) {
		msg_printf(reason, reason_size, "no output%s%s", sep, line);
		st = SS_INPUT;
	} else {
		char msg[512];
		st = ss_state_parse(out.buf, out.len, cmd->max_bytes, "output", state,
		                    msg, sizeof msg);
		if (st != SS_OK)
			msg_printf(reason, reason_size, "not JSON: %s", msg);
	}
done:
	if (pid > 0) {
		kill_group(pid);
		reap(pid, &wstatus);
	}
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	if (out.fd >= 0)
		close(out.fd);
	if (errs.fd >= 0)
		close(errs.fd);
	free(out.buf);
	free(errs.buf);
	free(line);
	return st;
}

/* ---- the source ------------------------------------------------------------ */

static void command_release(void *impl)
{
	struct command *cmd = impl;
	if (!cmd)
		return;
	for (char **a = cmd->argv; a && *a; a++)
		free(*a);
	free(cmd->argv);
	free(cmd);
}

ss_status ss_source_command(const char *const *argv, size_t argc, bool shell,
                            int64_t timeout_ms, size_t max_bytes, ss_source **out,
                            char *err, size_t err_size)
{
	msg_printf(err, err_size, "%s", "");
	if (!out) {
		msg_printf(err, err_size, "no place for the source");
		return SS_USAGE;
	}
	*out = NULL;
	if (!argv || argc == 0) {
		msg_printf(err, err_size, "no command");
		return SS_USAGE;
	}
	if (shell && argc != 1) {
		msg_printf(err, err_size, "a shell command is one command line, not %zu arguments", argc);
		return SS_USAGE;
	}
	for (size_t i = 0; i < argc; i++) {
		if (!argv[i]) {
			msg_printf(err, err_size, "command argument %zu is missing", i);
			return SS_USAGE;
		}
	}
	if (!argv[0][0]) {
		msg_printf(err, err_size, "empty command");
		return SS_USAGE;
	}
	if (timeout_ms < 0) {
		msg_printf(err, err_size, "negative command timeout");
		return SS_USAGE;
	}

	struct command *cmd = calloc(1, sizeof *cmd);
	size_t n = shell ? 3 : argc;
	if (!cmd || !(cmd->argv = calloc(n + 1, sizeof *cmd->argv)))
		goto nomem;
	cmd->shell = shell;
	cmd->timeout_ms = timeout_ms ? timeout_ms : SS_SOURCE_TIMEOUT_DEFAULT_MS;
	/* 0 is not a usable limit; it means the usual one, as the timeout's 0 does. */
	cmd->max_bytes = max_bytes ? max_bytes : SS_STATE_MAX_DEFAULT;
	for (size_t i = 0; i < n; i++) {
		const char *a = shell ? (i == 0 ? "/bin/sh" : i == 1 ? "-c" : argv[0]) : argv[i];
		if (!(cmd->argv[i] = strdup(a)))
			goto nomem;
	}
	char *description = shell ? strdup(argv[0]) : describe_argv(argv, argc);
	if (!description)
		goto nomem;
	if (source_wrap(command_poll, command_release, cmd, description, out) != SS_OK) {
		msg_printf(err, err_size, "out of memory");
		return SS_NOMEM;
	}
	return SS_OK;
nomem:
	command_release(cmd);
	msg_printf(err, err_size, "out of memory");
	return SS_NOMEM;
}
