/*
 * UDP traffic through the director. A UDP "connection" is one client socket bound to the
 * address and port the script names; `connect` and `send` each send one datagram to the target
 * and wait for the server's reply. Servers are one socket per port on 0.0.0.0 in the server
 * netns (AnyIP), with IP_PKTINFO: the real server a datagram reached is its destination address
 * and the socket's port. Each server answers from that address (IP_PKTINFO on send), and the
 * client accepts the answer from any source: with one-packet scheduling IPVS holds no entry for
 * the reply, which then reaches the client untranslated (from the real server).
 * Whether a datagram arrived is decided by fences, not a clock (fence.c).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent.h"

#define UDP_FENCES 16

struct uconn {
	char name[32];
	int fd;          /* client socket, -1 once closed */
	struct ip46 caddr;
	uint16_t cport;  /* network order */
	struct ip46 vaddr;  /* the target */
	uint16_t vport;
	uint32_t seq;
};

/* A server socket on the wildcard address of af, port (host order), with the packet info on. */
static int server(int af, uint16_t port)
{
	int fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (af == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	} else {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	}
	struct ip46 any = { .af = (uint16_t)af };
	struct sockaddr_storage sa;
	unsigned sl = ip46_sockaddr(&any, htons(port), &sa);
	if (bind(fd, (struct sockaddr *)&sa, sl) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

int udp_listen(struct traffic *tr, uint16_t port)
{
	return servers_open(tr, &tr->udp, port, server);
}

static struct uconn *find(struct traffic *tr, const char *name)
{
	for (int i = 0; i < tr->nuconns; i++)
		if (!strcmp(tr->uconns[i].name, name))
			return &tr->uconns[i];
	return NULL;
}

int udp_owns(struct traffic *tr, const char *name)
{
	return find(tr, name) != NULL;
}

/* The address a datagram was sent to (IP_PKTINFO / IPV6_PKTINFO); 0 when found. */
static int sent_to(struct msghdr *mh, struct ip46 *to)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			to->af = AF_INET;
			to->v4 = ((struct in_pktinfo *)CMSG_DATA(c))->ipi_addr.s_addr;
			return 0;
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			to->af = AF_INET6;
			to->v6 = ((struct in6_pktinfo *)CMSG_DATA(c))->ipi6_addr;
			return 0;
		}
	}
	return -1;
}

/* Answers one datagram from the address it was sent to. */
static void answer(int fd, const char *data, size_t n, struct sockaddr_storage *peer, socklen_t pl, const struct ip46 *from)
{
	char ctl[CMSG_SPACE(sizeof(struct in6_pktinfo))] = { 0 };
	struct iovec iov = { (void *)data, n };
	struct msghdr mh = { .msg_name = peer, .msg_namelen = pl, .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl };
	struct cmsghdr *c = (struct cmsghdr *)ctl;
	if (from->af == AF_INET6) {
		struct in6_pktinfo pi = { .ipi6_addr = from->v6 };
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
	} else {
		struct in_pktinfo pi = { .ipi_spec_dst.s_addr = from->v4 };
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
	}
	sendmsg(fd, &mh, MSG_DONTWAIT);
}

/* Answers every datagram waiting at one server socket; 1 when `want` was among them. */
static int serve_fd(int fd, const char *want, struct ip46 *dest)
{
	int hit = 0;
	for (;;) {
		char data[64], ctl[256];
		struct sockaddr_storage from;
		struct iovec iov = { data, sizeof(data) - 1 };
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = ctl, .msg_controllen = sizeof(ctl) };
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0)
			return hit;
		data[n] = 0;
		struct ip46 to;
		if (sent_to(&mh, &to))
			continue;
		if (!strcmp(data, want)) {
			hit = 1;
			*dest = to;
		}
		answer(fd, data, (size_t)n, &from, mh.msg_namelen, &to);
	}
}

/* Answers every datagram waiting at the servers; 1 when `want` was among them (its real server
 * in *dest, *dport). */
static int serve(struct traffic *tr, const char *want, struct ip46 *dest, uint16_t *dport)
{
	int hit = 0;
	for (int i = 0; i < tr->udp.n; i++) {
		int h = serve_fd(tr->udp.s[i].fd, want, dest);
		if (tr->udp.s[i].fd6 >= 0)
			h |= serve_fd(tr->udp.s[i].fd6, want, dest);
		if (h) {
			hit = 1;
			*dport = htons(tr->udp.s[i].port);
		}
	}
	return hit;
}

/* An ICMP port unreachable queued at the client: no destination (ip_vs_leave), or no service
 * and nothing listening on the director (ICMPV6_PORT_UNREACH, type 1 code 4, for IPv6). */
