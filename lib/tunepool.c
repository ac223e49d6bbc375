/* tunepool.c — a search's worker processes (tunepool.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "tunepool.h"
#include "writeall.h"

/* Read exactly n bytes: n, 0 at end of file, -1 on error. */
static ssize_t
read_whole(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -1 : (ssize_t)got;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static _Noreturn void
worker(int task_r, int res_w, ct_fit_fn fn, void *arg)
{
	struct ct_fit f;

	while (read_whole(task_r, &f, sizeof f) == (ssize_t)sizeof f) {
		struct ct_fit_result r = { .trial = f.trial, .fold = f.fold, .status = -1 };

		fn(arg, &f, &r);
		if (ct_write_all(res_w, &r, sizeof r) != 0)
			_exit(1);
	}
	_exit(0);
}

int
ct_pool_start(struct ct_pool *p, int n, ct_fit_fn fn, void *arg)
{
	int task[2], res[2];
	pid_t parent = getpid();
	const char *label = p->label;

	memset(p, 0, sizeof *p);
	p->label = label;
	p->task_w = p->res_r = -1;
	if ((p->pid = calloc((size_t)n, sizeof *p->pid)) == NULL) {
		ct_warn("workers: %s", strerror(ENOMEM));
		return -1;
	}
	if (pipe(task) != 0) {
		ct_warn("workers: pipe: %s", strerror(errno));
		free(p->pid);
		return -1;
	}
	if (pipe(res) != 0) {
		ct_warn("workers: pipe: %s", strerror(errno));
		close(task[0]);
		close(task[1]);
		free(p->pid);
		return -1;
	}
	/* A task written when every worker has died must fail with EPIPE
	 * and be reported, not kill the search without a word. */
	signal(SIGPIPE, SIG_IGN);
	/* Not for whatever a worker might exec. */
	for (int i = 0; i < 2; i++) {
		fcntl(task[i], F_SETFD, FD_CLOEXEC);
		fcntl(res[i], F_SETFD, FD_CLOEXEC);
	}
	p->task_w = task[1];
	p->res_r = res[0];
	/* Nothing buffered may be written twice. */
	fflush(NULL);
	for (p->n = 0; p->n < n; p->n++) {
		pid_t pid = fork();

		if (pid < 0) {
			ct_warn("workers: fork: %s", strerror(errno));
			break;
		}
		if (pid == 0) {
			close(task[1]);
			close(res[0]);
			/* Die with the search, however it dies. */
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
				_exit(1);
			worker(task[0], res[1], fn, arg);
		}
		p->pid[p->n] = pid;
	}
	close(task[0]);
	close(res[1]);
	if (p->n < n) {
		ct_pool_stop(p, 1);
		return -1;
	}
	return 0;
}

/* A worker that ended while fits were pending died: say how. */
static int
worker_died(struct ct_pool *p)
{
	int st;

	for (int i = 0; i < p->n; i++) {
		if (p->pid[i] <= 0 || waitpid(p->pid[i], &st, WNOHANG) != p->pid[i])
			continue;
		p->pid[i] = 0;
		if (WIFSIGNALED(st)) {
			ct_warn("%s%sworker %d died of signal %d (%s)", p->label ? p->label : "",
			    p->label ? ": " : "", i + 1, WTERMSIG(st),
			    strsignal(WTERMSIG(st)));
			p->killed = 1;
		}
		else
			ct_warn("%s%sworker %d exited with status %d", p->label ? p->label : "",
			    p->label ? ": " : "", i + 1, WEXITSTATUS(st));
		return 1;
	}
	return 0;
}

int
ct_pool_submit(struct ct_pool *p, const struct ct_fit *f)
{
	if (ct_write_all(p->task_w, f, sizeof *f) != 0) {
		ct_warn("workers: %s", strerror(errno ? errno : EPIPE));
		worker_died(p);
		return -1;
	}
	p->pending++;
	return 0;
}

int
ct_pool_next(struct ct_pool *p, struct ct_fit_result *r)
{
	struct pollfd pf = { .fd = p->res_r, .events = POLLIN };

	for (;;) {
		int n = poll(&pf, 1, 1000);

		if (n < 0 && errno != EINTR) {
			ct_warn("workers: poll: %s", strerror(errno));
			return -1;
		}
		if (n > 0) {
			ssize_t got = read_whole(p->res_r, r, sizeof *r);

			if (got == (ssize_t)sizeof *r) {
				p->pending--;
				return 0;
			}
			if (!worker_died(p))
				ct_warn("workers: %s", got < 0 ? strerror(errno) : "no result");
			return -1;
		}
		if (worker_died(p))
			return -1;
	}
}

void
ct_pool_stop(struct ct_pool *p, int kill_them)
{
	if (p->task_w >= 0)
		close(p->task_w);
	for (int i = 0; i < p->n; i++) {
		int st = 0;

		if (p->pid[i] <= 0)
			continue;
		if (kill_them)
			kill(p->pid[i], SIGKILL);
		while (waitpid(p->pid[i], &st, 0) < 0 && errno == EINTR)
			;
		/* Killed while it waited for a fit, it lost none: the others
		 * did its share, but the signal (the OOM killer?) is told. */
		if (!kill_them && WIFSIGNALED(st))
			ct_warn("%s%sworker %d died of signal %d (%s) while idle; the others did its fits",
			    p->label ? p->label : "", p->label ? ": " : "",
			    i + 1, WTERMSIG(st), strsignal(WTERMSIG(st)));
	}
	if (p->res_r >= 0)
		close(p->res_r);
	free(p->pid);
	memset(p, 0, sizeof *p);
	p->task_w = p->res_r = -1;
}
