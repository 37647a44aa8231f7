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

/* Parses "IPVSC <id> <kind> <len>"; 0 ok, else fills why. */
static int parse_header(const char *h, struct msg *m, size_t *blen, char *why, size_t n)
{
	char kind[64];
	unsigned long id;
	unsigned long long len;
	char tail;
	if (strncmp(h, "IPVSC ", 6)) {
		snprintf(why, n, "expected a header 'IPVSC <id> <kind> <length>', got '%.60s'", h);
		return -1;
	}
	if (sscanf(h, "IPVSC %lu %63s %llu%c", &id, kind, &len, &tail) != 3) {
		snprintf(why, n, "malformed header '%.60s': expected 'IPVSC <id> <kind> <length>'", h);
		return -1;
	}
	m->id = id;
	if (strlen(kind) >= sizeof(m->kind)) {
		snprintf(why, n, "kind too long in header '%.60s'", h);
		return -1;
	}
	strcpy(m->kind, kind);
	if (len > MAX_BODY) {
		snprintf(why, n, "body of %llu bytes is over the %u limit", len, MAX_BODY);
		return -2;
	}
	*blen = (size_t)len;
	return 0;
}

/* Reads more bytes into the buffer. 1 read something, 0 EOF (stdio), -1 error. */
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
		c->hup = 1;
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
		if (c->hup && c->ready) {
			c->hup = 0;
			chan_send(c, 0, "ready", c->ready, c->ready_len);
		}
	}
}

static void consume(struct chan *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

int chan_recv(struct chan *c, struct msg *m)
{
	memset(m, 0, sizeof(*m));
	char *nl;
	/* Header line */
	for (;;) {
		nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
		if (nl)
			break;
		if (c->len > MAX_HEADER) {
			snprintf(m->bad, sizeof(m->bad), "header line longer than %d bytes without a newline",
				 MAX_HEADER);
			/* resynchronise: drop up to the next newline */
			for (;;) {
				nl = memchr(c->buf, '\n', c->len);
				if (nl) {
					consume(c, (size_t)(nl - c->buf) + 1);
					return 1;
				}
				c->len = 0;
				int r = fill(c);
				if (r <= 0)
					return r;
			}
		}
		int r = fill(c);
		if (r <= 0)
			return r;
	}
	size_t hlen = (size_t)(nl - c->buf);
	if (hlen > MAX_HEADER) {
		snprintf(m->bad, sizeof(m->bad), "header line of %zu bytes (at most %d): '%.40s'", hlen,
			 MAX_HEADER, c->buf);
		consume(c, hlen + 1);
		return 1;
	}
	char header[MAX_HEADER + 1];
	memcpy(header, c->buf, hlen);
	header[hlen] = 0;
	consume(c, hlen + 1);
	size_t blen = 0;
	int pr = parse_header(header, m, &blen, m->bad, sizeof(m->bad));
	if (pr == -1)
		return 1;
	if (pr == -2) {
		/* Too big: we cannot skip what we do not know the end of safely; drop the buffer. */
		c->len = 0;
		return 1;
	}
	while (c->len < blen) {
		int r = fill(c);
		if (r <= 0)
			return r;
	}
	m->body = malloc(blen + 1);
	if (!m->body)
		return -1;
	memcpy(m->body, c->buf, blen);
	m->body[blen] = 0;
	m->len = blen;
	consume(c, blen);
	return 1;
}
