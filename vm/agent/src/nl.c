/* Netlink plumbing shared by rtnetlink (topo.c) and generic netlink (ipvs.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent.h"

#define ALIGN4(x) (((x) + 3u) & ~3u)

static uint32_t g_seq = 1;

void *nl_begin(struct nlreq *r, uint16_t type, uint16_t flags, size_t hdrlen)
{
	memset(r->buf, 0, NLMSG_HDRLEN + ALIGN4(hdrlen));
	struct nlmsghdr *h = (struct nlmsghdr *)r->buf;
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | flags;
	h->nlmsg_seq = g_seq++;
	r->len = NLMSG_HDRLEN + ALIGN4(hdrlen);
	r->full = 0;
	h->nlmsg_len = (uint32_t)r->len;
	return r->buf + NLMSG_HDRLEN;
}

int nl_put(struct nlreq *r, uint16_t type, const void *data, size_t n)
{
	size_t total = NLA_HDRLEN + n;
	/* Full stays full: a later, smaller attribute must not make a truncated message look whole. */
	if (r->full || total > UINT16_MAX || r->len + ALIGN4(total) > sizeof(r->buf)) {
		r->full = 1;
		return -EMSGSIZE;
	}
	struct nlattr *a = (struct nlattr *)(r->buf + r->len);
	a->nla_type = type;
	a->nla_len = (uint16_t)total;
	if (n)
		memcpy((char *)a + NLA_HDRLEN, data, n);
	memset((char *)a + total, 0, ALIGN4(total) - total);
	r->len += ALIGN4(total);
	((struct nlmsghdr *)r->buf)->nlmsg_len = (uint32_t)r->len;
	return 0;
}

int nl_put_u8(struct nlreq *r, uint16_t type, uint8_t v) { return nl_put(r, type, &v, 1); }
int nl_put_u16(struct nlreq *r, uint16_t type, uint16_t v) { return nl_put(r, type, &v, 2); }
int nl_put_u32(struct nlreq *r, uint16_t type, uint32_t v) { return nl_put(r, type, &v, 4); }
int nl_put_str(struct nlreq *r, uint16_t type, const char *s) { return nl_put(r, type, s, strlen(s) + 1); }

size_t nl_nest_begin(struct nlreq *r, uint16_t type)
{
	size_t off = r->len;
	nl_put(r, type, NULL, 0);
	return off;
}

void nl_nest_end(struct nlreq *r, size_t off)
{
	if (r->full)
		return;  /* its header may not be there: never written past the buffer */
	struct nlattr *a = (struct nlattr *)(r->buf + off);
	a->nla_len = (uint16_t)(r->len - off);
}

int nl_open(int proto)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return -1;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	int one = 1;
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return fd;
}

static int nl_send(int fd, struct nlreq *r)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	for (;;) {
		ssize_t w = sendto(fd, r->buf, r->len, 0, (struct sockaddr *)&sa, sizeof(sa));
		if (w >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/* Receives one datagram with a 5 s guard; returns its length or -errno. */
static ssize_t nl_recv(int fd, char *buf, size_t n)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	for (;;) {
		int pr = poll(&pfd, 1, 5000);
		if (pr == 0)
			return -ETIMEDOUT;
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		ssize_t r = recv(fd, buf, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 ? -errno : r;
	}
}

/*
 * Sends r with `flags` added and reads replies to its sequence number until the kernel ends the
 * exchange: NLMSG_ERROR (an error, or 0: the ACK) or NLMSG_DONE (a dump's end). Other messages
 * go to cb (when given) until it returns non-zero, which becomes the result.
 */
static int nl_exchange(int fd, struct nlreq *r, uint16_t flags, nl_cb cb, void *arg)
{
	struct nlmsghdr *req = (struct nlmsghdr *)r->buf;
	req->nlmsg_flags |= flags;
	uint32_t seq = req->nlmsg_seq;
	if (r->full)
		return -E_NL_TRUNC;
	int e = nl_send(fd, r);
	if (e)
		return e;
	static char buf[65536] __attribute__((aligned(4)));
	int result = 0;
	for (;;) {
		ssize_t n = nl_recv(fd, buf, sizeof(buf));
		if (n < 0)
			return (int)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return result;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *err = NLMSG_DATA(h);
				return err->error ? err->error : result;  /* 0 is the ACK */
			}
			if (cb && !result)
				result = cb(h, arg);
		}
	}
}

int nl_talk(int fd, struct nlreq *r)
{
	return nl_exchange(fd, r, NLM_F_ACK, NULL, NULL);
}

int nl_request(int fd, struct nlreq *r, nl_cb cb, void *arg)
{
	return nl_exchange(fd, r, NLM_F_ACK, cb, arg);
}

int nl_dump(int fd, struct nlreq *r, nl_cb cb, void *arg)
{
	return nl_exchange(fd, r, NLM_F_DUMP, cb, arg);
}

void nl_parse(const void *p, size_t len, const void **tb, int max)
{
	memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
	const char *c = p;
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)c;
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			break;
		int type = a->nla_type & NLA_TYPE_MASK;
		if (type <= max)
			tb[type] = a;
		size_t step = ALIGN4(a->nla_len);
		if (step > len)
			break;
		c += step;
		len -= step;
	}
}

const void *nla_payload(const void *a) { return (const char *)a + NLA_HDRLEN; }
size_t nla_len_of(const void *a) { return ((const struct nlattr *)a)->nla_len - NLA_HDRLEN; }

uint32_t nla_u32(const void *a)
{
	uint32_t v = 0;
	if (nla_len_of(a) >= 4)
		memcpy(&v, nla_payload(a), 4);
	return v;
}

uint16_t nla_u16(const void *a)
{
	uint16_t v = 0;
	if (nla_len_of(a) >= 2)
		memcpy(&v, nla_payload(a), 2);
	return v;
}
