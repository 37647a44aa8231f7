/*
 * Coverage take (`cov` request, see ../PROTOCOL.md): the arc counters the IPVS modules ran since
 * the previous take, as the collector module (vm/modules/cov) prints them from /proc/ipvsc_cov.
 * Opening that file takes and zeroes the counters in the kernel; the agent only copies the text.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent.h"

#define COV_PROC "/proc/ipvsc_cov"

/* 0 and the take in `out`; -1 with a reason in `err` (no collector: a guest built without --coverage). */
int cov_take(struct sbuf *out, char *err, size_t errn)
{
	int fd = open(COV_PROC, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errn, "%s: %s (this guest has no coverage collector: boot it with --coverage)",
			 COV_PROC, strerror(errno));
		return -1;
	}
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errn, "read %s: %s", COV_PROC, strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		sb_add(out, buf, (size_t)n);
	}
	close(fd);
	return 0;
}

/*
 * Unloads every IPVS module nothing uses any more (schedulers, hprio, then ip_vs), so their exit
 * code runs and the collector keeps its counters for the next take. The end of a coverage run only:
 * the guest has no IPVS afterwards. Returns how many modules went.
 */
int cov_unload(void)
{
	int gone = 0;
	for (int progress = 1; progress;) {
		progress = 0;
		FILE *f = fopen("/proc/modules", "re");
		if (!f)
			return gone;
		char name[64];
		int refs;
		char line[512];
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%63s %*u %d", name, &refs) != 2 || refs != 0 || strncmp(name, "ip_vs", 5))
				continue;
			if (syscall(SYS_delete_module, name, O_NONBLOCK) == 0)
				gone++, progress = 1;
			else
				logmsg("unload %s: %s", name, strerror(errno));
		}
		fclose(f);
	}
	return gone;
}
