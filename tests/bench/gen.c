/*
 * gen.c - a deterministic history of a multi-agent system's state, for
 * `make bench`.
 *
 *   gen --bytes N --steps S [--change-pct P] [--seed X] -o FILE
 *
 * Writes S lines of JSON Lines to FILE, one compact state per line, so that
 * snapscope and git scraping are fed exactly the same inputs.  The state has
 * the shape of the demo (system, agents, tasks, memory, communications,
 * resources) scaled so that its compact form is about N bytes.  Each step
 * changes about P % of the leaves (default 1), inserts and removes tasks and
 * memory entries in the middle of their arrays, appends messages to the log
 * and drops the oldest ones, as such a system does between two captures.
 *
 * One tree is built once and changed in place; everything random comes from
 * a splitmix64 stream (rand() differs between C libraries) and reals are
 * integers divided by a power of ten, so one seed gives the same bytes on
 * every machine.  The compact form is written with ss_json_dump(), whose
 * shortest round-trip reals are the ones a real service would send.
 */
#include "snapscope.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- randomness ---------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in [0, n) for n > 0. */
static size_t rng_below(size_t n)
{
	return (size_t)(rng_next() % (uint64_t)n);
}

static int rng_range(int lo, int hi)
{
	return lo + (int)rng_below((size_t)(hi - lo + 1));
}

/* ---- vocabulary ---------------------------------------------------------- */

static const char *const words[] = {
	"plan", "review", "merge", "index", "cache", "schema", "retry", "deploy",
	"latency", "budget", "token", "vector", "shard", "replica", "queue", "batch",
	"summarise", "extract", "validate", "migrate", "rollback", "canary", "probe",
	"embedding", "prompt", "context", "window", "gradient", "eval", "report",
	"données", "résumé", "naïve", "日本語", "検証", "🚀", "customer", "invoice",
};
#define N_WORDS (sizeof words / sizeof words[0])

static const char *const roles[] = { "planner", "coder", "reviewer", "researcher", "tester" };
static const char *const models[] = { "large-2026-01", "code-xl-3", "small-fast-2", "vision-1" };
static const char *const agent_status[] = { "idle", "busy", "blocked", "failed" };
static const char *const task_status[] = { "queued", "assigned", "running", "review", "done", "failed" };
static const char *const msg_kinds[] = { "request", "reply", "broadcast", "error", "heartbeat" };
#define PICK(a) ((a)[rng_below(sizeof(a) / sizeof((a)[0]))])

/* A sentence of lo..hi random words. */
static json_t *text(int lo, int hi)
{
	char buf[1024];
	size_t len = 0;
	int n = rng_range(lo, hi);
	for (int i = 0; i < n; i++) {
		const char *w = words[rng_below(N_WORDS)];
		size_t wl = strlen(w);
		if (len + wl + 2 >= sizeof buf)
			break;
		if (i)
			buf[len++] = ' ';
		memcpy(buf + len, w, wl);
		len += wl;
	}
	buf[len] = '\0';
	return json_string(buf);
}

/* Simulated clock: step k is captured 5 s after step k-1. */
#define EPOCH_MS INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */
static int64_t now_ms;

static json_t *stamp(int64_t ms)
{
	char buf[40];
	ss_time_format_utc(ms, buf, sizeof buf);
	return json_string(buf);
}

static json_t *real(int64_t units, double scale)
{
	return json_real((double)units / scale);
}

/* ---- records ------------------------------------------------------------- */

static uint64_t next_agent, next_task, next_mem, next_msg;
static size_t n_agents_total;

static json_t *agent_id(size_t i)
{
	char buf[32];
	snprintf(buf, sizeof buf, "agt-%05zu", i + 1);
	return json_string(buf);
}

