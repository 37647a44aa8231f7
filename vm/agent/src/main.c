/*
 * ipvsc-agent main: load modules, open the channel, announce `ready`, then answer requests
 * one at a time until `shutdown` (see ../PROTOCOL.md).
 *
 *   ipvsc-agent [--stdio] [--port NAME] [--ipvsadm PATH] [--modules DIR] [--no-modules]
 *               [--preload-schedulers] [--connect-timeout MS] [--verbose]
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <sys/ioctl.h>
#include <sys/random.h>
#include <linux/random.h>
#include <fcntl.h>
#include "agent.h"

extern int g_connect_timeout_ms;

static void usage(void)
{
	fprintf(stderr, "usage: ipvsc-agent [--stdio] [--port NAME] [--ipvsadm PATH] [--modules DIR] "
			"[--no-modules] [--preload-schedulers] [--connect-timeout MS] [--verbose]\n");
	exit(2);
}

/* As PID 1 (or in a bare initramfs) nobody mounted these yet. */
static void mount_basics(void)
{
	struct stat st;
	if (stat("/proc/self", &st) < 0) {
		mkdir("/proc", 0755);
		mount("proc", "/proc", "proc", 0, NULL);
	}
	if (stat("/sys/class", &st) < 0) {
		mkdir("/sys", 0755);
		mount("sysfs", "/sys", "sysfs", 0, NULL);
	}
	if (stat("/dev/null", &st) < 0) {
		mkdir("/dev", 0755);
		mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	}
}

/*
 * Soft dependencies modules.dep does not follow (the image build writes /etc/ipvsc-preload, one
 * module path a line: 6.12's crc32c for libcrc32c), loaded before the boot modules. The agent is
 * /init itself, so no shell starts for this (a busybox exec costs tens of ms under TCG).
 */
static void preload_soft_deps(void)
{
	FILE *f = fopen("/etc/ipvsc-preload", "re");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		const char *b = strrchr(line, '/');
		b = b ? b + 1 : line;
		char name[64];
		size_t len = strcspn(b, ".");
		if (!len || len >= sizeof(name))
			continue;
		for (size_t i = 0; i < len; i++)
			name[i] = b[i] == '-' ? '_' : b[i];
		name[len] = 0;
		int e = module_load(name);
		if (e)
			logmsg("preload %s: %s", line, strerror(-e));
	}
	fclose(f);
}

/*
 * Fewer wake-ups while the guest idles: on virtual time an idle guest jumps from timer to timer,
 * so every periodic wake-up costs host CPU during a case's waits (minutes of guest time). The VM
 * guest only (never a Docker host): vmstat's shepherd once an hour instead of every second, no
 * proactive compaction (kcompactd's 500 ms naps), and a seeded RNG, so vsprintf's pointer-hashing
 * key stops re-queueing itself every 2 s waiting for it.
 */
static void quiet_guest(void)
{
	write_sysctl("/proc/sys/vm/stat_interval", "3600");
	/* kcompactd wakes every 500 ms for proactive compaction unless it is off */
	write_sysctl("/proc/sys/vm/compaction_proactiveness", "0");
	struct {
		int entropy_count, buf_size;
		unsigned char buf[32];
	} seed = { 256, 32, { 0 } };
	/* a test VM's RNG needs no secret: whatever the kernel has, mixed with the clock */
	if (getrandom(seed.buf, sizeof(seed.buf), GRND_NONBLOCK | GRND_INSECURE) < 0) {
		double t = now_ms();
		memcpy(seed.buf, &t, sizeof(t));
	}
	int fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (ioctl(fd, RNDADDENTROPY, &seed) < 0)
			logmsg("seeding the RNG: %s", strerror(errno));
		close(fd);
	}
}

static void hello_body(struct sbuf *b, const char *release)
{
	sb_printf(b, "agent %s\nrelease %s\nschedulers", AGENT_VERSION, release);
	modules_schedulers(b);
	sb_printf(b, "\nipvsadm %s %s\n", g_ipvsadm_kind, g_ipvsadm);
	int hz = kernel_hz();
	if (hz > 0)
		sb_printf(b, "hz %d\n", hz);
}

