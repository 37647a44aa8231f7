/*
 * The host channel: `IPVSC <id> <kind> <length>\n<body>` frames both ways, over the
 * virtio-serial port named org.ipvsconform.agent or over stdin/stdout (--stdio).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

#define MAX_HEADER 160
#define MAX_BODY (16u << 20)

static int find_port(const char *name, char *dev, size_t n)
{
	DIR *d = opendir("/sys/class/virtio-ports");
	if (!d)
		return -1;
	struct dirent *e;
	int found = -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[300], buf[128];
		snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = 0;
		buf[strcspn(buf, "\n")] = 0;
		if (!strcmp(buf, name)) {
			snprintf(dev, n, "/dev/%s", e->d_name);
			found = 0;
			break;
		}
	}
	closedir(d);
	return found;
}

int chan_open_virtio(struct chan *c, const char *name, int timeout_ms, char *err, size_t errn)
{
	memset(c, 0, sizeof(*c));
	char dev[300];
	double deadline = now_ms() + timeout_ms;
	/* The port's name arrives from the host a moment after the driver binds: poll for it. */
	while (find_port(name, dev, sizeof(dev))) {
		if (now_ms() > deadline) {
			snprintf(err, errn, "no virtio port named %s under /sys/class/virtio-ports", name);
			return -1;
		}
		sleep_ms(5);
	}
	int fd;
	while ((fd = open(dev, O_RDWR | O_CLOEXEC)) < 0) {
		if (errno != ENOENT || now_ms() > deadline) {
			snprintf(err, errn, "open %s: %s", dev, strerror(errno));
			return -1;
		}
		sleep_ms(5);  /* devtmpfs node not there yet */
	}
	c->rfd = c->wfd = fd;
	c->virtio = 1;
	return 0;
}

void chan_open_stdio(struct chan *c)
{
	memset(c, 0, sizeof(*c));
	c->rfd = 0;
	c->wfd = 1;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = { fd, POLLOUT, 0 };
				poll(&pfd, 1, 100);
				continue;
			}
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int chan_send(struct chan *c, unsigned long id, const char *kind, const char *body, size_t len)
{
	struct sbuf b = { 0 };
	sb_printf(&b, "IPVSC %lu %s %zu\n", id, kind, len);
	if (len)
		sb_add(&b, body, len);
	int r = write_all(c->wfd, b.p, b.len);
	sb_free(&b);
	return r;
}

/* Whether s is 1..max decimal digits. */
static int digits(const char *s, size_t max)
{
	size_t n = strspn(s, "0123456789");
	return n && n <= max && !s[n];
}