static json_t *new_agent(void)
{
	char buf[48];
	uint64_t k = next_agent++;
	json_t *a = json_object();
	snprintf(buf, sizeof buf, "agt-%05" PRIu64, k + 1);
	json_object_set_new(a, "id", json_string(buf));
	const char *role = PICK(roles);
	snprintf(buf, sizeof buf, "%s-%" PRIu64, role, k + 1);
	json_object_set_new(a, "name", json_string(buf));
	json_object_set_new(a, "role", json_string(role));
	json_object_set_new(a, "model", json_string(PICK(models)));
	json_object_set_new(a, "status", json_string(PICK(agent_status)));
	json_object_set_new(a, "current_task", json_null());
	json_t *m = json_object();
	json_object_set_new(m, "tasks_done", json_integer(rng_range(0, 500)));
	json_object_set_new(m, "tokens_used", json_integer(rng_range(1000, 2000000)));
	json_object_set_new(m, "avg_latency_ms", real(rng_range(500, 90000), 10.0));
	json_object_set_new(m, "error_rate", real(rng_range(0, 300), 1000.0));
	json_object_set_new(a, "metrics", m);
	json_t *c = json_object();
	json_object_set_new(c, "temperature", real(rng_range(0, 10), 10.0));
	json_object_set_new(c, "max_tokens", json_integer(4096 << rng_range(0, 3)));
	json_object_set_new(a, "config", c);
	json_object_set_new(a, "last_heartbeat", stamp(now_ms));
	return a;
}

static json_t *new_task(void)
{
	char buf[32];
	json_t *t = json_object();
	snprintf(buf, sizeof buf, "T-%07" PRIu64, ++next_task);
	json_object_set_new(t, "id", json_string(buf));
	json_object_set_new(t, "title", text(3, 9));
	json_object_set_new(t, "status", json_string(PICK(task_status)));
	json_object_set_new(t, "assignee", agent_id(rng_below(n_agents_total)));
	json_object_set_new(t, "priority", json_integer(rng_range(1, 5)));
	json_object_set_new(t, "progress", real(rng_range(0, 100), 100.0));
	json_object_set_new(t, "attempts", json_integer(rng_range(0, 3)));
	json_object_set_new(t, "created_at", stamp(now_ms - rng_range(0, 3600) * 1000));
	json_object_set_new(t, "updated_at", stamp(now_ms));
	json_t *tags = json_array();
	for (int i = rng_range(0, 3); i > 0; i--)
		json_array_append_new(tags, json_string(words[rng_below(N_WORDS)]));
	json_object_set_new(t, "tags", tags);
	json_object_set_new(t, "result", json_null());
	return t;
}

static json_t *new_memory(void)
{
	char buf[32];
	json_t *m = json_object();
	snprintf(buf, sizeof buf, "mem/%08" PRIu64, ++next_mem);
	json_object_set_new(m, "key", json_string(buf));
	json_object_set_new(m, "value", text(4, 16));
	json_object_set_new(m, "written_by", agent_id(rng_below(n_agents_total)));
	json_object_set_new(m, "written_at", stamp(now_ms));
	json_object_set_new(m, "ttl_s", json_integer(60 * rng_range(1, 120)));
	json_object_set_new(m, "hits", json_integer(0));
	return m;
}

static json_t *new_message(void)
{
	char buf[32];
	json_t *m = json_object();
	snprintf(buf, sizeof buf, "M-%08" PRIu64, ++next_msg);
	json_object_set_new(m, "id", json_string(buf));
	json_object_set_new(m, "from", agent_id(rng_below(n_agents_total)));
	json_object_set_new(m, "to", agent_id(rng_below(n_agents_total)));
	json_object_set_new(m, "at", stamp(now_ms));
	json_object_set_new(m, "kind", json_string(PICK(msg_kinds)));
	json_object_set_new(m, "text", text(4, 14));
	return m;
}

static json_t *new_node(size_t i)
{
	char buf[32];
	json_t *n = json_object();
	snprintf(buf, sizeof buf, "node-%03zu", i + 1);
	json_object_set_new(n, "name", json_string(buf));
	json_object_set_new(n, "cpu_pct", real(rng_range(0, 1000), 10.0));
	json_object_set_new(n, "mem_mb", json_integer(rng_range(1000, 64000)));
	json_object_set_new(n, "gpu_util", real(rng_range(0, 100), 100.0));
	json_object_set_new(n, "healthy", json_boolean(rng_below(20) != 0));
	return n;
}

/* ---- the state ----------------------------------------------------------- */

typedef struct counts {
	size_t agents, tasks, memory, comms, nodes;
} counts;