/* Open fds of the agent: constant from case to case, or something leaks. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int n = 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3;  /* ., .. and the directory's own fd */
}

/* MemAvailable of /proc/meminfo: flat over thousands of cases, or the kernel is leaking. */
static long mem_available_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	if (!f)
		return -1;
	char line[128];
	long kb = -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void poweroff(void)
{
	sync();
	reboot(RB_POWER_OFF);
	_exit(0);
}

int main(int argc, char **argv)
{
	int stdio = 0, no_modules = 0, preload = 0, ipvsadm_given = 0;
	const char *port = "org.ipvsconform.agent", *moddir = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--stdio"))
			stdio = 1;
		else if (!strcmp(a, "--no-modules"))
			no_modules = 1;
		else if (!strcmp(a, "--preload-schedulers"))
			preload = 1;
		else if (!strcmp(a, "--verbose"))
			g_verbose = 1;
		else if (i + 1 < argc && !strcmp(a, "--port"))
			port = argv[++i];
		else if (i + 1 < argc && !strcmp(a, "--ipvsadm"))
			g_ipvsadm = argv[++i], ipvsadm_given = 1;
		else if (i + 1 < argc && !strcmp(a, "--modules"))
			moddir = argv[++i];
		else if (i + 1 < argc && !strcmp(a, "--connect-timeout"))
			g_connect_timeout_ms = atoi(argv[++i]);
		else
			usage();
	}
	if (g_connect_timeout_ms <= 0)
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (!ipvsadm_given && listings_use_embedded() && access(g_ipvsadm, X_OK) &&
	    !access("/usr/sbin/ipvsadm", X_OK))
		g_ipvsadm = "/usr/sbin/ipvsadm";
	double t0 = now_ms();
	if (!stdio)
		mount_basics();

	struct utsname u;
	uname(&u);
	char dir[300];
	snprintf(dir, sizeof(dir), "/lib/modules/%s", moddir ? "" : u.release);
	if (moddir)
		snprintf(dir, sizeof(dir), "%s", moddir);
	if (!no_modules) {
		if (modules_init(dir))
			logmsg("no %s/modules.dep: loading no modules", dir);
		else
			preload_soft_deps();
		/* No fallback tunnel devices (tunl0) in the namespaces made per case: each would cost a
		 * device registration; the servers' namespace gets its own ipip device (topo.c). */
		write_sysctl("/proc/sys/net/core/fb_tunnels_only_for_init_net", "2");
		/* Absent (-ENOENT) means built in or not needed: only real failures are worth a word. */
		const char *base[] = { "virtio_pci", "virtio_console", "veth", "ip_vs", "ipip", "ip6_tunnel" };
		for (size_t i = stdio ? 2 : 0; i < sizeof(base) / sizeof(base[0]); i++) {
			int e = module_load(base[i]);
			if (e && e != -ENOENT)
				logmsg("load %s: %s", base[i], strerror(-e));
		}
		if (preload)
			modules_preload_schedulers();
	}
	if (!stdio)
		quiet_guest();
	/* In 6.1 these are global (init_net only); from 6.2 per netns (set again in topo.c). */
	write_sysctl("/proc/sys/net/ipv4/icmp_msgs_per_sec", "1000000");
	write_sysctl("/proc/sys/net/ipv4/icmp_msgs_burst", "1000000");

	struct chan ch;
	char err[512];
	if (stdio)
		chan_open_stdio(&ch);
	else if (chan_open_virtio(&ch, port, 10000, err, sizeof(err))) {
		logmsg("%s", err);
		return 1;
	}
	struct topo topo;
	if (topo_init(&topo)) {
		logmsg("cannot open /proc/self/ns/net: %s", strerror(errno));
		return 1;
	}
	struct sbuf hello = { 0 };
	hello_body(&hello, u.release);
	if (g_verbose)
		logmsg("ready after %.1f ms (modules %.1f ms)", now_ms() - t0, g_modload_ms);
	ch.ready = hello.p;
	ch.ready_len = hello.len;
	if (chan_send(&ch, 0, "ready", hello.p, hello.len))
		logmsg("cannot send ready: %s", strerror(errno));

	for (;;) {
		struct msg m;
		int r = chan_recv(&ch, &m);
		if (r == 0)
			return 0;  /* stdio closed */
		if (r < 0) {
			logmsg("channel read: %s", strerror(errno));
			if (stdio)
				return 1;
			sleep_ms(100);
			continue;
		}
		if (m.bad[0]) {
			strncat(m.bad, "\n", sizeof(m.bad) - strlen(m.bad) - 1);
			chan_send(&ch, m.id, "bad", m.bad, strlen(m.bad));
			free(m.body);
			continue;
		}
		if (!strcmp(m.kind, "hello")) {
			chan_send(&ch, m.id, "ok", hello.p, hello.len);
		} else if (!strcmp(m.kind, "ping")) {
			chan_send(&ch, m.id, "ok", "", 0);
		} else if (!strcmp(m.kind, "case")) {
			struct sbuf out = { 0 };
			err[0] = 0;
			cpu_pin(1);
			int cr = run_case(&topo, m.body, m.len, &out, err, sizeof(err));
			cpu_pin(0);
			if (cr == 0)
				chan_send(&ch, m.id, "ok", out.p ? out.p : "", out.len);
			else {
				size_t n = strlen(err);
				if (n < sizeof(err) - 1) {
					err[n++] = '\n';
					err[n] = 0;
				}
				chan_send(&ch, m.id, cr > 0 ? "bad" : "fail", err, n);
			}
			sb_free(&out);
		} else if (!strcmp(m.kind, "stats")) {
			struct sbuf b = { 0 };
			struct case_stats *s = &g_last;
			sb_printf(&b, "setup_ms %.3f\nscript_ms %.3f\nteardown_ms %.3f\nlistings_ms %.3f\nlines %d\nmodules_ms %.3f\n",
				  s->setup_done ? s->setup_done - s->start : 0,
				  s->script_done ? s->script_done - s->setup_done : 0,
				  s->script_done ? s->end - s->script_done : 0, s->listings_ms, s->lines,
				  g_modload_ms);
			sb_printf(&b, "fds %d\n", count_fds());
			sb_printf(&b, "mem_available_kb %ld\n", mem_available_kb());
			sb_printf(&b, "setup_steps%s\n", g_setup_trace.p ? g_setup_trace.p : "");
			chan_send(&ch, m.id, "ok", b.p, b.len);
			sb_free(&b);
		} else if (!strcmp(m.kind, "cov")) {
			struct sbuf b = { 0 };
			/* Every scheduler loaded first: each one's init and exit code runs on every
			 * guest, whichever schedulers its cases used. */
			if (m.len >= 6 && !memcmp(m.body, "unload", 6)) {
				modules_preload_schedulers();
				cov_unload();
			}
			if (cov_take(&b, err, sizeof(err)) == 0)
				chan_send(&ch, m.id, "ok", b.p ? b.p : "", b.len);
			else {
				strncat(err, "\n", sizeof(err) - strlen(err) - 1);
				chan_send(&ch, m.id, "fail", err, strlen(err));
			}
			sb_free(&b);
		} else if (!strcmp(m.kind, "shutdown")) {
			chan_send(&ch, m.id, "ok", "", 0);
			if (stdio)
				return 0;
			poweroff();
		} else {
			char why[120];
			snprintf(why, sizeof(why), "unknown request kind '%.40s' (expected hello, ping, case, stats, cov, shutdown)\n", m.kind);
			chan_send(&ch, m.id, "bad", why, strlen(why));
		}
		free(m.body);
	}
}
