/*
 * The four ipvsadm listings, the only exec the agent does. The four processes are spawned at
 * once from inside the director netns (children inherit it) and read in parallel, so their
 * ~50 ms exec cost under emulation overlaps.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"

const char *g_ipvsadm = "/sbin/ipvsadm";
const char *g_ipvsadm_kind = "path";
extern char **environ;

/* The static ipvsadm linked into the agent by the Makefile (empty when it could not be built). */
extern const char ipvsadm_blob[], ipvsadm_blob_end[];

int listings_use_embedded(void)
{
	static char path[64];
	size_t n = (size_t)(ipvsadm_blob_end - ipvsadm_blob);
	if (!n)
		return -1;
	/* An anonymous file the children exec through /proc/self/fd (not close-on-exec, so the
	 * spawned child still has it when it execs). */
	int fd = memfd_create("ipvsadm", 0);
	if (fd < 0)
		return -1;
	for (size_t off = 0; off < n;) {
		ssize_t w = write(fd, ipvsadm_blob + off, n - off);
		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	g_ipvsadm = path;
	g_ipvsadm_kind = "embedded";
	return 0;
}

static const struct {
	const char *tag;
	const char *args[6];
} LISTINGS[4] = {
	{ "list", { "ipvsadm", "-L", "-n", NULL } },
	{ "thresholds", { "ipvsadm", "-L", "-n", "--thresholds", NULL } },
	{ "persistent", { "ipvsadm", "-L", "-n", "--persistent-conn", NULL } },
	{ "conns", { "ipvsadm", "-L", "-n", "-c", NULL } },
};

static void close_pair(const int fds[2])
{
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/*
 * Spawns ipvsadm with `args` in the current netns: its stdout is read from *ofd, its stderr from
 * *efd, or (efd NULL) from *ofd too. Nothing is left open on failure.
 */
static int spawn_ipvsadm(const char *const *args, pid_t *pid, int *ofd, int *efd, char *err, size_t errn)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	if (pipe2(po, O_CLOEXEC) < 0 || (efd && pipe2(pe, O_CLOEXEC) < 0)) {
		snprintf(err, errn, "listings: pipe: %s", strerror(errno));
		close_pair(po);
		close_pair(pe);
		return -1;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, efd ? pe[1] : po[1], 2);
	int e = posix_spawn(pid, g_ipvsadm, &fa, NULL, (char *const *)args, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	if (efd)
		close(pe[1]);
	if (e) {
		close(po[0]);
		if (efd)
			close(pe[0]);
		snprintf(err, errn, "listings: cannot run %s: %s", g_ipvsadm, strerror(e));
		return -1;
	}
	*ofd = po[0];
	if (efd)
		*efd = pe[0];
	return 0;
}

/* ipvsadm once more, alone (stdout and stderr together), in the current netns. */
static int run_alone(const char *const *args, struct sbuf *out, char *err, size_t errn)
{
	pid_t pid;
	int fd;
	if (spawn_ipvsadm(args, &pid, &fd, NULL, err, errn))
		return -1;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int r = poll(&p, 1, 10000);
		if (r < 0 && errno == EINTR)
			continue;
		char buf[4096];
		ssize_t n = r > 0 ? read(fd, buf, sizeof(buf)) : -1;
		if (n <= 0)
			break;
		sb_add(out, buf, (size_t)n);
	}
	close(fd);
	kill(pid, 9);  /* no-op when it has exited */
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(err, errn, "listings: ipvsadm -L -n -c (again) failed: %.200s", out->p ? out->p : "");
		return -1;
	}
	return 0;
}

/*
 * The connection table is one hash table for every netns, and /proc/net/ip_vs_conn finds where a
 * read() left off by counting entries of all of them (ip_vs_conn_array); ipvsadm reads it in
 * 1 KiB pieces. While another netns's entries go away (the previous case's director is cleaned
 * up asynchronously, cleanup_net), a read can skip or repeat one of this netns's entries. The
 * listing is kept only when a second one, taken after it, shows the same entries.
 */
#define CONN_TAKES 6
static int conns_settled(struct sbuf *conns, char *err, size_t errn)
{
	for (int i = 0; i < CONN_TAKES; i++) {
		struct sbuf again = { 0 };
		if (run_alone(LISTINGS[3].args, &again, err, errn)) {
			sb_free(&again);
			return -1;
		}
		int same = conn_entries_same(conns->p ? conns->p : "", again.p ? again.p : "");
		sb_free(conns);
		*conns = again;
		if (same)
			return 0;
		if (g_verbose)
			logmsg("conn listing changed between two takes; taking it again");
	}
	snprintf(err, errn, "listings: ipvsadm -L -n -c showed other entries on each of %d takes (the table kept changing)", CONN_TAKES + 1);
	return -1;
}

