/*
 * demo.c - ss_demo_fill(): a believable history for session "demo".
 *
 * It simulates the system snapscope was specified with: a multi-agent
 * orchestrator whose state holds agents, tasks, shared memory entries, a
 * bounded message log and resource gauges.  One JSON tree is built once and
 * changed in place, step by step, the way such a system changes between two
 * captures: a few leaves (progress, heartbeats, gauges), tasks queued,
 * assigned, finished and archived, messages rotating through the log, memory
 * entries written in key order and expiring - and one story on top of it:
 * a baseline, a deploy, planner-2 failing on a rate limit and recovering, a
 * milestone, and everything done at the end.  Each step is recorded with
 * ss_create(), which borrows the tree, so no copies are made.
 *
 * Everything random comes from splitmix64 streams seeded by the caller, and
 * floating-point values are integers scaled only on output, so one seed
 * gives the same history, byte for byte and checksum for checksum, on every
 * run: the tests and the screenshots rely on that.
 *
 * The content deliberately carries what the display must cope with:
 * Japanese and accented titles, emoji in messages, and one message holding a
 * raw terminal colour sequence copied from a log line.
 */
#include "snapscope.h"
#include "manager.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DEMO_SESSION "demo"
#define DEMO_COMMS_MAX 20       /* messages kept in the log; older ones drop */
#define DEMO_TASKS_MAX 16       /* past this, the oldest finished tasks are archived */
#define DEMO_MEMORY_MAX 28      /* past this, the oldest memory entries are evicted */
#define DEMO_APPEND_GAP_MS 60000 /* pause between an earlier history and an appended one */
#define DEMO_TEXT_MAX 512

/* ---- randomness ---------------------------------------------------------- */

/* splitmix64: tiny, fast, and good enough for a simulation; rand() is not
 * used because its sequence differs between C libraries. */
typedef struct demo_rng {
	uint64_t s;
} demo_rng;

static uint64_t rng_next(demo_rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in [0, n) for n > 0 (multiply-shift: no modulo bias to speak of). */
static int rng_below(demo_rng *r, int n)
{
	return (int)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]. */
static int rng_range(demo_rng *r, int lo, int hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

static bool rng_chance(demo_rng *r, int percent)
{
	return rng_below(r, 100) < percent;
}

/* ---- the cast ------------------------------------------------------------ */

static const struct demo_agent {
	const char *id;
	const char *name;
	const char *role;
	const char *model;
	int latency_tenths;         /* typical call latency, 0.1 ms units */
} agent_defs[] = {
	{ "agt-01", "planner-1", "planner", "large-2026-01", 9120 },
	{ "agt-02", "planner-2", "planner", "large-2026-01", 8870 },
	{ "agt-03", "coder-1", "coder", "code-xl-3", 14350 },
	{ "agt-04", "coder-2", "coder", "code-xl-3", 13980 },
	{ "agt-05", "reviewer-1", "reviewer", "large-2026-01", 6410 },
	{ "agt-06", "researcher-1", "researcher", "search-mini-2", 4220 },
};
#define AGENT_N (sizeof agent_defs / sizeof agent_defs[0])
#define AGENT_FAILING 1         /* planner-2: the incident's victim */

static const char *const plan_titles[] = {
	"Plan the billing service migration",
	"Draft the rollout plan for café-locator v2",
	"Split epic SEARCH-88 into tasks",
	"Plan capacity for the holiday traffic peak",
};
static const char *const code_titles[] = {
	"Implement retry with jitter in the HTTP client",
	"ログ解析ツールのエラー処理を修正する",
	"Fix off-by-one in the paginator",
	"Add Unicode normalisation (NFC) to the search index",
	"Move the session cache to the LRU allocator",
	"Remove the deprecated v1 export endpoint",
	"Stream large exports instead of buffering them",
};
static const char *const review_titles[] = {
	"Review schema migration 0042",
	"Review the cache eviction change",
	"Review the rate limiter configuration",
};
static const char *const research_titles[] = {
	"Compare vector stores for the memory backend",
	"Évaluer les limites de débit de l'API de recherche",
	"Summarise last week's incident reports",
	"Benchmark embedding models on the support corpus",
};

/* Idle talk between agents, so that the log moves without a task event. */
static const struct demo_chatter {
	int from, to;               /* indexes into agent_defs */
	const char *text;
} chatter[] = {
	{ 4, 2, "nit: please add a test for the empty page 👀" },
	{ 5, 0, "found 3 earlier incidents with the same signature" },
	{ 3, 2, "rebased on main, CI green ✅" },
	{ 0, 1, "backlog groomed, 2 items deferred to next sprint" },
	{ 2, 4, "could you take another look at the retry budget?" },
	{ 5, 3, "the benchmark numbers are in reports/, p95 down 18%" },
	{ 1, 0, "I'll take the indexing epic if nobody objects" },
};

/* ---- the simulation ------------------------------------------------------ */

typedef struct demo_sim {
	demo_rng rng;
	json_t *state;              /* owned: the whole tree */
	json_t *system, *agents, *tasks, *memory, *comms, *resources; /* borrowed from state */
	int64_t now_ms;             /* the time of the step being built */
	char now[40];               /* now_ms as RFC 3339 */
	int next_task;              /* number of the next task id (T-101 on) */
	json_int_t next_msg;        /* id of the next message */
	int tasks_done;             /* finished during the run, for the milestone */
	int cpu_tenths;             /* gauges, integers so that output is exact */
	int mem_mb;
	int latency[AGENT_N];       /* running mean latency per agent, 0.1 ms units */
	int runs[AGENT_N];          /* attempts finished, for error_rate */
	int failures[AGENT_N];
	char incident_task[16];     /* the task that failed in the incident */
	bool rate_limited;          /* between the incident and the recovery */
	bool winding_down;          /* no new work; agents sign off */
	bool oom;                   /* a jansson allocation failed somewhere */
} demo_sim;

/* Jansson reports allocation failures through return values at every
 * insertion; rather than check each at the call site, the helpers below
 * record them in s->oom and the step fails as a whole.  A failed insertion
 * has already released the value, so the inserting helpers return it only
 * when it went in (NULL otherwise): a container is used through that return
 * value, never through the pointer handed in, and jansson's getters and
 * setters tolerate the NULL. */
static json_t *put(demo_sim *s, json_t *obj, const char *key, json_t *val)
{
	if (json_object_set_new(obj, key, val) != 0) {
		s->oom = true;
		return NULL;
	}
	return val;
}

static void put_str(demo_sim *s, json_t *obj, const char *key, const char *text)
{
	put(s, obj, key, json_string(text));
}

static void put_int(demo_sim *s, json_t *obj, const char *key, json_int_t v)
{
	put(s, obj, key, json_integer(v));
}

/* A real from an integer count of 1/scale units: 37 and 100 give 0.37. */
static void put_real(demo_sim *s, json_t *obj, const char *key, json_int_t units, int scale)
{
	put(s, obj, key, json_real((double)units / (double)scale));
}

static json_t *push(demo_sim *s, json_t *arr, json_t *val)
{
	if (json_array_append_new(arr, val) != 0) {
		s->oom = true;
		return NULL;
	}
	return val;
}

static json_t *insert_at(demo_sim *s, json_t *arr, size_t index, json_t *val)
{
	if (json_array_insert_new(arr, index, val) != 0) {
		s->oom = true;
		return NULL;
	}
	return val;
}

static const char *get_str(const json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));
	return v ? v : "";
}