static json_t *build(const counts *c)
{
	json_t *s = json_object();
	json_t *sys = json_object();
	json_object_set_new(sys, "name", json_string("orchestrator"));
	json_object_set_new(sys, "version", json_string("2.4.1"));
	json_object_set_new(sys, "environment", json_string("bench"));
	json_object_set_new(sys, "step", json_integer(0));
	json_object_set_new(sys, "captured_at", stamp(now_ms));
	json_object_set_new(s, "system", sys);

	n_agents_total = c->agents;
	json_t *a = json_array();
	for (size_t i = 0; i < c->agents; i++)
		json_array_append_new(a, new_agent());
	json_object_set_new(s, "agents", a);
	json_t *t = json_array();
	for (size_t i = 0; i < c->tasks; i++)
		json_array_append_new(t, new_task());
	json_object_set_new(s, "tasks", t);
	json_t *m = json_array();
	for (size_t i = 0; i < c->memory; i++)
		json_array_append_new(m, new_memory());
	json_object_set_new(s, "memory", m);
	json_t *cm = json_array();
	for (size_t i = 0; i < c->comms; i++)
		json_array_append_new(cm, new_message());
	json_object_set_new(s, "communications", cm);
	json_t *r = json_object();
	json_object_set_new(r, "cpu_pct", real(rng_range(0, 1000), 10.0));
	json_object_set_new(r, "queue_depth", json_integer(rng_range(0, 500)));
	json_t *nodes = json_array();
	for (size_t i = 0; i < c->nodes; i++)
		json_array_append_new(nodes, new_node(i));
	json_object_set_new(r, "nodes", nodes);
	json_object_set_new(s, "resources", r);
	return s;
}

/* Leaves (scalars) of a tree; recursion is fine on our own shallow tree. */
static size_t count_leaves(const json_t *v)
{
	size_t n = 0;
	if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)v, k, x)
			n += count_leaves(x);
	} else if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
			n += count_leaves(x);
	} else {
		n = 1;
	}
	return n;
}

static json_t *random_item(json_t *state, const char *key)
{
	json_t *arr = json_object_get(state, key);
	size_t n = json_array_size(arr);
	return n ? json_array_get(arr, rng_below(n)) : NULL;
}

static void bump(json_t *obj, const char *key, int lo, int hi)
{
	json_t *v = json_object_get(obj, key);
	json_object_set_new(obj, key, json_integer(json_integer_value(v) + rng_range(lo, hi)));
}

/* Change one leaf somewhere, the way a running system does. */
static void change_leaf(json_t *state)
{
	size_t pick = rng_below(100);
	json_t *x;
	if (pick < 20 && (x = random_item(state, "agents"))) {
		json_t *m = json_object_get(x, "metrics");
		switch (rng_below(7)) {
		case 0: json_object_set_new(x, "status", json_string(PICK(agent_status))); break;
		case 1: {
			json_t *t = random_item(state, "tasks");
			json_object_set(x, "current_task", t ? json_object_get(t, "id") : json_null());
			break;
		}
		case 2: bump(m, "tasks_done", 1, 1); break;
		case 3: bump(m, "tokens_used", 100, 9000); break;
		case 4: json_object_set_new(m, "avg_latency_ms", real(rng_range(500, 90000), 10.0)); break;
		case 5: json_object_set_new(m, "error_rate", real(rng_range(0, 300), 1000.0)); break;
		default: json_object_set_new(x, "last_heartbeat", stamp(now_ms)); break;
		}
	} else if (pick < 80 && (x = random_item(state, "tasks"))) {
		switch (rng_below(5)) {
		case 0: json_object_set_new(x, "status", json_string(PICK(task_status))); break;
		case 1: json_object_set_new(x, "progress", real(rng_range(0, 100), 100.0)); break;
		case 2: bump(x, "attempts", 1, 1); break;
		case 3: json_object_set_new(x, "assignee", agent_id(rng_below(n_agents_total))); break;
		default: json_object_set_new(x, "updated_at", stamp(now_ms)); break;
		}
	} else if (pick < 95 && (x = random_item(state, "memory"))) {
		switch (rng_below(3)) {
		case 0: json_object_set_new(x, "value", text(4, 16)); break;
		case 1: bump(x, "hits", 1, 3); break;
		default: json_object_set_new(x, "written_at", stamp(now_ms)); break;
		}
	} else {
		json_t *nodes = json_object_get(json_object_get(state, "resources"), "nodes");
		size_t n = json_array_size(nodes);
		if (!n)
			return;
		x = json_array_get(nodes, rng_below(n));
		if (rng_below(2))
			json_object_set_new(x, "cpu_pct", real(rng_range(0, 1000), 10.0));
		else
			json_object_set_new(x, "gpu_util", real(rng_range(0, 100), 100.0));
	}
}