/* Reads stdout and stderr of the four ipvsadm runs as they come, until each is closed (fds set to -1). */
static int collect(int ofd[4], int efd[4], struct sbuf outs[4], struct sbuf errs[4], double t0, char *err, size_t errn)
{
	int open_fds = 8;
	while (open_fds) {
		struct pollfd p[8];
		for (int i = 0; i < 4; i++) {
			p[2 * i] = (struct pollfd){ ofd[i], POLLIN, 0 };
			p[2 * i + 1] = (struct pollfd){ efd[i], POLLIN, 0 };
		}
		int r = poll(p, 8, 10000);
		if (r == 0) {
			snprintf(err, errn, "listings: ipvsadm produced no output for 10 s");
			return -1;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errn, "listings: poll: %s", strerror(errno));
			return -1;
		}
		for (int k = 0; k < 8; k++) {
			if (p[k].fd < 0 || !p[k].revents)
				continue;
			char buf[4096];
			ssize_t n = read(p[k].fd, buf, sizeof(buf));
			struct sbuf *b = k % 2 ? &errs[k / 2] : &outs[k / 2];
			if (n > 0) {
				sb_add(b, buf, (size_t)n);
				continue;
			}
			close(p[k].fd);
			if (g_verbose && !(k % 2))
				logmsg("listing %s done after %.1f ms", LISTINGS[k / 2].tag, now_ms() - t0);
			if (k % 2)
				efd[k / 2] = -1;
			else
				ofd[k / 2] = -1;
			open_fds--;
		}
	}
	return 0;
}

/* The four listings one after another, each under a "# tag" line; *nlines counts the lines. */
static void join_listings(const struct sbuf outs[4], struct sbuf *out, int *nlines)
{
	*nlines = 0;
	for (int i = 0; i < 4; i++) {
		sb_printf(out, "# %s\n", LISTINGS[i].tag);
		(*nlines)++;
		if (outs[i].len) {
			sb_add(out, outs[i].p, outs[i].len);
			if (outs[i].p[outs[i].len - 1] != '\n')
				sb_puts(out, "\n");
			for (size_t k = 0; k < outs[i].len; k++)
				if (outs[i].p[k] == '\n')
					(*nlines)++;
			if (outs[i].p[outs[i].len - 1] != '\n')
				(*nlines)++;
		}
	}
}

int listings_run(int ns_dir, struct sbuf *out, int *nlines, char *err, size_t errn)
{
	struct sbuf outs[4] = { 0 }, errs[4] = { 0 };
	int ofd[4], efd[4], status[4];
	pid_t pid[4];
	int spawned = 0, rc = -1;
	double t0 = now_ms();
	int prev = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (prev < 0 || setns(ns_dir, CLONE_NEWNET) < 0) {
		snprintf(err, errn, "listings: enter director netns: %s", strerror(errno));
		goto out;
	}
	for (int i = 0; i < 4; i++) {
		double ts = now_ms();
		if (spawn_ipvsadm(LISTINGS[i].args, &pid[i], &ofd[i], &efd[i], err, errn))
			goto out;
		if (g_verbose)
			logmsg("spawn %s took %.1f ms", LISTINGS[i].tag, now_ms() - ts);
		spawned++;
	}
	if (g_verbose)
		logmsg("listings spawned after %.1f ms (%s)", now_ms() - t0, g_ipvsadm);
	if (collect(ofd, efd, outs, errs, t0, err, errn))
		goto out;
	for (int i = 0; i < 4; i++) {
		while (waitpid(pid[i], &status[i], 0) < 0 && errno == EINTR)
			;
	}
	spawned = 0;
	for (int i = 0; i < 4; i++) {
		if (!WIFEXITED(status[i]) || WEXITSTATUS(status[i])) {
			snprintf(err, errn, "listings: ipvsadm %s exited with status %d: %.200s", LISTINGS[i].args[3] ? LISTINGS[i].args[3] : "-L -n",
				 WIFEXITED(status[i]) ? WEXITSTATUS(status[i]) : -1, errs[i].p ? errs[i].p : "");
			goto out;
		}
	}
	if (conns_settled(&outs[3], err, errn))
		goto out;
	join_listings(outs, out, nlines);
	rc = 0;
out:
	for (int i = 0; i < spawned; i++) {
		if (ofd[i] >= 0)
			close(ofd[i]);
		if (efd[i] >= 0)
			close(efd[i]);
		kill(pid[i], 9);
		waitpid(pid[i], NULL, 0);
	}
	for (int i = 0; i < 4; i++) {
		sb_free(&outs[i]);
		sb_free(&errs[i]);
	}
	if (prev >= 0) {
		setns(prev, CLONE_NEWNET);
		close(prev);
	}
	return rc;
}