static int refused(int fd)
{
	char data[64], ctl[512];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	if (recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
		return 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		struct sock_extended_err *ee = (struct sock_extended_err *)CMSG_DATA(c);
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR)
			return ee->ee_origin == SO_EE_ORIGIN_ICMP && ee->ee_type == 3 && ee->ee_code == 3;
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)
			return ee->ee_origin == SO_EE_ORIGIN_ICMP6 && ee->ee_type == 1 && ee->ee_code == 4;
	}
	return 0;
}

/* The client got the answer to `want` (from any source). */
static int answered(int fd, const char *want)
{
	char data[64];
	ssize_t n;
	while ((n = recv(fd, data, sizeof(data) - 1, MSG_DONTWAIT)) >= 0) {
		data[n] = 0;
		if (!strcmp(data, want))
			return 1;
	}
	return 0;
}

/* One fence, or (no fences) a pause of the connect timeout: -1 when even that is over. */
static int next_fence(struct traffic *tr, int *fences, int to_server)
{
	if (*fences >= UDP_FENCES)
		return -1;
	if (*fences >= 0 && fence(tr, to_server) == 0) {
		(*fences)++;
		return 0;
	}
	if (*fences == -1)
		return -1;
	*fences = -1;  /* no fence went through: fall back on the clock, once */
	sleep_ms(tr->connect_timeout_ms);
	return 0;
}

/* One datagram and its answer: `dest=RIP:PORT`, `dest=none` (refused), or ETIMEDOUT (IPVS
 * dropped the datagram, or its answer never came). */
static int exchange(struct traffic *tr, struct uconn *u, struct sbuf *extra)
{
	char want[48];
	snprintf(want, sizeof(want), "%s %u", u->name, ++u->seq);
	struct sockaddr_storage va;
	unsigned vl = ip46_sockaddr(&u->vaddr, u->vport, &va);
	if (sendto(u->fd, want, strlen(want), 0, (struct sockaddr *)&va, vl) < 0)
		return errno;
	struct ip46 dest = { 0 };
	uint16_t dport = 0;
	int fences = 0;
	while (!serve(tr, want, &dest, &dport)) {
		if (refused(u->fd)) {
			sb_puts(extra, " dest=none");
			return 0;
		}
		if (next_fence(tr, &fences, fences % 2 == 0))
			return ETIMEDOUT;
	}
	fences = 0;
	while (!answered(u->fd, want))
		if (next_fence(tr, &fences, fences % 2 == 1))
			return ETIMEDOUT;
	char ap[64];
	fmt_ip46port(ap, sizeof(ap), &dest, dport);
	sb_printf(extra, " dest=%s", ap);
	return 0;
}

int udp_connect(struct traffic *tr, const char *name, const struct ip46 *vaddr, uint16_t vport,
		const struct ip46 *caddr, uint16_t cport, struct sbuf *extra)
{
	for (int i = 0; i < tr->nuconns; i++)
		if (tr->uconns[i].fd >= 0 && ip46_eq(&tr->uconns[i].caddr, caddr) && tr->uconns[i].cport == cport)
			return EADDRINUSE;  /* an open UDP connection of this case holds the address */
	if (tr->nuconns == tr->capuconns) {
		int cap = tr->capuconns ? tr->capuconns * 2 : 32;
		struct uconn *p = realloc(tr->uconns, sizeof(*p) * (size_t)cap);
		if (!p)
			return ENOMEM;
		tr->uconns = p;
		tr->capuconns = cap;
	}
	struct uconn *u = &tr->uconns[tr->nuconns++];
	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->caddr = *caddr;
	u->cport = cport;
	u->vaddr = *vaddr;
	u->vport = vport;
	u->fd = -1;
	int e = topo_enter(tr->t, tr->t->ns_cli);
	if (e)
		return -e;
	int fd = socket(caddr->af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (caddr->af == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
	else
		setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
	struct sockaddr_storage ca;
	unsigned cl = ip46_sockaddr(caddr, cport, &ca);
	if (bind(fd, (struct sockaddr *)&ca, cl) < 0) {
		e = errno;
		close(fd);
		return e;
	}
	u->fd = fd;
	return exchange(tr, u, extra);
}

int udp_send(struct traffic *tr, const char *name, struct sbuf *extra)
{
	struct uconn *u = find(tr, name);
	if (!u || u->fd < 0)
		return 0;  /* never opened or closed: nothing is sent */
	int e = topo_enter(tr->t, tr->t->ns_cli);
	return e ? -e : exchange(tr, u, extra);
}

void udp_close(struct traffic *tr, const char *name)
{
	struct uconn *u = find(tr, name);
	if (u && u->fd >= 0) {
		close(u->fd);
		u->fd = -1;
	}
}

void udp_cleanup(struct traffic *tr)
{
	for (int i = 0; i < tr->nuconns; i++)
		if (tr->uconns[i].fd >= 0)
			close(tr->uconns[i].fd);
	servers_close(&tr->udp);
	free(tr->uconns);
	tr->uconns = NULL;
	tr->nuconns = tr->capuconns = 0;
}
