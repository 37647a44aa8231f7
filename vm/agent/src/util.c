/* Small helpers: clock, growing string buffer, errno names, address parsing. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

int g_verbose;

/*
 * The fences (fence.c) rely on packets queueing in order on the sending CPU's backlog. On a host
 * with several CPUs (a Docker host) the agent must not move between CPUs during a case, or a
 * fence can overtake the packet it follows and a connection the kernel answered reads as
 * ETIMEDOUT. cpu_pin(1) keeps it on the CPU it is on; cpu_pin(0) gives back the mask it had, so
 * parallel workers still spread out between cases. A no-op in the one-CPU QEMU guest.
 */
void cpu_pin(int on)
{
	static cpu_set_t saved;
	static int pinned;
	if (on && !pinned) {
		int cpu = sched_getcpu();
		if (cpu < 0 || sched_getaffinity(0, sizeof(saved), &saved))
			return;
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one) == 0)
			pinned = 1;
	} else if (!on && pinned) {
		sched_setaffinity(0, sizeof(saved), &saved);
		pinned = 0;
	}
}

double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/*
 * The kernel's jiffies: the "timestamp" line of /proc/schedstat (CONFIG_SCHEDSTATS prints jiffies
 * there), read with one pread of an fd kept open. 0 when it cannot be read (no /proc yet).
 */
unsigned long long jiffies_now(void)
{
	static int fd = -1;
	if (fd < 0)
		fd = open("/proc/schedstat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *p = strstr(buf, "\ntimestamp ");
	return p ? strtoull(p + 11, NULL, 10) : 0;
}

/* CONFIG_HZ: the coarse monotonic clock advances one tick (TICK_NSEC) at a time. 0 if unknown. */
int kernel_hz(void)
{
	struct timespec r;
	if (clock_getres(CLOCK_MONOTONIC_COARSE, &r) || r.tv_sec || r.tv_nsec <= 0)
		return 0;
	return (int)((1000000000L + r.tv_nsec / 2) / r.tv_nsec);
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void logmsg(const char *fmt, ...)
{
	va_list ap;
	fputs("ipvsc-agent: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void sb_grow(struct sbuf *b, size_t need)
{
	if (b->len + need + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + need + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		logmsg("out of memory");
		abort();
	}
	b->p = p;
	b->cap = cap;
}

void sb_add(struct sbuf *b, const char *s, size_t n)
{
	sb_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

void sb_puts(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sb_free(struct sbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

const char *errno_name(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "E?";
}

const char *agent_strerror(int e)
{
	if (e == E_NL_TRUNC)
		return "a netlink request did not fit the agent's buffer and was not sent (an agent bug)";
	return strerror(e);
}

void sb_errno(struct sbuf *b, int e)
{
	sb_printf(b, "errno=%d name=%s msg=%s", e, errno_name(e), strerror(e));
}

int parse_u32(const char *s, uint32_t *v)
{
	if (!*s || *s == '-' || *s == '+')
		return -1;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || *end || x > 0xffffffffULL)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

int parse_i32(const char *s, int32_t *v)
{
	if (!*s)
		return -1;
	char *end;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (errno || *end || x < INT32_MIN || x > INT32_MAX)
		return -1;
	*v = (int32_t)x;
	return 0;
}

int parse_addrport(const char *s, uint32_t *addr, uint16_t *port)
{
	char ip[32];
	const char *colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof(ip))
		return -1;
	memcpy(ip, s, (size_t)(colon - s));
	ip[colon - s] = 0;
	struct in_addr a;
	if (inet_pton(AF_INET, ip, &a) != 1)
		return -1;
	uint32_t p;
	if (parse_u32(colon + 1, &p) || p > 65535)
		return -1;
	*addr = a.s_addr;
	*port = htons((uint16_t)p);
	return 0;
}

void fmt_addrport(char *out, size_t n, uint32_t addr, uint16_t port)
{
	char ip[INET_ADDRSTRLEN];
	struct in_addr a = { addr };
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	snprintf(out, n, "%s:%u", ip, ntohs(port));
}
