/*
 * bench.c - snapscope against git scraping on one state history (issue 3).
 *
 *   bench run --name NAME --input FILE [--field KEY] [--steps N] [--samples R]
 *             [--seed X] --snapscope BIN --tmp DIR [--note TEXT]
 *   bench sqlite-version
 *   bench capture-loop STORE STATES_DIR N OUT     (internal: see below)
 *
 * `run` reads FILE (JSON Lines, gzip or plain; with --field the state is that
 * member of each line), writes each state as the file a scraper would commit
 * (pretty JSON, two-space indent, the source's key order) and feeds the very
 * same bytes to both tools:
 *   git        a fresh repository under DIR, `git add` + `git commit` per
 *              snapshot as separate processes, then `git gc --aggressive`,
 *              `git show REV:state.json`, `git diff REV1 REV2`;
 *   snapscope  `snapscope capture` per snapshot (one process each), the same
 *              through the library in a long-running process (parse timed
 *              apart from ss_create), `snapshot show`, ss_get cold and
 *              warm-adjacent, the diff (CLI when it exists, and in-process).
 * It prints one markdown table (metric | snapscope | git | ratio) and the
 * targets of the issue, met or missed, on stdout; progress goes to stderr.
 *
 * Every child is timed with CLOCK_MONOTONIC around fork..wait4, and wait4's
 * rusage gives that child's own peak RSS, so nothing depends on /usr/bin/time.
 * The in-process capture loop runs in a freshly exec'd copy of this program
 * (capture-loop) so its peak RSS is the loop's, not the harness's.
 * Random choices (which revisions to read or diff) come from a seeded
 * splitmix64 stream: the same run reads the same revisions.
 */
#include "snapscope.h"

#include <sqlite3.h>
#include <zlib.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SESSION "bench"

/* ---- small helpers --------------------------------------------------------- */

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* snprintf that refuses to truncate (paths built from the temp dir). */
__attribute__((format(printf, 3, 4)))
static void xsnprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= n)
		die("string too long: %.60s...", buf);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static size_t rng_below(size_t n)
{
	return (size_t)(rng_next() % (uint64_t)n);
}

static char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	struct stat sb;
	if (fstat(fd, &sb) != 0)
		die("%s: %s", path, strerror(errno));
	size_t n = (size_t)sb.st_size, got = 0;
	char *buf = xmalloc(n + 1);
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			die("%s: short read", path);
		got += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void write_file(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);
		if (w <= 0)
			die("%s: %s", path, strerror(errno));
		off += (size_t)w;
	}
	if (close(fd) != 0)
		die("%s: %s", path, strerror(errno));
}

static int64_t file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

/* du -sb: apparent bytes of every entry under a directory. */
static int64_t du_total;

static int du_add(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)path, (void)flag, (void)ftw;
	du_total += (int64_t)sb->st_size;
	return 0;
}

static int64_t du_bytes(const char *dir)
{
	du_total = 0;
	if (nftw(dir, du_add, 16, FTW_PHYS) != 0)
		die("%s: cannot walk", dir);
	return du_total;
}

/* ---- samples and their statistics ---------------------------------------- */

typedef struct samples {
	double *v;
	size_t n, cap;
} samples;

static void push(samples *s, double x)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = x;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile (p in 0..100); NAN when empty. */
static double pct(samples *s, double p)
{
	if (!s->n)
		return NAN;
	qsort(s->v, s->n, sizeof *s->v, cmp_double);
	size_t rank = (size_t)ceil(p / 100.0 * (double)s->n);
	if (rank < 1)
		rank = 1;
	return s->v[rank - 1];
}

static double maxv(const samples *s)
{
	double m = NAN;
	for (size_t i = 0; i < s->n; i++)
		if (isnan(m) || s->v[i] > m)
			m = s->v[i];
	return m;
}

/* ---- children -------------------------------------------------------------- */

typedef struct proc_result {
	int status;                 /* exit code, or 128 + signal */
	double ms;                  /* wall time from fork to reaped */
	long maxrss_kb;             /* the child's own peak RSS */
	char *out;                  /* captured stdout when asked, NUL-terminated */
	size_t out_len;
} proc_result;

/*
 * Run argv (PATH searched) in `cwd` (NULL: here).  stdout goes to /dev/null
 * unless `capture`, then into r->out.  stderr stays ours so failures show.
 */