/* A kind is a lowercase word, as the host's encoder makes them (src/agent/frame.ts). */
static int valid_kind(const char *s)
{
	size_t n = strlen(s);
	if (!n || n >= sizeof(((struct msg *)0)->kind) || *s < 'a' || *s > 'z')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/*
 * Parses "IPVSC <id> <kind> <length>" (one space between, id up to 15 digits, length up to 9, as
 * the host's decoder reads them). HDR_OK; HDR_GARBAGE: not a header, nothing is known of a body
 * (answered with id 0); HDR_REFUSED: a header whose id and length are known but which is refused
 * (its kind, or a body over the limit): the body is skipped and the answer carries the id.
 */
enum { HDR_OK, HDR_GARBAGE, HDR_REFUSED };
static int parse_header(char *h, struct msg *m, size_t *blen, char *why, size_t n)
{
	char *tok[5] = { 0 }, copy[MAX_HEADER + 1];
	snprintf(copy, sizeof(copy), "%s", h);
	int nt = 0;
	for (char *s = h; nt < 5 && (tok[nt] = strsep(&s, " ")); nt++)
		;
	if (nt != 4 || strcmp(tok[0], "IPVSC") || !digits(tok[1], 15) || !digits(tok[3], 9)) {
		snprintf(why, n, "expected a header 'IPVSC <id> <kind> <length>', got '%.60s'", copy);
		return HDR_GARBAGE;
	}
	m->id = strtoul(tok[1], NULL, 10);
	*blen = strtoul(tok[3], NULL, 10);
	if (!valid_kind(tok[2])) {
		snprintf(why, n, "request %lu: kind '%.40s' is not a lowercase word of at most %zu characters", m->id,
			 tok[2], sizeof(m->kind) - 1);
		return HDR_REFUSED;
	}
	strcpy(m->kind, tok[2]);
	if (*blen > MAX_BODY) {
		snprintf(why, n, "request %lu: body of %zu bytes is over the %u limit", m->id, *blen, MAX_BODY);
		return HDR_REFUSED;
	}
	return HDR_OK;
}

/*
 * Reads more bytes into the buffer. 1 read something, 0 EOF (stdio), -1 error, CHAN_RESET: the
 * host went away and a host is back (virtio), and what was buffered, a half frame perhaps, is
 * gone: the caller starts again at a header.
 */
#define CHAN_RESET 2
static int fill(struct chan *c)
{
	if (c->cap - c->len < 65536) {
		size_t cap = c->cap ? c->cap * 2 : 131072;
		char *p = realloc(c->buf, cap);
		if (!p)
			return -1;
		c->buf = p;
		c->cap = cap;
	}
	for (;;) {
		ssize_t r = read(c->rfd, c->buf + c->len, c->cap - c->len);
		if (r > 0) {
			c->len += (size_t)r;
			return 1;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno != EAGAIN)
			return -1;
		if (!c->virtio)
			return r == 0 ? 0 : -1;
		/* virtio: no host connected right now. Drop any half frame and wait for one; when a
		 * host connects again, announce ourselves again so it need not ask. */
		c->len = 0;
		for (;;) {
			struct pollfd pfd = { c->rfd, POLLIN, 0 };
			int pr = poll(&pfd, 1, 20);
			if (pr < 0 && errno != EINTR)
				return -1;
			if (pr > 0 && (pfd.revents & POLLHUP)) {
				sleep_ms(20);
				continue;
			}
			break;  /* data, or a quiet connected port */
		}
		if (c->ready)
			chan_send(c, 0, "ready", c->ready, c->ready_len);
		return CHAN_RESET;
	}
}

static void consume(struct chan *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

/* Drops the next n bytes of the stream (a refused body): 1, or what fill() said. */
static int skip(struct chan *c, size_t n)
{
	while (n) {
		if (!c->len) {
			int r = fill(c);
			if (r != 1)
				return r;
		}
		size_t k = c->len < n ? c->len : n;
		consume(c, k);
		n -= k;
	}
	return 1;
}

/* The header line into h (NUL-terminated): 1, a bad header line in m->bad (1), or fill()'s word. */
static int read_header(struct chan *c, struct msg *m, char *h)
{
	char *nl;
	while (!(nl = c->len ? memchr(c->buf, '\n', c->len) : NULL)) {
		if (c->len > MAX_HEADER) {
			snprintf(m->bad, sizeof(m->bad), "header line longer than %d bytes without a newline", MAX_HEADER);
			/* resynchronise: drop up to the next newline */
			while (!(nl = memchr(c->buf, '\n', c->len))) {
				c->len = 0;
				int r = fill(c);
				if (r != 1)
					return r;
			}
			consume(c, (size_t)(nl - c->buf) + 1);
			return 1;
		}
		int r = fill(c);
		if (r != 1)
			return r;
	}
	size_t hlen = (size_t)(nl - c->buf);
	if (hlen > MAX_HEADER) {
		snprintf(m->bad, sizeof(m->bad), "header line of %zu bytes (at most %d): '%.40s'", hlen, MAX_HEADER, c->buf);
		consume(c, hlen + 1);
		return 1;
	}
	memcpy(h, c->buf, hlen);
	h[hlen] = 0;
	consume(c, hlen + 1);
	return 1;
}

/* One frame, or CHAN_RESET when the host reconnected in the middle of it. */
static int recv_frame(struct chan *c, struct msg *m)
{
	memset(m, 0, sizeof(*m));
	char header[MAX_HEADER + 1];
	int r = read_header(c, m, header);
	if (r != 1 || m->bad[0])
		return r;
	size_t blen = 0;
	int pr = parse_header(header, m, &blen, m->bad, sizeof(m->bad));
	if (pr == HDR_GARBAGE) {
		m->id = 0;
		return 1;
	}
	if (pr == HDR_REFUSED)
		return skip(c, blen);
	while (c->len < blen)
		if ((r = fill(c)) != 1)
			return r;
	m->body = malloc(blen + 1);
	if (!m->body)
		return -1;
	memcpy(m->body, c->buf, blen);
	m->body[blen] = 0;
	m->len = blen;
	consume(c, blen);
	return 1;
}

int chan_recv(struct chan *c, struct msg *m)
{
	int r;
	while ((r = recv_frame(c, m)) == CHAN_RESET)
		;
	return r;
}