/* Insert `n` fresh items at random middle positions, remove `n` others. */
static void churn(json_t *arr, size_t n, json_t *(*make)(void))
{
	for (size_t i = 0; i < n; i++) {
		size_t len = json_array_size(arr);
		json_array_insert_new(arr, len ? rng_below(len + 1) : 0, make());
		len++;
		if (len > 2)
			json_array_remove(arr, 1 + rng_below(len - 2));
	}
}

static void step(json_t *state, int k, size_t leaf_changes, const counts *c)
{
	json_t *sys = json_object_get(state, "system");
	json_object_set_new(sys, "step", json_integer(k));
	json_object_set_new(sys, "captured_at", stamp(now_ms));
	json_t *res = json_object_get(state, "resources");
	json_object_set_new(res, "cpu_pct", real(rng_range(0, 1000), 10.0));
	json_object_set_new(res, "queue_depth", json_integer(rng_range(0, 500)));

	for (size_t i = 0; i < leaf_changes; i++)
		change_leaf(state);

	/* Structural changes scale with the arrays: about 0.1 % of the tasks
	 * and memory entries come and go, 0.5 % of the log rotates. */
	churn(json_object_get(state, "tasks"), rng_below(c->tasks / 1000 + 2) + 1, new_task);
	churn(json_object_get(state, "memory"), rng_below(c->memory / 1000 + 1) + 1, new_memory);
	json_t *log = json_object_get(state, "communications");
	size_t rot = rng_below(c->comms / 200 + 2) + 1;
	for (size_t i = 0; i < rot; i++) {
		json_array_append_new(log, new_message());
		json_array_remove(log, 0);
	}
}

/* Proportions of the compact bytes, and the rough size of one record. */
static counts counts_for(double bytes)
{
	counts c;
	c.agents = (size_t)fmax(4, bytes * 0.10 / 420);
	c.tasks = (size_t)fmax(8, bytes * 0.45 / 380);
	c.memory = (size_t)fmax(6, bytes * 0.20 / 260);
	c.comms = (size_t)fmax(10, bytes * 0.20 / 210);
	c.nodes = (size_t)fmax(2, bytes * 0.05 / 110);
	return c;
}

static void usage(void)
{
	fprintf(stderr, "usage: gen --bytes N --steps S [--change-pct P] [--seed X] -o FILE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double bytes = 0, pct = 1.0;
	long steps = 0;
	uint64_t seed = 42;
	const char *out = NULL;
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--bytes"))
			bytes = strtod(argv[++i], NULL);
		else if (!strcmp(argv[i], "--steps"))
			steps = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--change-pct"))
			pct = strtod(argv[++i], NULL);
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-o"))
			out = argv[++i];
		else
			usage();
	}
	if (bytes < 1000 || steps < 1 || pct < 0 || pct > 100 || !out)
		usage();

	/* Build once at the estimated counts, measure, and rebuild once scaled
	 * to the target: the record sizes above are only estimates. */
	now_ms = EPOCH_MS;
	rng_state = seed;
	counts c = counts_for(bytes);
	json_t *state = build(&c);
	size_t len;
	char *doc = ss_json_dump(state, 0, &len);
	if (!doc) {
		fprintf(stderr, "gen: out of memory\n");
		return 1;
	}
	free(doc);
	json_decref(state);
	c = counts_for(bytes * bytes / (double)len);
	rng_state = seed;
	next_agent = next_task = next_mem = next_msg = 0;
	state = build(&c);

	FILE *f = fopen(out, "w");
	if (!f) {
		fprintf(stderr, "gen: %s: %s\n", out, strerror(errno));
		return 1;
	}
	size_t leaves = count_leaves(state);
	size_t per_step = (size_t)fmax(1, round((double)leaves * pct / 100.0));
	size_t first_len = 0;
	for (long k = 0; k < steps; k++) {
		if (k) {
			now_ms += 5000;
			step(state, (int)k, per_step, &c);
		}
		doc = ss_json_dump(state, 0, &len);
		if (!doc) {
			fprintf(stderr, "gen: out of memory\n");
			return 1;
		}
		if (!k)
			first_len = len;
		if (fwrite(doc, 1, len, f) != len || fputc('\n', f) == EOF) {
			fprintf(stderr, "gen: %s: %s\n", out, strerror(errno));
			return 1;
		}
		free(doc);
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "gen: %s: %s\n", out, strerror(errno));
		return 1;
	}
	fprintf(stderr, "gen: %ld states of ~%zu bytes, %zu leaves, %zu leaf changes per step (%.2f %%) -> %s\n",
	        steps, first_len, leaves, per_step, pct, out);
	json_decref(state);
	return 0;
}
