/*
 * loader.c - the background state loader (see loader.h).
 *
 * The UI thread and the loader share only struct loader's slots, under the
 * mutex: `want` (the id asked for, 0: none), `done` (a finished result not
 * yet taken) and `stop`.  The manager is touched by the thread alone once it
 * runs; it is opened and closed on the UI thread, before the thread starts
 * and after it is joined.
 */
#include "loader.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct loader {
	ss_manager *mgr;            /* the thread's own */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int pipe_rd, pipe_wr;

	/* Under lock. */
	int64_t want;
	bool stop;
	bool has_done;
	struct loader_result done;
};

static void *loader_main(void *arg)
{
	struct loader *ld = arg;
	pthread_mutex_lock(&ld->lock);
	for (;;) {
		while (!ld->stop && ld->want == 0)
			pthread_cond_wait(&ld->wake, &ld->lock);
		if (ld->stop)
			break;
		int64_t id = ld->want;
		ld->want = 0;
		pthread_mutex_unlock(&ld->lock);

		/* The slow part, unlocked: the UI may ask again meanwhile. */
		struct loader_result r;
		memset(&r, 0, sizeof r);
		r.id = id;
		r.status = ss_get(ld->mgr, id, &r.state, NULL);
		if (r.status != SS_OK) {
			r.state = NULL;
			snprintf(r.message, sizeof r.message, "%s", ss_errmsg(ld->mgr));
		}

		pthread_mutex_lock(&ld->lock);
		if (ld->has_done)
			json_decref(ld->done.state); /* never taken: superseded */
		ld->done = r;
		ld->has_done = true;
		/* Full pipe (EAGAIN): a byte is already waiting, which is all
		 * the UI needs to know. */
		ssize_t w = write(ld->pipe_wr, "", 1);
		(void)w;
	}
	pthread_mutex_unlock(&ld->lock);
	return NULL;
}

static bool set_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	int fdfl = fcntl(fd, F_GETFD);
	return fl != -1 && fdfl != -1 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) != -1 &&
	       fcntl(fd, F_SETFD, fdfl | FD_CLOEXEC) != -1;
}

struct loader *loader_start(const char *store_path, char *err, size_t err_size)
{
	struct loader *ld = calloc(1, sizeof *ld);
	if (!ld) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	ld->pipe_rd = ld->pipe_wr = -1;

	ss_config cfg;
	ss_config_init(&cfg);
	cfg.store_path = store_path;
	cfg.create = false;
	cfg.read_only = true;
	if (ss_open(&cfg, &ld->mgr, err, err_size) != SS_OK) {
		free(ld);
		return NULL;
	}
	int fds[2];
	if (pipe(fds) != 0) {
		snprintf(err, err_size, "pipe: %s", strerror(errno));
		goto fail_mgr;
	}
	ld->pipe_rd = fds[0];
	ld->pipe_wr = fds[1];
	if (!set_flags(ld->pipe_rd) || !set_flags(ld->pipe_wr)) {
		snprintf(err, err_size, "pipe flags: %s", strerror(errno));
		goto fail_pipe;
	}
	if (pthread_mutex_init(&ld->lock, NULL) != 0) {
		snprintf(err, err_size, "mutex init failed");
		goto fail_pipe;
	}
	if (pthread_cond_init(&ld->wake, NULL) != 0) {
		snprintf(err, err_size, "condition init failed");
		goto fail_mutex;
	}
	/* The thread inherits the mask: SIGINT, SIGTERM and SIGWINCH must
	 * reach the UI thread, whose handlers end the loop or resize. */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGWINCH);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	int rc = pthread_create(&ld->thread, NULL, loader_main, ld);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, err_size, "cannot start the loader thread: %s", strerror(rc));
		goto fail_cond;
	}
	return ld;

fail_cond:
	pthread_cond_destroy(&ld->wake);
fail_mutex:
	pthread_mutex_destroy(&ld->lock);
fail_pipe:
	close(ld->pipe_rd);
	close(ld->pipe_wr);
fail_mgr:
	ss_close(ld->mgr);
	free(ld);
	return NULL;
}

void loader_request(struct loader *ld, int64_t id)
{
	pthread_mutex_lock(&ld->lock);
	ld->want = id;
	pthread_cond_signal(&ld->wake);
	pthread_mutex_unlock(&ld->lock);
}

int loader_fd(const struct loader *ld)
{
	return ld->pipe_rd;
}

bool loader_take(struct loader *ld, struct loader_result *out)
{
	char buf[64];
	while (read(ld->pipe_rd, buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&ld->lock);
	bool got = ld->has_done;
	if (got) {
		*out = ld->done;
		memset(&ld->done, 0, sizeof ld->done);
		ld->has_done = false;
	}
	pthread_mutex_unlock(&ld->lock);
	return got;
}

void loader_stop(struct loader *ld)
{
	if (!ld)
		return;
	pthread_mutex_lock(&ld->lock);
	ld->stop = true;
	pthread_cond_signal(&ld->wake);
	pthread_mutex_unlock(&ld->lock);
	pthread_join(ld->thread, NULL);

	if (ld->has_done)
		json_decref(ld->done.state);
	pthread_cond_destroy(&ld->wake);
	pthread_mutex_destroy(&ld->lock);
	close(ld->pipe_rd);
	close(ld->pipe_wr);
	ss_close(ld->mgr);
	free(ld);
}