static bool str_is(const json_t *obj, const char *key, const char *text)
{
	return strcmp(get_str(obj, key), text) == 0;
}

static json_int_t get_int(const json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

static void set_time(demo_sim *s, int64_t ms)
{
	s->now_ms = ms;
	ss_time_format_utc(ms, s->now, sizeof s->now);
}

static int agent_index(const char *id)
{
	for (size_t i = 0; i < AGENT_N; i++)
		if (strcmp(agent_defs[i].id, id) == 0)
			return (int)i;
	return -1;
}

static json_t *agent_at(demo_sim *s, int i)
{
	return json_array_get(s->agents, (size_t)i);
}

static json_t *task_find(demo_sim *s, const char *id)
{
	size_t i;
	json_t *t;
	json_array_foreach(s->tasks, i, t)
		if (str_is(t, "id", id))
			return t;
	return NULL;
}

static const char *role_of_task(const json_t *task)
{
	return get_str(task, "role");
}

/* Append a message to the log, dropping the oldest past the bound. */
static void say(demo_sim *s, const char *from, const char *to, const char *fmt, ...)
{
	char text[DEMO_TEXT_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	json_t *msg = json_object();
	put_int(s, msg, "id", s->next_msg++);
	put_str(s, msg, "at", s->now);
	put_str(s, msg, "from", from);
	put_str(s, msg, "to", to);
	put_str(s, msg, "text", text);
	push(s, s->comms, msg);
	while (json_array_size(s->comms) > DEMO_COMMS_MAX)
		json_array_remove(s->comms, 0);
}

/* ---- shared memory ------------------------------------------------------- */

/* Write `key` (stealing `value`); entries stay sorted by key, so a new key
 * usually lands in the middle of the array.  ttl_s <= 0: no expiry. */
static void mem_write(demo_sim *s, const char *key, json_t *value, const char *by, int ttl_s)
{
	size_t i, n = json_array_size(s->memory);
	json_t *e = NULL;
	for (i = 0; i < n; i++) {
		json_t *cur = json_array_get(s->memory, i);
		int c = strcmp(get_str(cur, "key"), key);
		if (c == 0)
			e = cur;
		if (c >= 0)
			break;
	}
	if (!e) {
		e = insert_at(s, s->memory, i, json_object());
		put_str(s, e, "key", key);
	}
	put(s, e, "value", value);
	put_str(s, e, "written_by", by);
	put_str(s, e, "written_at", s->now);
	put(s, e, "ttl", ttl_s > 0 ? json_integer(ttl_s) : json_null());
}

static void mem_delete(demo_sim *s, const char *key)
{
	size_t i;
	json_t *e;
	json_array_foreach(s->memory, i, e) {
		if (str_is(e, "key", key)) {
			json_array_remove(s->memory, i);
			return;
		}
	}
}

/* Drop expired entries, then the oldest while over the bound.  Times are
 * compared as RFC 3339 strings: the format is fixed-width, so the order of
 * the strings is the order of the times. */
static void mem_expire(demo_sim *s)
{
	for (size_t i = json_array_size(s->memory); i-- > 0;) {
		json_t *e = json_array_get(s->memory, i);
		json_int_t ttl = get_int(e, "ttl");
		if (ttl <= 0)
			continue;
		char cutoff[40];
		ss_time_format_utc(s->now_ms - (int64_t)ttl * 1000, cutoff, sizeof cutoff);
		if (strcmp(get_str(e, "written_at"), cutoff) < 0)
			json_array_remove(s->memory, i);
	}
	while (json_array_size(s->memory) > DEMO_MEMORY_MAX) {
		size_t oldest = 0;
		for (size_t i = 1; i < json_array_size(s->memory); i++)
			if (strcmp(get_str(json_array_get(s->memory, i), "written_at"),
			           get_str(json_array_get(s->memory, oldest), "written_at")) < 0)
				oldest = i;
		json_array_remove(s->memory, oldest);
	}
}

/* ---- agents and tasks ---------------------------------------------------- */

static void heartbeat(demo_sim *s, int a)
{
	put_str(s, agent_at(s, a), "last_heartbeat", s->now);
}

static void agent_set(demo_sim *s, int a, const char *status, const char *task_id)
{
	json_t *agent = agent_at(s, a);
	put_str(s, agent, "status", status);
	put(s, agent, "current_task", task_id ? json_string(task_id) : json_null());
}

/* Recompute the metrics that derive from the hidden counters. */
static void agent_metrics(demo_sim *s, int a, int tokens)
{
	json_t *m = json_object_get(agent_at(s, a), "metrics");
	put_int(s, m, "tokens_used", get_int(m, "tokens_used") + tokens);
	put_real(s, m, "avg_latency_ms", s->latency[a], 10);
	int total = s->runs[a];
	put_real(s, m, "error_rate", total ? (s->failures[a] * 1000 + total / 2) / total : 0, 1000);
}

/* Create a pending task at `index` (the end when past it).  Returns it
 * borrowed from the tasks array (NULL when out of memory). */
static json_t *task_new(demo_sim *s, const char *role, const char *title, const char *priority,
                        size_t index)
{
	char id[16];
	snprintf(id, sizeof id, "T-%d", s->next_task++);
	json_t *t = json_object();
	put_str(s, t, "id", id);
	put_str(s, t, "title", title);
	put_str(s, t, "role", role);
	put_str(s, t, "status", "pending");
	put_str(s, t, "priority", priority);
	put_real(s, t, "progress", 0, 100);
	put(s, t, "assigned_to", json_null());
	put_int(s, t, "attempts", 0);
	put_str(s, t, "created_at", s->now);
	if (index >= json_array_size(s->tasks))
		t = push(s, s->tasks, t);
	else
		t = insert_at(s, s->tasks, index, t);
	return s->oom ? NULL : t;
}

static void task_start(demo_sim *s, json_t *task, int a)
{
	put_str(s, task, "status", "running");
	put_str(s, task, "assigned_to", agent_defs[a].id);
	put_int(s, task, "attempts", get_int(task, "attempts") + 1);
	put_str(s, task, "started_at", s->now);
	agent_set(s, a, "working", get_str(task, "id"));
	heartbeat(s, a);
}

static void task_result(demo_sim *s, json_t *task, int a)
{
	char summary[DEMO_TEXT_MAX], art[64];
	const char *id = get_str(task, "id");
	json_t *artifacts = json_array();
	const char *role = agent_defs[a].role;
	if (strcmp(role, "planner") == 0) {
		snprintf(summary, sizeof summary, "Plan with %d subtasks; risks noted in the memo",
		         rng_range(&s->rng, 3, 9));
		snprintf(art, sizeof art, "plans/%s.md", id);
		push(s, artifacts, json_string(art));
	} else if (strcmp(role, "coder") == 0) {
		int pr = rng_range(&s->rng, 400, 999);
		int files = rng_range(&s->rng, 1, 14), tests = rng_range(&s->rng, 0, 9);
		snprintf(summary, sizeof summary, "Patch merged: %d file%s changed, %d test%s added",
		         files, files == 1 ? "" : "s", tests, tests == 1 ? "" : "s");
		snprintf(art, sizeof art, "pr/%d", pr);
		push(s, artifacts, json_string(art));
		snprintf(art, sizeof art, "ci/run/%d", rng_range(&s->rng, 20000, 29999));
		push(s, artifacts, json_string(art));
	} else if (strcmp(role, "reviewer") == 0) {
		int comments = rng_range(&s->rng, 0, 7);
		snprintf(summary, sizeof summary, "Approved with %d comment%s", comments,
		         comments == 1 ? "" : "s");
	} else {
		snprintf(summary, sizeof summary, "Report written: %d sources compared",
		         rng_range(&s->rng, 4, 15));
		snprintf(art, sizeof art, "reports/%s.md", id);
		push(s, artifacts, json_string(art));
		snprintf(art, sizeof art, "data/%s.csv", id);
		push(s, artifacts, json_string(art));
	}
	json_t *result = json_object();
	put_str(s, result, "summary", summary);
	put(s, result, "artifacts", artifacts);
	put(s, task, "result", result);
}

/* Finish `task` done by agent `a`: result, metrics, a message, a memory
 * note; a finished code change usually asks for a review, queued right
 * after it (an insertion in the middle of the array). */
static void task_finish(demo_sim *s, json_t *task, int a, bool quiet)
{
	char id[16];
	snprintf(id, sizeof id, "%s", get_str(task, "id"));
	put_str(s, task, "status", "done");
	put_real(s, task, "progress", 100, 100);
	put_str(s, task, "finished_at", s->now);
	json_object_del(task, "error");
	task_result(s, task, a);
	s->tasks_done++;
	s->runs[a]++;
	json_t *m = json_object_get(agent_at(s, a), "metrics");
	put_int(s, m, "tasks_done", get_int(m, "tasks_done") + 1);
	agent_metrics(s, a, rng_range(&s->rng, 800, 6000));
	agent_set(s, a, "idle", NULL);
	heartbeat(s, a);
	if (quiet)
		return;

	json_t *result = json_object_get(task, "result");
	const char *summary = get_str(result, "summary");
	bool coder = strcmp(agent_defs[a].role, "coder") == 0;
	say(s, agent_defs[a].name, coder ? "reviewer-1" : "orchestrator", "%s done: %s", id,
	    summary);
	char key[48];
	snprintf(key, sizeof key, "task/%s/summary", id);
	mem_write(s, key, json_string(summary), agent_defs[a].id, 1800);

	if (coder && !s->winding_down && rng_chance(&s->rng, 50)) {
		char title[DEMO_TEXT_MAX];
		const char *pr = json_string_value(
			json_array_get(json_object_get(result, "artifacts"), 0));
		snprintf(title, sizeof title, "Review %s (%s)", id, pr ? pr : "no PR");
		size_t i;
		json_t *t;
		json_array_foreach(s->tasks, i, t)
			if (t == task)
				break;
		task_new(s, "reviewer", title, "normal", i + 1);
	}
}

static void task_fail(demo_sim *s, json_t *task, int a, const char *error)
{
	put_str(s, task, "status", "failed");
	put_str(s, task, "error", error);
	put_str(s, task, "finished_at", s->now);
	s->runs[a]++;
	s->failures[a]++;
	agent_metrics(s, a, rng_range(&s->rng, 100, 900));
}

/* Work on one running task: progress, tokens, latency, heartbeat; finish
 * it at 100 %.  Now and then an attempt fails on its own (a flaky test). */
static void task_advance(demo_sim *s, json_t *task)
{
	int a = agent_index(get_str(task, "assigned_to"));
	if (a < 0)
		return;
	json_t *agent = agent_at(s, a);
	if (!str_is(agent, "status", "working"))
		return;                 /* blocked or failed agents make no progress */
	/* The latency mean moves when a batch of calls is accounted, not every time. */
	if (rng_chance(&s->rng, 35)) {
		int sample = agent_defs[a].latency_tenths * rng_range(&s->rng, 70, 135) / 100;
		s->latency[a] = (s->latency[a] * 7 + sample) / 8;
	}
	heartbeat(s, a);
	if (!s->winding_down && rng_chance(&s->rng, 3)) {
		task_fail(s, task, a, "tests failed: 3 of 112 (see ci log)");
		agent_set(s, a, "idle", NULL);
		say(s, agent_defs[a].name, "orchestrator", "%s failed: tests failed, will retry",
		    get_str(task, "id"));
		return;
	}
	json_int_t pct = (json_int_t)(json_real_value(json_object_get(task, "progress")) * 100.0 + 0.5);
	pct += s->winding_down ? rng_range(&s->rng, 20, 45) : rng_range(&s->rng, 10, 35);
	if (pct >= 100) {
		task_finish(s, task, a, false);
		return;
	}
	put_real(s, task, "progress", pct, 100);
	agent_metrics(s, a, rng_range(&s->rng, 300, 3500));
}

/* Give pending tasks to idle agents of the role they need. */
static void assign_pending(demo_sim *s, int max)
{
	size_t i;
	json_t *t;
	json_array_foreach(s->tasks, i, t) {
		if (max == 0)
			return;
		if (!str_is(t, "status", "pending"))
			continue;
		for (size_t a = 0; a < AGENT_N; a++) {
			json_t *agent = agent_at(s, (int)a);
			if (strcmp(agent_defs[a].role, role_of_task(t)) != 0 ||
			    !(str_is(agent, "status", "idle") || str_is(agent, "status", "done")))
				continue;
			task_start(s, t, (int)a);
			say(s, "orchestrator", agent_defs[a].name, "assigned %s: %s", get_str(t, "id"),
			    get_str(t, "title"));
			max--;
			break;
		}
	}
}

/* A planner queues new work; urgent items go before the other pending ones. */
static void queue_new_task(demo_sim *s)
{
	static const char *const roles[] = { "coder", "coder", "coder", "reviewer", "researcher",
	                                      "researcher", "planner" };
	const char *role = roles[rng_below(&s->rng, (int)(sizeof roles / sizeof roles[0]))];
	const char *title;
	if (strcmp(role, "coder") == 0)
		title = code_titles[rng_below(&s->rng, (int)(sizeof code_titles / sizeof code_titles[0]))];
	else if (strcmp(role, "reviewer") == 0)
		title = review_titles[rng_below(&s->rng,
		                                (int)(sizeof review_titles / sizeof review_titles[0]))];
	else if (strcmp(role, "researcher") == 0)
		title = research_titles[rng_below(&s->rng,
		                                  (int)(sizeof research_titles / sizeof research_titles[0]))];
	else
		title = plan_titles[rng_below(&s->rng, (int)(sizeof plan_titles / sizeof plan_titles[0]))];
	bool urgent = rng_chance(&s->rng, 25);
	size_t index = json_array_size(s->tasks);
	if (urgent) {
		size_t i;
		json_t *t;
		json_array_foreach(s->tasks, i, t) {
			if (str_is(t, "status", "pending")) {
				index = i;
				break;
			}
		}
	}
	/* The ticket number keeps recurring kinds of work apart. */
	char ticketed[DEMO_TEXT_MAX];
	snprintf(ticketed, sizeof ticketed, "%s (#%d)", title, rng_range(&s->rng, 1200, 4999));
	json_t *t = task_new(s, role, ticketed, urgent ? "high" : "normal", index);
	const char *planner = agent_defs[rng_below(&s->rng, 2)].name;
	say(s, planner, "orchestrator", "queued %s%s: %s", get_str(t, "id"),
	    urgent ? " (urgent)" : "", ticketed);
}

/* Keep the task list bounded: the oldest finished tasks leave it. */
static void archive_tasks(demo_sim *s)
{
	while (json_array_size(s->tasks) > DEMO_TASKS_MAX) {
		size_t i;
		json_t *t;
		bool removed = false;
		json_array_foreach(s->tasks, i, t) {
			if (str_is(t, "status", "done")) {
				json_array_remove(s->tasks, i);
				removed = true;
				break;
			}
		}
		if (!removed)
			return;
	}
}

static int count_status(json_t *arr, const char *status)
{
	size_t i;
	json_t *v;
	int n = 0;
	json_array_foreach(arr, i, v)
		n += str_is(v, "status", status);
	return n;
}

/* The gauges follow the load: CPU and memory drift towards what the working
 * agents need, the queue is the pending tasks, the rate limit budget shrinks
 * with the calls being made. */
static void update_gauges(demo_sim *s)
{
	int working = count_status(s->agents, "working");
	int cpu_target = 120 + working * 140;
	s->cpu_tenths = (s->cpu_tenths * 3 + cpu_target) / 4 + rng_range(&s->rng, -25, 25);
	if (s->cpu_tenths < 20)
		s->cpu_tenths = 20;
	if (s->cpu_tenths > 990)
		s->cpu_tenths = 990;
	put_real(s, s->resources, "cpu", s->cpu_tenths, 10);
	if (rng_chance(&s->rng, 60)) {
		s->mem_mb = (s->mem_mb * 3 + 1700 + working * 260) / 4 + rng_range(&s->rng, -30, 30);
		put_int(s, s->resources, "memory_mb", s->mem_mb);
	}
	put_int(s, s->resources, "queue_depth", count_status(s->tasks, "pending"));

	json_t *limits = json_object_get(s->resources, "rate_limits");
	json_t *llm = json_array_get(limits, 0);
	if (s->rate_limited || rng_chance(&s->rng, 60)) {
		int remaining = s->rate_limited ? 0 : 600 - working * 70 - rng_range(&s->rng, 0, 90);
		put_int(s, llm, "remaining", remaining < 0 ? 0 : remaining);
	}
	if (rng_chance(&s->rng, 40)) {
		bool searching = str_is(agent_at(s, 5), "status", "working");
		put_int(s, json_array_get(limits, 1), "remaining",
		        120 - rng_range(&s->rng, 0, 25) - (searching ? 30 : 0));
	}
	put_str(s, s->system, "captured_at", s->now);
}

/* One ordinary step between two captures. */
static void sim_step(demo_sim *s)
{
	/* Idle agents report in now and then; failed ones fall silent. */
	for (int a = 0; a < (int)AGENT_N; a++) {
		json_t *agent = agent_at(s, a);
		if (!str_is(agent, "status", "failed") && !str_is(agent, "status", "working") &&
		    rng_chance(&s->rng, 15))
			heartbeat(s, a);
	}

	/* Work on one or two running tasks. */
	json_t *running[DEMO_TASKS_MAX * 2];
	size_t n_running = 0, i;
	json_t *t;
	json_array_foreach(s->tasks, i, t)
		if (str_is(t, "status", "running") && n_running < sizeof running / sizeof running[0])
			running[n_running++] = t;
	int work = s->winding_down ? 3 : rng_range(&s->rng, 1, 2);
	for (int k = 0; k < work && n_running > 0; k++) {
		size_t pick = (size_t)rng_below(&s->rng, (int)n_running);
		task_advance(s, running[pick]);
		running[pick] = running[--n_running];
	}

	if (!s->rate_limited) {
		/* Failed attempts go back to the queue. */
		json_array_foreach(s->tasks, i, t) {
			if (str_is(t, "status", "failed") && rng_chance(&s->rng, 40)) {
				put_str(s, t, "status", "pending");
				json_object_del(t, "error");
				json_object_del(t, "finished_at");
				put_real(s, t, "progress", 0, 100);
				put(s, t, "assigned_to", json_null());
			}
		}
		assign_pending(s, s->winding_down ? 2 : 1);
	}

	if (!s->winding_down && count_status(s->tasks, "pending") < 4 && rng_chance(&s->rng, 30))
		queue_new_task(s);

	if (rng_chance(&s->rng, 12)) {
		const struct demo_chatter *c =
			&chatter[rng_below(&s->rng, (int)(sizeof chatter / sizeof chatter[0]))];
		say(s, agent_defs[c->from].name, agent_defs[c->to].name, "%s", c->text);
	}
	if (rng_chance(&s->rng, 8)) {
		int a = rng_below(&s->rng, (int)AGENT_N);
		char key[64];
		snprintf(key, sizeof key, "scratch/%s/plan", agent_defs[a].name);
		mem_write(s, key, json_integer(rng_range(&s->rng, 1, 12)), agent_defs[a].id, 600);
	}

	/* Near the end nothing new comes in; agents with nothing left sign off,
	 * one by one rather than all in the same instant. */
	if (s->winding_down) {
		for (size_t a = 0; a < AGENT_N; a++) {
			if (!str_is(agent_at(s, (int)a), "status", "idle"))
				continue;
			bool left = false;
			json_array_foreach(s->tasks, i, t)
				if (str_is(t, "status", "pending") &&
				    strcmp(role_of_task(t), agent_defs[a].role) == 0)
					left = true;
			if (!left && rng_chance(&s->rng, 40)) {
				agent_set(s, (int)a, "done", NULL);
				break;
			}
		}
	}

	mem_expire(s);
	archive_tasks(s);
}

/* ---- the initial state --------------------------------------------------- */

static void sim_init(demo_sim *s, uint64_t seed, int64_t first_ms)
{
	memset(s, 0, sizeof *s);
	s->rng.s = seed ^ UINT64_C(0x6a09e667f3bcc908);
	s->next_task = 101;
	s->next_msg = 1;
	s->cpu_tenths = 150;
	s->mem_mb = 1740;

	/* The system came up a couple of hours before the first capture. */
	set_time(s, first_ms - (int64_t)rng_range(&s->rng, 3600, 9000) * 1000);
	s->state = json_object();
	if (!s->state)
		s->oom = true;
	s->system = put(s, s->state, "system", json_object());
	put_str(s, s->system, "name", "orchestrator");
	put_str(s, s->system, "version", "2.4.0");
	put_str(s, s->system, "environment", "staging");
	put_str(s, s->system, "region", "eu-west-1");
	put_str(s, s->system, "started_at", s->now);
	put_str(s, s->system, "captured_at", s->now);

	s->agents = put(s, s->state, "agents", json_array());
	for (size_t a = 0; a < AGENT_N; a++) {
		json_t *agent = push(s, s->agents, json_object());
		put_str(s, agent, "id", agent_defs[a].id);
		put_str(s, agent, "name", agent_defs[a].name);
		put_str(s, agent, "role", agent_defs[a].role);
		put_str(s, agent, "model", agent_defs[a].model);
		put_str(s, agent, "status", "idle");
		put(s, agent, "current_task", json_null());
		json_t *m = put(s, agent, "metrics", json_object());
		s->runs[a] = rng_range(&s->rng, 4, 30);
		s->failures[a] = rng_below(&s->rng, 3);
		s->latency[a] = agent_defs[a].latency_tenths;
		put_int(s, m, "tasks_done", s->runs[a] - s->failures[a]);
		put_int(s, m, "tokens_used", (json_int_t)s->runs[a] * rng_range(&s->rng, 2500, 9000));
		put_real(s, m, "avg_latency_ms", 0, 1);
		put_real(s, m, "error_rate", 0, 1);
		agent_metrics(s, (int)a, 0);
		put_str(s, agent, "last_heartbeat", s->now);
	}

	s->tasks = put(s, s->state, "tasks", json_array());
	s->memory = put(s, s->state, "memory", json_array());
	s->comms = put(s, s->state, "communications", json_array());
	s->resources = put(s, s->state, "resources", json_object());

	say(s, "deployer", "all", "orchestrator 2.4.0 up in staging (eu-west-1)");
	say(s, "orchestrator", "all", "workers online: %d/%d", (int)AGENT_N, (int)AGENT_N);
	mem_write(s, "config/max_parallel", json_integer(4), "deployer", 0);
	mem_write(s, "config/retry.max_attempts", json_integer(3), "deployer", 0);
	json_t *timeouts = json_object();
	put_int(s, timeouts, "llm_ms", 30000);
	put_int(s, timeouts, "search_ms", 5000);
	put_int(s, timeouts, "tool_ms", 120000);
	mem_write(s, "config/timeouts", timeouts, "deployer", 0);
	mem_write(s, "config/model.default", json_string("large-2026-01"), "deployer", 0);
	mem_write(s, "config/planner_prompt", json_string("v6"), "deployer", 0);
	mem_write(s, "session/owner", json_string("platform-team"), "deployer", 0);

	/* The first capture comes later; the queue is primed in between. */
	set_time(s, first_ms - (int64_t)rng_range(&s->rng, 60, 600) * 1000);
	task_new(s, "planner", plan_titles[0], "high", SIZE_MAX);
	task_new(s, "coder", code_titles[1], "normal", SIZE_MAX);
	task_new(s, "coder", code_titles[0], "normal", SIZE_MAX);
	task_new(s, "researcher", research_titles[1], "normal", SIZE_MAX);
	task_new(s, "reviewer", review_titles[0], "normal", SIZE_MAX);
	task_new(s, "coder", code_titles[2], "low", SIZE_MAX);
	mem_write(s, "notes/oncall", json_string("Kenji (東京) until 18:00 UTC, then Ana"),
	          "agt-01", 0);
	mem_write(s, "cache/embeddings.warm", json_true(), "agt-06", 3600);
	say(s, "researcher-1", "planner-1", "embeddings cache warmed: 12480 vectors");
	say(s, "planner-1", "orchestrator", "queue primed with %d tasks",
	    (int)json_array_size(s->tasks));

	put_real(s, s->resources, "cpu", s->cpu_tenths, 10);
	put_int(s, s->resources, "cpu_cores", 8);
	put_int(s, s->resources, "memory_mb", s->mem_mb);
	put_int(s, s->resources, "memory_limit_mb", 8192);
	put_int(s, s->resources, "queue_depth", 0);
	json_t *limits = put(s, s->resources, "rate_limits", json_array());
	json_t *llm = push(s, limits, json_object());
	put_str(s, llm, "name", "llm-api");
	put_int(s, llm, "limit_per_min", 600);
	put_int(s, llm, "remaining", 600);
	json_t *search = push(s, limits, json_object());
	put_str(s, search, "name", "search-api");
	put_int(s, search, "limit_per_min", 120);
	put_int(s, search, "remaining", 120);
}

/* ---- the story ----------------------------------------------------------- */

enum demo_event {
	EV_BASELINE = 1 << 0,
	EV_DEPLOY = 1 << 1,
	EV_INCIDENT = 1 << 2,
	EV_RECOVERY = 1 << 3,
	EV_MILESTONE = 1 << 4,
	EV_FINAL = 1 << 5,
};

/* Where in a run of `steps` the story's events fall: fractions of the run,
 * so that any length tells the whole story (short runs merge events). */
typedef struct demo_plan {
	int steps, deploy, incident, recovery, milestone, wind_down;
} demo_plan;

static demo_plan plan_make(int steps)
{
	demo_plan p;
	p.steps = steps;
	p.deploy = (int)((int64_t)steps * 15 / 100);
	p.incident = (int)((int64_t)steps * 40 / 100);
	p.recovery = p.incident + (steps / 16 > 1 ? steps / 16 : 1);
	p.milestone = (int)((int64_t)steps * 75 / 100);
	p.wind_down = (int)((int64_t)steps * 88 / 100);
	return p;
}

static unsigned plan_events(const demo_plan *p, int i)
{
	unsigned ev = 0;
	if (i == 0)
		ev |= EV_BASELINE;
	if (i == p->deploy)
		ev |= EV_DEPLOY;
	if (i == p->incident)
		ev |= EV_INCIDENT;
	if (i == p->recovery)
		ev |= EV_RECOVERY;
	if (i == p->milestone)
		ev |= EV_MILESTONE;
	if (i == p->steps - 1)
		ev |= EV_FINAL;
	return ev;
}

/* The gap before step i (i >= 1), in ms: mostly the usual capture rhythm,
 * sometimes a quick second look or a quiet spell; during the incident
 * someone captures every few seconds. */
static int64_t gap_ms(demo_rng *r, const demo_plan *p, int i)
{
	if (i > p->incident && i <= p->recovery)
		return rng_range(r, 2000, 15000);
	int k = rng_below(r, 100);
	if (k < 12)
		return rng_range(r, 2000, 12000);
	if (k < 82)
		return rng_range(r, 15000, 75000);
	return rng_range(r, 90000, 300000);
}

/* What a step's events say about its snapshot. */
typedef struct demo_note {
	const char *tags[8];
	size_t n_tags;
	char desc[DEMO_TEXT_MAX];   /* the events' descriptions joined with "; " */
	size_t used;
	bool manual;                /* someone captured it by hand */
} demo_note;

static void note_tag(demo_note *n, const char *tag)
{
	for (size_t i = 0; i < n->n_tags; i++)
		if (strcmp(n->tags[i], tag) == 0)
			return;
	if (n->n_tags < sizeof n->tags / sizeof n->tags[0])
		n->tags[n->n_tags++] = tag;
}

static void note_vadd(demo_note *n, const char *fmt, va_list ap)
{
	if (n->used + 1 >= sizeof n->desc)
		return;
	int w = vsnprintf(n->desc + n->used, sizeof n->desc - n->used, fmt, ap);
	if (w > 0)
		n->used += (size_t)w;
	if (n->used >= sizeof n->desc)
		n->used = sizeof n->desc - 1;
}

static void note_add(demo_note *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	note_vadd(n, fmt, ap);
	va_end(ap);
}

/* Add one event's description, after a "; " when there is one already. */
static void note_desc(demo_note *n, const char *fmt, ...)
{
	if (n->used)
		note_add(n, "; ");
	va_list ap;
	va_start(ap, fmt);
	note_vadd(n, fmt, ap);
	va_end(ap);
}

/* Apply the events of one step to the state and to the note. */
static void apply_events(demo_sim *s, unsigned ev, demo_note *note)
{
	json_t *victim = agent_at(s, AGENT_FAILING);
	const char *victim_name = agent_defs[AGENT_FAILING].name;

	if (ev & EV_BASELINE) {
		note_tag(note, "baseline");
		note->manual = true;
		note_desc(note, "baseline before the 2.4.1 rollout: %d agents, %d tasks queued",
		         (int)AGENT_N, count_status(s->tasks, "pending"));
	}
	if (ev & EV_DEPLOY) {
		put_str(s, s->system, "version", "2.4.1");
		put_str(s, s->system, "deployed_at", s->now);
		mem_write(s, "config/planner_prompt", json_string("v7"), "deployer", 0);
		say(s, "deployer", "all", "✅ rolled out orchestrator 2.4.1 (planner prompt v7) 🚀");
		note_tag(note, "deploy");
		note->manual = true;
		note_desc(note, "deployed orchestrator 2.4.1");
	}
	if (ev & EV_INCIDENT) {
		json_t *task = NULL;
		if (str_is(victim, "status", "working"))
			task = task_find(s, get_str(victim, "current_task"));
		if (!task) {
			task = task_new(s, "planner", plan_titles[3], "high", SIZE_MAX);
			if (task) {
				task_start(s, task, AGENT_FAILING);
				put_real(s, task, "progress", rng_range(&s->rng, 10, 60), 100);
			}
		}
		if (task) {
			snprintf(s->incident_task, sizeof s->incident_task, "%s", get_str(task, "id"));
			task_fail(s, task, AGENT_FAILING,
			          "rate limited: llm-api returned 429 Too Many Requests (retry after 120s)");
		}
		/* The failed agent keeps pointing at its task: that is what one looks for. */
		put_str(s, victim, "status", "failed");
		s->latency[AGENT_FAILING] *= 4;
		agent_metrics(s, AGENT_FAILING, 0);
		s->rate_limited = true;
		for (int a = 0; a < (int)AGENT_N; a++)
			if (a != AGENT_FAILING && str_is(agent_at(s, a), "status", "working") &&
			    strcmp(agent_defs[a].model, "large-2026-01") == 0)
				put_str(s, agent_at(s, a), "status", "blocked");
		/* Copied verbatim from the agent's stderr, colour codes and all. */
		say(s, victim_name, "orchestrator",
		    "stderr: \x1b[31mERROR\x1b[0m llm-api: 429 Too Many Requests (retry-after: 120)");
		say(s, "orchestrator", "all", "⚠️ %s down, backing off llm-api calls", victim_name);
		json_t *open = json_object();
		put_str(s, open, "agent", victim_name);
		put_str(s, open, "cause", "rate_limited");
		put_str(s, open, "since", s->now);
		mem_write(s, "incident/open", open, "orchestrator", 0);
		note_tag(note, "incident");
		note->manual = true;
		note_desc(note, "agent %s failed: rate limited", victim_name);
	}
	if (ev & EV_RECOVERY) {
		s->rate_limited = false;
		s->latency[AGENT_FAILING] /= 4;
		agent_set(s, AGENT_FAILING, "idle", NULL);
		heartbeat(s, AGENT_FAILING);
		json_t *task = task_find(s, s->incident_task);
		if (task && str_is(task, "status", "failed")) {
			put_str(s, task, "status", "pending");
			json_object_del(task, "error");
			json_object_del(task, "finished_at");
			put_real(s, task, "progress", 0, 100);
			put(s, task, "assigned_to", json_null());
		}
		for (int a = 0; a < (int)AGENT_N; a++)
			if (str_is(agent_at(s, a), "status", "blocked"))
				put_str(s, agent_at(s, a), "status", "working");
		mem_delete(s, "incident/open");
		mem_write(s, "incident/last", json_string("llm-api rate limit; planner-2 restarted"),
		          "orchestrator", 86400);
		say(s, "orchestrator", victim_name, "backoff over, resuming; %s requeued",
		    s->incident_task[0] ? s->incident_task : "nothing");
		note_tag(note, "incident");
		note_desc(note, "%s recovered, %s requeued", victim_name,
		         s->incident_task[0] ? s->incident_task : "nothing");
	}
	if (ev & EV_MILESTONE) {
		mem_write(s, "sprint/goal", json_string("reached"), "agt-01", 0);
		say(s, "planner-1", "all", "🎉 sprint goal reached: %d tasks done", s->tasks_done);
		note_tag(note, "milestone");
		note_desc(note, "milestone: %d tasks done", s->tasks_done);
	}
	if (ev & EV_FINAL) {
		/* Whatever is left gets finished: the run ends with a clean slate. */
		s->rate_limited = false;
		size_t i;
		json_t *t;
		json_array_foreach(s->tasks, i, t) {
			if (str_is(t, "status", "done"))
				continue;
			int a = agent_index(get_str(t, "assigned_to"));
			if (a < 0 || !str_is(t, "status", "running")) {
				for (a = 0; a < (int)AGENT_N - 1; a++)
					if (strcmp(agent_defs[a].role, role_of_task(t)) == 0)
						break;
				task_start(s, t, a);
			}
			task_finish(s, t, a, true);
		}
		for (int a = 0; a < (int)AGENT_N; a++)
			agent_set(s, a, "done", NULL);
		say(s, "orchestrator", "all", "all tasks done, workers signing off");
		note_tag(note, "milestone");
		note->manual = true;
		note_desc(note, "all tasks done");
	}
}

/* ---- the entry point ----------------------------------------------------- */

/*
 * Where the snapshots fall in time: snapshot i at base + (lead + cum_i) *
 * scale, cum_i being the sum of the simulated gaps before it.  Unscaled, the
 * gaps are kept as simulated; scaled, the run is fitted into a window whose
 * last instant (end) the final snapshot takes exactly.
 */
typedef struct demo_clock {
	int64_t base;
	int64_t lead;
	int64_t end;
	double scale;
	bool fitted;
} demo_clock;

static int64_t clock_at(const demo_clock *c, int64_t cum, bool last)
{
	if (!c->fitted)
		return c->base + c->lead + cum;
	if (last)
		return c->end;
	return c->base + (int64_t)((double)(c->lead + cum) * c->scale);
}

/*
 * Times: the snapshots are spread backwards from end_ms with the simulated
 * gaps (seconds to minutes, a few hours for the default 240 steps), so the
 * last one is at end_ms exactly.
 *
 * When "demo" already holds snapshots, the timeline must not go back in
 * time: the new run comes after the newest existing snapshot.  If it would
 * overlap them, it is squeezed into the time between that snapshot and
 * end_ms (gaps scaled down, order kept, still ending at end_ms) when that
 * leaves the gaps at least a thousandth of their simulated length; otherwise
 * it starts a minute after the newest snapshot and ends past end_ms.  Such
 * a run is a restart of the simulated system (its state starts over from
 * the baseline), and it pins its incident only when the session has no
 * pinned snapshot yet, so that "demo" keeps exactly one.
 *
 * steps == 0 writes nothing.  Each snapshot is its own transaction: on a
 * failure, those already written stay and *created counts them.
 */
ss_status ss_demo_fill(ss_manager *mgr, int steps, uint64_t seed, int64_t end_ms,
                       int64_t *created)
{
	if (created)
		*created = 0;
	if (steps < 0)
		return mgr_fail(mgr, SS_USAGE, "demo: %d steps; give 0 or more", steps);
	if (steps == 0)
		return SS_OK;

	demo_plan plan = plan_make(steps);
	demo_rng gaps = { seed ^ UINT64_C(0xbb67ae8584caa73b) };
	demo_rng gaps_again = gaps;
	int64_t span = 0;
	for (int i = 1; i < steps; i++)
		span += gap_ms(&gaps, &plan, i);
	/* Keep clear of the int64 edges (and of 0, which ss_create reads as "now"). */
	if (end_ms <= span)
		return mgr_fail(mgr, SS_USAGE,
		                "demo: end time %lld ms leaves no room for %d steps after the epoch",
		                (long long)end_ms, steps);
	if (end_ms > INT64_MAX / 2)
		return mgr_fail(mgr, SS_USAGE, "demo: end time %lld ms is out of range",
		                (long long)end_ms);
	demo_clock clock = { .base = end_ms - span, .end = end_ms, .scale = 1.0 };

	bool pin = true;
	ss_session sess;
	ss_status st = ss_session_info(mgr, DEMO_SESSION, &sess);
	if (st == SS_OK) {
		int64_t last = sess.last_at;
		bool overlap = sess.count > 0 && last != SS_TIME_NONE && last >= clock.base;
		ss_session_clear(&sess);
		if (overlap) {
			if (last > INT64_MAX / 2)
				return mgr_fail(mgr, SS_USAGE,
				                "demo: session \"demo\" ends too late to append to");
			clock.base = last;
			clock.lead = DEMO_APPEND_GAP_MS;
			int64_t room = end_ms - last, need = span + DEMO_APPEND_GAP_MS;
			if (room > 0 && room >= need / 1000 + 1) {
				clock.fitted = true;
				clock.scale = (double)room / (double)need;
			}
		}
		ss_query q;
		ss_query_init(&q);
		q.session = DEMO_SESSION;
		q.pinned_only = true;
		int64_t pinned = 0;
		st = ss_count(mgr, &q, &pinned);
		if (st != SS_OK)
			return st;
		pin = pinned == 0;
	} else if (st != SS_NOT_FOUND) {
		return st;
	}

	demo_sim s;
	sim_init(&s, seed, clock_at(&clock, 0, steps == 1));
	st = SS_OK;
	int64_t cum = 0;
	for (int i = 0; i < steps && st == SS_OK; i++) {
		if (i > 0)
			cum += gap_ms(&gaps_again, &plan, i);
		int64_t t = clock_at(&clock, cum, i == steps - 1);
		set_time(&s, t);
		s.winding_down = i >= plan.wind_down;
		if (i > 0)
			sim_step(&s);

		demo_note note = { .n_tags = 0 };
		unsigned ev = plan_events(&plan, i);
		apply_events(&s, ev, &note);
		update_gauges(&s);
		if (s.oom) {
			st = mgr_fail(mgr, SS_NOMEM, "demo: out of memory building step %d", i + 1);
			break;
		}

		ss_create_opts opts = {
			.tags = note.tags,
			.n_tags = note.n_tags,
			.description = note.used ? note.desc : NULL,
			.origin = note.manual ? SS_ORIGIN_MANUAL : SS_ORIGIN_AUTO,
			.created_at = t,
			.pinned = pin && (ev & EV_INCIDENT),
		};
		st = ss_create(mgr, DEMO_SESSION, s.state, &opts, NULL);
		if (st == SS_OK && created)
			(*created)++;
	}
	json_decref(s.state);
	return st;
}