static proc_result run(char *const argv[], const char *cwd, bool capture)
{
	proc_result r = { 0 };
	int pfd[2] = { -1, -1 };
	if (capture && pipe(pfd) != 0)
		die("pipe: %s", strerror(errno));
	int64_t t0 = now_ns();
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		if (cwd && chdir(cwd) != 0)
			_exit(126);
		int fd = capture ? pfd[1] : open("/dev/null", O_WRONLY);
		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
			_exit(126);
		if (capture)
			close(pfd[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (capture) {
		close(pfd[1]);
		size_t cap = 4096;
		r.out = xmalloc(cap);
		for (;;) {
			if (cap - r.out_len < 4096) {
				cap *= 2;
				r.out = xrealloc(r.out, cap);
			}
			ssize_t n = read(pfd[0], r.out + r.out_len, cap - r.out_len - 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			r.out_len += (size_t)n;
		}
		r.out[r.out_len] = '\0';
		close(pfd[0]);
	}
	int ws;
	struct rusage ru;
	while (wait4(pid, &ws, 0, &ru) < 0)
		if (errno != EINTR)
			die("wait4: %s", strerror(errno));
	r.ms = (double)(now_ns() - t0) / 1e6;
	r.maxrss_kb = ru.ru_maxrss;
	r.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	return r;
}

/* Run and insist on success. */
static proc_result run_ok(char *const argv[], const char *cwd, bool capture)
{
	proc_result r = run(argv, cwd, capture);
	if (r.status != 0) {
		fprintf(stderr, "bench: command failed (status %d):", r.status);
		for (int i = 0; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fputc('\n', stderr);
		exit(1);
	}
	return r;
}

/* ---- reading the history ---------------------------------------------------- */

/* One line of a (possibly gzipped) file; NULL at the end.  gzread reads a
 * plain file as it is, so .jsonl and .jsonl.gz go through the same path. */
static char *gz_line(gzFile g, char **buf, size_t *cap, size_t *len)
{
	size_t n = 0;
	for (;;) {
		if (*cap - n < 2) {
			*cap = *cap ? 2 * *cap : 1 << 20;
			*buf = xrealloc(*buf, *cap);
		}
		if (!gzgets(g, *buf + n, (int)(*cap - n > INT32_MAX ? INT32_MAX : *cap - n)))
			break;
		n += strlen(*buf + n);
		if (n && (*buf)[n - 1] == '\n')
			break;
	}
	*len = n;
	return n ? *buf : NULL;
}

typedef struct history {
	size_t n;
	int64_t *raw_bytes;         /* compact form of each state */
	int64_t *file_bytes;        /* the committed (pretty) file */
} history;

/* Write the first `steps` states of `input` to DIR/states/NNNNN.json. */
static history materialise(const char *input, const char *field, long steps, const char *dir)
{
	history h = { 0 };
	gzFile g = gzopen(input, "rb");
	if (!g)
		die("%s: cannot open", input);
	char *buf = NULL, path[4096], err[512];
	size_t cap = 0, len;
	size_t alloc = 0;
	while ((steps <= 0 || (long)h.n < steps) && gz_line(g, &buf, &cap, &len)) {
		json_t *line;
		if (ss_state_parse(buf, len, (size_t)1 << 30, input, &line, err, sizeof err) != SS_OK)
			die("%s line %zu: %s", input, h.n + 1, err);
		json_t *state = field ? json_object_get(line, field) : line;
		if (!state)
			die("%s line %zu: no member \"%s\"", input, h.n + 1, field);
		size_t raw_len, pretty_len;
		char *raw = ss_json_dump(state, 0, &raw_len);
		char *pretty = ss_json_dump(state, SS_DUMP_INDENT, &pretty_len);
		if (!raw || !pretty)
			die("out of memory dumping state %zu", h.n + 1);
		/* A scraper's file ends with a newline, as `jq .` writes it. */
		pretty = xrealloc(pretty, pretty_len + 2);
		pretty[pretty_len++] = '\n';
		xsnprintf(path, sizeof path, "%s/states/%05zu.json", dir, h.n);
		write_file(path, pretty, pretty_len);
		if (h.n == alloc) {
			alloc = alloc ? 2 * alloc : 256;
			h.raw_bytes = xrealloc(h.raw_bytes, alloc * sizeof *h.raw_bytes);
			h.file_bytes = xrealloc(h.file_bytes, alloc * sizeof *h.file_bytes);
		}
		h.raw_bytes[h.n] = (int64_t)raw_len;
		h.file_bytes[h.n] = (int64_t)pretty_len;
		h.n++;
		free(raw);
		free(pretty);
		json_decref(line);
	}
	gzclose(g);
	free(buf);
	return h;
}

/* ---- the in-process capture loop (its own process) ------------------------ */

/*
 * capture-loop STORE STATES_DIR N OUT: what a long-running process (the watch
 * thread, a library user) does per snapshot: read the input, ss_state_parse,
 * ss_create.  Writes "id parse_ns create_ns" per snapshot to OUT and last
 * "rss BEFORE_KB AFTER_KB".  Reading the file is not timed: a scraper's fetch
 * is not timed on the git side either.
 */
static int capture_loop(const char *store, const char *dir, long n, const char *out)
{
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = store;
	cfg.store_type = SS_STORE_TYPE_HYBRID;
	ss_manager *mgr;
	char err[512], path[4096];
	if (ss_open(&cfg, &mgr, err, sizeof err) != SS_OK)
		die("%s: %s", store, err);
	FILE *f = fopen(out, "w");
	if (!f)
		die("%s: %s", out, strerror(errno));
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	long before = ru.ru_maxrss;
	for (long i = 0; i < n; i++) {
		size_t len;
		xsnprintf(path, sizeof path, "%s/states/%05ld.json", dir, i);
		char *buf = read_file(path, &len);
		json_t *state;
		int64_t t0 = now_ns();
		if (ss_state_parse(buf, len, cfg.max_state_bytes, path, &state, err, sizeof err) != SS_OK)
			die("%s", err);
		int64_t t1 = now_ns();
		int64_t id;
		if (ss_create(mgr, SESSION, state, NULL, &id) != SS_OK)
			die("ss_create: %s", ss_errmsg(mgr));
		int64_t t2 = now_ns();
		json_decref(state);
		free(buf);
		fprintf(f, "%" PRId64 " %" PRId64 " %" PRId64 "\n", id, t1 - t0, t2 - t1);
	}
	getrusage(RUSAGE_SELF, &ru);
	fprintf(f, "rss %ld %ld\n", before, ru.ru_maxrss);
	ss_close(mgr);
	return fclose(f) == 0 ? 0 : 1;
}

/* ---- the table -------------------------------------------------------------- */

static FILE *md;                /* where the table goes (stdout) */

static void fmt_ms(char *buf, size_t n, double ms)
{
	if (isnan(ms))
		xsnprintf(buf, n, "n/a");
	else if (ms >= 1000)
		xsnprintf(buf, n, "%.2f s", ms / 1000);
	else if (ms >= 10)
		xsnprintf(buf, n, "%.1f ms", ms);
	else
		xsnprintf(buf, n, "%.2f ms", ms);
}

static void fmt_bytes(char *buf, size_t n, double b)
{
	if (isnan(b))
		xsnprintf(buf, n, "n/a");
	else if (b >= 1 << 20)
		xsnprintf(buf, n, "%.2f MiB", b / (1 << 20));
	else if (b >= 10 * 1024)
		xsnprintf(buf, n, "%.1f KiB", b / 1024);
	else
		xsnprintf(buf, n, "%.0f B", b);
}

static void row_text(const char *metric, const char *ss, const char *git, const char *ratio)
{
	fprintf(md, "| %s | %s | %s | %s |\n", metric, ss, git, ratio);
}

static void ratio_text(char *buf, size_t n, double a, double b)
{
	if (isnan(a) || isnan(b) || b <= 0)
		xsnprintf(buf, n, "n/a");
	else
		xsnprintf(buf, n, "%.2f", a / b);
}

static void row_ms(const char *metric, double ss, double git)
{
	char a[32], b[32], r[32];
	fmt_ms(a, sizeof a, ss);
	fmt_ms(b, sizeof b, git);
	ratio_text(r, sizeof r, ss, git);
	row_text(metric, a, b, r);
}

static void row_bytes(const char *metric, double ss, double git)
{
	char a[32], b[32], r[32];
	fmt_bytes(a, sizeof a, ss);
	fmt_bytes(b, sizeof b, git);
	ratio_text(r, sizeof r, ss, git);
	row_text(metric, a, b, r);
}

/* Targets, collected while measuring and printed after the table. */
static char targets[8192];

static void target(bool met, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	size_t used = strlen(targets);
	xsnprintf(targets + used, sizeof targets - used, "- %s %s\n", met ? "MET" : "MISSED", line);
}

static void target_na(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	size_t used = strlen(targets);
	xsnprintf(targets + used, sizeof targets - used, "- N/A %s\n", line);
}

/* ---- the run ---------------------------------------------------------------- */

typedef struct opts {
	const char *name, *input, *field, *bin, *tmp, *note, *self;
	long steps, samples;
	uint64_t seed;
} opts;

static ss_manager *open_mgr(const char *store, ss_store_type type)
{
	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = store;
	cfg.store_type = type;
	cfg.create = false;
	ss_manager *mgr;
	char err[512];
	if (ss_open(&cfg, &mgr, err, sizeof err) != SS_OK)
		die("%s: %s", store, err);
	return mgr;
}

/* Fold the WAL into the database so the file size is the store's size. */
static void checkpoint(const char *store)
{
	sqlite3 *db;
	if (sqlite3_open_v2(store, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		die("%s: %s", store, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 5000);
	char *msg = NULL;
	if (sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, &msg) != SQLITE_OK)
		die("%s: checkpoint: %s", store, msg ? msg : "?");
	sqlite3_close(db);
}

static int64_t store_bytes(const char *store)
{
	char wal[4096];
	xsnprintf(wal, sizeof wal, "%s-wal", store);
	return file_size(store) + file_size(wal);
}

static void git_env(long step)
{
	/* Fixed author and committer times: the same history gives the same
	 * commit ids on every run. */
	char date[64];
	xsnprintf(date, sizeof date, "@%ld +0000", 1767225600L + 5 * step);
	setenv("GIT_AUTHOR_DATE", date, 1);
	setenv("GIT_COMMITTER_DATE", date, 1);
}

static int bench_run(const opts *o)
{
	char states[4096], repo[4096], gitdir_objects[4096], cli_store[4096], lib_store[4096];
	char loop_out[4096], path[4096];
	xsnprintf(states, sizeof states, "%s/states", o->tmp);
	xsnprintf(repo, sizeof repo, "%s/git", o->tmp);
	xsnprintf(gitdir_objects, sizeof gitdir_objects, "%s/.git/objects", repo);
	xsnprintf(cli_store, sizeof cli_store, "%s/cli.db", o->tmp);
	xsnprintf(lib_store, sizeof lib_store, "%s/lib.db", o->tmp);
	xsnprintf(loop_out, sizeof loop_out, "%s/loop.txt", o->tmp);
	if (mkdir(states, 0700) != 0 || mkdir(repo, 0700) != 0)
		die("%s: %s", o->tmp, strerror(errno));
	rng_state = o->seed;

	fprintf(stderr, "[%s] preparing states from %s\n", o->name, o->input);
	history h = materialise(o->input, o->field, o->steps, o->tmp);
	size_t n = h.n;
	if (n < 3)
		die("%s: only %zu states", o->input, n);
	samples raw = { 0 }, filesz = { 0 };
	for (size_t i = 0; i < n; i++) {
		push(&raw, (double)h.raw_bytes[i]);
		push(&filesz, (double)h.file_bytes[i]);
	}
	double raw_med = pct(&raw, 50), raw_max = maxv(&raw), file_med = pct(&filesz, 50);

	/* ---- git scraping ---- */
	fprintf(stderr, "[%s] git: %zu x (write, git add, git commit)\n", o->name, n);
	{
		char *init[] = { "git", "init", "-q", ".", NULL };
		run_ok(init, repo, false);
		const char *cfgs[][2] = {
			{ "user.name", "bench" }, { "user.email", "bench@example.invalid" },
			{ "gc.auto", "0" }, { "commit.gpgsign", "false" },
			{ "maintenance.auto", "false" },
		};
		/* Everything else stays at git's defaults, as a scraper runs it. */
		for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
			char *c[] = { "git", "config", "--local", (char *)cfgs[i][0], (char *)cfgs[i][1], NULL };
			run_ok(c, repo, false);
		}
	}
	samples git_commit = { 0 };
	long git_commit_rss = 0;
	xsnprintf(path, sizeof path, "%s/state.json", repo);
	for (size_t i = 0; i < n; i++) {
		char src[4096], msg[64];
		size_t len;
		xsnprintf(src, sizeof src, "%s/%05zu.json", states, i);
		char *buf = read_file(src, &len);
		write_file(path, buf, len);
		free(buf);
		git_env((long)i);
		xsnprintf(msg, sizeof msg, "snapshot %zu", i + 1);
		char *add[] = { "git", "add", "state.json", NULL };
		char *commit[] = { "git", "commit", "-q", "--no-verify", "-m", msg, NULL };
		proc_result a = run_ok(add, repo, false);
		proc_result c = run_ok(commit, repo, false);
		push(&git_commit, a.ms + c.ms);
		if (a.maxrss_kb > git_commit_rss)
			git_commit_rss = a.maxrss_kb;
		if (c.maxrss_kb > git_commit_rss)
			git_commit_rss = c.maxrss_kb;
	}
	unsetenv("GIT_AUTHOR_DATE");
	unsetenv("GIT_COMMITTER_DATE");
	char **revs = xmalloc(n * sizeof *revs);
	{
		char *rl[] = { "git", "rev-list", "--reverse", "HEAD", NULL };
		proc_result r = run_ok(rl, repo, true);
		size_t k = 0;
		for (char *s = strtok(r.out, "\n"); s && k < n; s = strtok(NULL, "\n"))
			revs[k++] = strdup(s);
		if (k != n)
			die("git has %zu commits for %zu snapshots", k, n);
		free(r.out);
	}
	int64_t git_loose = du_bytes(gitdir_objects);
	fprintf(stderr, "[%s] git gc --aggressive\n", o->name);
	proc_result gc;
	{
		char *g[] = { "git", "gc", "--aggressive", "--prune=now", "-q", NULL };
		gc = run_ok(g, repo, false);
	}
	int64_t git_packed = du_bytes(gitdir_objects);

	/* ---- snapscope, one process per snapshot ---- */
	fprintf(stderr, "[%s] snapscope capture: %zu processes\n", o->name, n);
	samples cli_capture = { 0 };
	long cli_capture_rss = 0;
	int64_t *cli_ids = xmalloc(n * sizeof *cli_ids);
	for (size_t i = 0; i < n; i++) {
		char src[4096];
		xsnprintf(src, sizeof src, "%s/%05zu.json", states, i);
		char *cap[] = { (char *)o->bin, "--store", cli_store, "capture", SESSION, src, NULL };
		proc_result r = run_ok(cap, NULL, true);
		cli_ids[i] = strtoll(r.out, NULL, 10);
		if (cli_ids[i] <= 0)
			die("snapscope capture printed no id: %s", r.out);
		free(r.out);
		push(&cli_capture, r.ms);
		if (r.maxrss_kb > cli_capture_rss)
			cli_capture_rss = r.maxrss_kb;
	}
	checkpoint(cli_store);
	int64_t cli_store_bytes = store_bytes(cli_store);

	/* ---- snapscope in a long-running process ---- */
	fprintf(stderr, "[%s] snapscope in-process capture: %zu snapshots\n", o->name, n);
	samples lib_parse = { 0 }, lib_create = { 0 }, lib_total = { 0 };
	int64_t *ids = xmalloc(n * sizeof *ids);
	long loop_rss_before = 0, loop_rss_after = 0;
	proc_result loop;
	{
		char nbuf[32];
		xsnprintf(nbuf, sizeof nbuf, "%zu", n);
		char *argv[] = { (char *)o->self, "capture-loop", lib_store, (char *)o->tmp, nbuf, loop_out, NULL };
		loop = run_ok(argv, NULL, false);
		FILE *f = fopen(loop_out, "r");
		if (!f)
			die("%s: %s", loop_out, strerror(errno));
		for (size_t i = 0; i < n; i++) {
			int64_t id, p, c;
			if (fscanf(f, "%" SCNd64 " %" SCNd64 " %" SCNd64, &id, &p, &c) != 3)
				die("%s: bad line %zu", loop_out, i + 1);
			ids[i] = id;
			push(&lib_parse, (double)p / 1e6);
			push(&lib_create, (double)c / 1e6);
			push(&lib_total, (double)(p + c) / 1e6);
		}
		if (fscanf(f, " rss %ld %ld", &loop_rss_before, &loop_rss_after) != 2)
			die("%s: no rss line", loop_out);
		fclose(f);
	}
	checkpoint(lib_store);
	int64_t lib_store_bytes = store_bytes(lib_store);
	ss_stats stats = { 0 };
	{
		ss_manager *m = open_mgr(lib_store, SS_STORE_TYPE_DISK);
		if (ss_stats_get(m, SESSION, &stats) != SS_OK)
			die("stats: %s", ss_errmsg(m));
		ss_close(m);
	}

	/* ---- read any version ---- */
	size_t r_n = (size_t)o->samples;
	fprintf(stderr, "[%s] reads: %zu random versions each way\n", o->name, r_n);
	samples cli_show = { 0 }, git_show = { 0 }, lib_cold = { 0 }, lib_step = { 0 }, git_step = { 0 };
	size_t checked = 0, equal = 0;
	for (size_t k = 0; k < r_n; k++) {
		size_t i = rng_below(n);
		char idbuf[32], spec[128];
		xsnprintf(idbuf, sizeof idbuf, "%" PRId64, cli_ids[i]);
		char *show[] = { (char *)o->bin, "--store", cli_store, "show", idbuf, NULL };
		push(&cli_show, run_ok(show, NULL, false).ms);
		xsnprintf(spec, sizeof spec, "%s:state.json", revs[i]);
		char *gs[] = { "git", "show", spec, NULL };
		push(&git_show, run_ok(gs, repo, false).ms);

		/* Cold: a fresh manager without a state cache, as a new process has. */
		ss_manager *m = open_mgr(lib_store, SS_STORE_TYPE_DISK);
		json_t *st;
		int64_t t0 = now_ns();
		if (ss_get(m, ids[i], &st, NULL) != SS_OK)
			die("ss_get %" PRId64 ": %s", ids[i], ss_errmsg(m));
		push(&lib_cold, (double)(now_ns() - t0) / 1e6);
		ss_close(m);

		/* Correctness first: the state read back is the input, canonically. */
		char src[4096], err[512];
		size_t len, a_len, b_len;
		xsnprintf(src, sizeof src, "%s/%05zu.json", states, i);
		char *buf = read_file(src, &len);
		json_t *in;
		if (ss_state_parse(buf, len, (size_t)1 << 30, src, &in, err, sizeof err) != SS_OK)
			die("%s", err);
		char *a = ss_json_dump(st, SS_DUMP_SORT_KEYS, &a_len);
		char *b = ss_json_dump(in, SS_DUMP_SORT_KEYS, &b_len);
		checked++;
		if (a && b && a_len == b_len && !memcmp(a, b, a_len))
			equal++;
		else
			fprintf(stderr, "[%s] MISMATCH: snapshot %" PRId64 " does not read back as state %zu\n",
			        o->name, ids[i], i);
		free(a);
		free(b);
		free(buf);
		json_decref(in);
		json_decref(st);

		/* Stepping: what the TUI does on `j`, the neighbour just shown. */
		if (i + 1 < n) {
			m = open_mgr(lib_store, SS_STORE_TYPE_HYBRID);
			if (ss_get(m, ids[i], &st, NULL) != SS_OK)
				die("ss_get: %s", ss_errmsg(m));
			json_decref(st);
			t0 = now_ns();
			if (ss_get(m, ids[i + 1], &st, NULL) != SS_OK)
				die("ss_get: %s", ss_errmsg(m));
			push(&lib_step, (double)(now_ns() - t0) / 1e6);
			json_decref(st);
			ss_close(m);
			xsnprintf(spec, sizeof spec, "%s:state.json", revs[i + 1]);
			char *gs2[] = { "git", "show", spec, NULL };
			push(&git_step, run_ok(gs2, repo, false).ms);
		}
	}

	/* ---- diffs ---- */
	bool have_cli_diff = true, have_lib_diff = true;
	size_t d_n = r_n < 5 ? r_n : (r_n + 1) / 2;
	fprintf(stderr, "[%s] diffs: %zu adjacent and %zu distant pairs (CLI diff %s, in-process %s)\n",
	        o->name, d_n, d_n, have_cli_diff ? "yes" : "n/a", have_lib_diff ? "yes" : "n/a");
	samples cli_diff[2] = { { 0 } }, lib_diff[2] = { { 0 } }, git_diff[2] = { { 0 } };
	size_t changes[2] = { 0, 0 };
	for (int kind = 0; kind < 2; kind++) {
		for (size_t k = 0; k < d_n; k++) {
			size_t i, j;
			if (kind == 0) {
				i = rng_below(n - 1);
				j = i + 1;
			} else {
				/* Distant: at least half the history apart. */
				i = rng_below(n - n / 2);
				j = i + n / 2 + rng_below(n - n / 2 - i);
				if (j >= n)
					j = n - 1;
			}
			char r1[64], r2[64];
			xsnprintf(r1, sizeof r1, "%s", revs[i]);
			xsnprintf(r2, sizeof r2, "%s", revs[j]);
			char *gd[] = { "git", "diff", "--no-color", "--no-ext-diff", r1, r2, "--", "state.json", NULL };
			push(&git_diff[kind], run_ok(gd, repo, false).ms);
			if (have_cli_diff) {
				char a[32], b[32];
				xsnprintf(a, sizeof a, "%" PRId64, cli_ids[i]);
				xsnprintf(b, sizeof b, "%" PRId64, cli_ids[j]);
				char *cd[] = { (char *)o->bin, "--store", cli_store, "diff", a, b, NULL };
				proc_result r = run(cd, NULL, false);
				/* diff(1)-style exit 1 ("differences found") is a success here. */
				if (r.status > 1)
					die("snapscope diff %s %s failed (status %d)", a, b, r.status);
				push(&cli_diff[kind], r.ms);
			}
			{
				ss_manager *m = open_mgr(lib_store, SS_STORE_TYPE_DISK);
				ss_diff d = { 0 };
				int64_t t0 = now_ns();
				if (ss_diff_snapshots(m, ids[i], ids[j], NULL, &d) != SS_OK)
					die("ss_diff_snapshots: %s", ss_errmsg(m));
				push(&lib_diff[kind], (double)(now_ns() - t0) / 1e6);
				changes[kind] += d.n;
				ss_diff_clear(&d);
				ss_close(m);
			}
		}
	}

	/* ---- the table ---- */
	char a[64], b[64], r[64], line[256];
	fprintf(md, "\n### %s\n\n", o->name);
	if (o->note)
		fprintf(md, "%s\n\n", o->note);
	fmt_bytes(a, sizeof a, raw_med);
	fmt_bytes(b, sizeof b, file_med);
	fmt_bytes(r, sizeof r, raw_max);
	fprintf(md, "%zu snapshots; state median %s compact (max %s), %s as the committed "
	        "pretty file (both tools get these bytes); %zu random reads, %zu diff pairs "
	        "of each kind.\n\n", n, a, r, b, r_n, d_n);
	fprintf(md, "| metric | snapscope | git | ratio (snapscope/git) |\n|---|---|---|---|\n");
	row_ms("capture, one process per snapshot (`capture` vs `add`+`commit`), median",
	       pct(&cli_capture, 50), pct(&git_commit, 50));
	row_ms("capture, one process per snapshot, p90", pct(&cli_capture, 90), pct(&git_commit, 90));
	row_ms("capture in-process (parse + `ss_create`) vs `add`+`commit`, median",
	       pct(&lib_total, 50), pct(&git_commit, 50));
	row_ms("capture in-process, p90", pct(&lib_total, 90), pct(&git_commit, 90));
	row_ms("  of which parse (`ss_state_parse`), median", pct(&lib_parse, 50), NAN);
	row_ms("  of which after parsing (`ss_create`: canonical form, checksum, diff, compress, insert), median",
	       pct(&lib_create, 50), NAN);
	xsnprintf(a, sizeof a, "%.2f", pct(&lib_create, 50) / pct(&lib_parse, 50));
	row_text("  after-parse / parse (target < 1)", a, "", "");
	fmt_ms(b, sizeof b, gc.ms);
	xsnprintf(line, sizeof line, "%s, peak %.0f MiB", b, (double)gc.maxrss_kb / 1024);
	row_text("offline repack (`git gc --aggressive`)", "none", line, "");
	row_bytes("store bytes per snapshot (after capture; git: after gc)",
	          (double)cli_store_bytes / (double)n, (double)git_packed / (double)n);
	row_bytes("  in-process store, bytes per snapshot",
	          (double)lib_store_bytes / (double)n, (double)git_packed / (double)n);
	row_bytes("  git before gc (loose objects), bytes per snapshot",
	          (double)cli_store_bytes / (double)n, (double)git_loose / (double)n);
	xsnprintf(a, sizeof a, "%" PRId64 " / %" PRId64 " (longest chain %" PRId64 ")",
	         stats.keyframes, stats.deltas, stats.max_chain);
	row_text("  keyframes / deltas", a, "", "");
	row_ms("read any version (`show ID` vs `git show REV:state.json`), median",
	       pct(&cli_show, 50), pct(&git_show, 50));
	row_ms("read any version, p99", pct(&cli_show, 99), pct(&git_show, 99));
	row_ms("read any version in-process (`ss_get`, cold DISK manager), median",
	       pct(&lib_cold, 50), pct(&git_show, 50));
	row_ms("read any version in-process, p99", pct(&lib_cold, 99), pct(&git_show, 99));
	row_ms("step to the adjacent snapshot (`ss_get` id+1, warm HYBRID) vs `git show`, median",
	       pct(&lib_step, 50), pct(&git_step, 50));
	row_ms("step to the adjacent snapshot, p99", pct(&lib_step, 99), pct(&git_step, 99));
	const char *kinds[2] = { "adjacent", "distant" };
	for (int kind = 0; kind < 2; kind++) {
		xsnprintf(line, sizeof line, "diff %s (`snapscope diff` vs `git diff`), median", kinds[kind]);
		row_ms(line, have_cli_diff ? pct(&cli_diff[kind], 50) : NAN, pct(&git_diff[kind], 50));
		xsnprintf(line, sizeof line, "diff %s in-process (`ss_diff_snapshots`, cold; %.0f changes on average) "
		          "vs `git diff`, median", kinds[kind], d_n ? (double)changes[kind] / (double)d_n : 0.0);
		row_ms(line, have_lib_diff ? pct(&lib_diff[kind], 50) : NAN, pct(&git_diff[kind], 50));
	}
	row_bytes("peak memory, capture per process (max RSS of any one call)",
	          (double)cli_capture_rss * 1024, (double)git_commit_rss * 1024);
	row_bytes("peak memory, in-process capture loop (RSS growth over the open manager)",
	          (double)(loop_rss_after - loop_rss_before) * 1024, NAN);
	xsnprintf(a, sizeof a, "%.1fx in-process, %.1fx per process",
	          (double)(loop_rss_after - loop_rss_before) * 1024 / raw_max,
	          (double)cli_capture_rss * 1024 / raw_max);
	xsnprintf(b, sizeof b, "%.1fx", (double)git_commit_rss * 1024 / raw_max);
	row_text("  peak memory / largest state (compact), target < 4x", a, b, "");
	xsnprintf(a, sizeof a, "%zu / %zu", equal, checked);
	row_text("read-back check: canonical bytes equal to the input", a, "", "");

	/* ---- targets ---- */
	targets[0] = '\0';
	double v1 = pct(&cli_capture, 50), g1 = pct(&git_commit, 50);
	target(v1 <= g1, "capture per process at least as fast as git add+commit: %.1f ms vs %.1f ms (%.2fx)",
	       v1, g1, v1 / g1);
	double v2 = pct(&lib_total, 50);
	target(2 * v2 <= g1, "in-process capture at least 2x faster than git: %.1f ms vs %.1f ms (speed-up %.2fx)",
	       v2, g1, g1 / v2);
	double p = pct(&lib_parse, 50), c = pct(&lib_create, 50);
	target(c < p, "after parsing costs less than parsing: %.1f ms vs %.1f ms (%.2fx)", c, p, c / p);
	double sb = (double)cli_store_bytes / (double)n, gb = (double)git_packed / (double)n;
	target(sb <= gb, "store bytes per snapshot <= git after gc --aggressive: %.0f B vs %.0f B (%.2fx; gc took %.1f s, %.0f MiB)",
	       sb, gb, sb / gb, gc.ms / 1000, (double)gc.maxrss_kb / 1024);
	double s1 = pct(&cli_show, 50), s2 = pct(&git_show, 50);
	target(s1 < s2, "`show ID` faster than `git show`: %.1f ms vs %.1f ms (%.2fx)", s1, s2, s1 / s2);
	double st = pct(&lib_step, 50), st99 = pct(&lib_step, 99);
	target(st99 < 10, "stepping to the adjacent snapshot under 10 ms: median %.2f ms, p99 %.2f ms", st, st99);
	double gd = pct(&git_diff[1], 50);
	if (have_cli_diff) {
		double dd = pct(&cli_diff[1], 50);
		target(dd < gd, "distant diff faster than git diff: `snapscope diff` %.1f ms vs %.1f ms (%.2fx)",
		       dd, gd, dd / gd);
	} else if (have_lib_diff) {
		double dd = pct(&lib_diff[1], 50);
		target(dd < gd, "distant diff faster than git diff: in-process %.1f ms vs %.1f ms (%.2fx; "
		       "`snapscope diff` not built yet)", dd, gd, dd / gd);
	} else {
		target_na("distant diff vs git diff: no diff in this build (git diff %.1f ms)", gd);
	}
	double mem = (double)(loop_rss_after - loop_rss_before) * 1024;
	target(mem < 4 * raw_max, "peak memory while capturing under 4x the state: %.1f MiB for a %.2f MiB state (%.1fx)",
	       mem / (1 << 20), raw_max / (1 << 20), mem / raw_max);
	target(equal == checked, "every sampled snapshot reads back byte-for-byte in canonical form: %zu / %zu",
	       equal, checked);
	fprintf(md, "\nTargets (issue 3) on this workload:\n\n%s", targets);
	fflush(md);

	for (size_t i = 0; i < n; i++)
		free(revs[i]);
	free(revs);
	free(ids);
	free(cli_ids);
	free(h.raw_bytes);
	free(h.file_bytes);
	(void)loop;
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: bench run --name NAME --input FILE [--field KEY] [--steps N] [--samples R]\n"
	        "                 [--seed X] --snapscope BIN --tmp DIR [--note TEXT]\n"
	        "       bench sqlite-version\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "sqlite-version")) {
		printf("%s\n", sqlite3_libversion());
		return 0;
	}
	if (argc == 6 && !strcmp(argv[1], "capture-loop"))
		return capture_loop(argv[2], argv[3], strtol(argv[4], NULL, 10), argv[5]);
	if (argc < 2 || strcmp(argv[1], "run"))
		usage();
	opts o = { .steps = 0, .samples = 50, .seed = 1 };
	for (int i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		const char *k = argv[i], *v = argv[++i];
		if (!strcmp(k, "--name")) o.name = v;
		else if (!strcmp(k, "--input")) o.input = v;
		else if (!strcmp(k, "--field")) o.field = v;
		else if (!strcmp(k, "--steps")) o.steps = strtol(v, NULL, 10);
		else if (!strcmp(k, "--samples")) o.samples = strtol(v, NULL, 10);
		else if (!strcmp(k, "--seed")) o.seed = strtoull(v, NULL, 10);
		else if (!strcmp(k, "--snapscope")) o.bin = v;
		else if (!strcmp(k, "--tmp")) o.tmp = v;
		else if (!strcmp(k, "--note")) o.note = v;
		else usage();
	}
	if (!o.name || !o.input || !o.bin || !o.tmp || o.samples < 1)
		usage();
	/* The capture loop is this program again, freshly exec'd. */
	static char self[4096];
	ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
	if (sl <= 0)
		die("cannot find myself: %s", strerror(errno));
	self[sl] = '\0';
	o.self = self;
	/* git reads only the temporary repository's config: never the user's
	 * or the system's, never a pager or a prompt. */
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	setenv("HOME", o.tmp, 1);
	setenv("XDG_CONFIG_HOME", o.tmp, 1);
	setenv("GIT_TERMINAL_PROMPT", "0", 1);
	setenv("GIT_PAGER", "cat", 1);
	setenv("LC_ALL", "C", 1);
	md = stdout;
	return bench_run(&o);
}
