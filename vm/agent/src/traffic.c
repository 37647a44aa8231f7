/*
 * Real TCP traffic through the director. Client sockets live in the client netns, bound to the
 * address and port the script names (AnyIP makes every 10.1.x.y bindable); listeners live in the
 * server netns on 0.0.0.0:PORT, one per destination port. A connection is ESTABLISHED once the
 * server side accepted it: the third ACK has then passed IPVS. The real server it reached is the
 * accepted socket's local address (masquerading keeps the client's source address, so accepted
 * sockets are matched to connections by their peer).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent.h"

/* C_SILENT: IPVS sent the SYN to a silent server (10.5.0.0/16, nothing answers there); the
 * client socket was closed without a word, so IPVS keeps the entry in SYN_RECV until it expires. */
enum { C_OPEN, C_NONE, C_CLOSED, C_FAILED, C_SILENT };

struct conn {
	char name[32];
	int cfd, sfd;
	struct ip46 caddr;
	uint16_t cport;  /* network order */
	struct ip46 vaddr;  /* the target */
	uint16_t vport;
	int state;
	int cli_shut, srv_shut;  /* that side sent its FIN (shut) */
};

/* The silent servers of the address plan: a SYN sent there is lost. */
#define SILENT_NET 0x0a050000u  /* 10.5.0.0/16, host order */
static const uint8_t SILENT_NET6[6] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05 };  /* 2001:db8:5::/48 */

static int is_silent(const struct ip46 *a)
{
	if (a->af == AF_INET6)
		return !memcmp(a->v6.s6_addr, SILENT_NET6, sizeof(SILENT_NET6));
	return (ntohl(a->v4) >> 16) == (SILENT_NET >> 16);
}

void traffic_init(struct traffic *tr, struct topo *t, int connect_timeout_ms)
{
	memset(tr, 0, sizeof(*tr));
	tr->fence_cli = tr->fence_srv = -1;
	tr->t = t;
	tr->connect_timeout_ms = connect_timeout_ms;
	tr->settle_ms = 200;
}

static void abort_close(int fd)
{
	if (fd < 0)
		return;
	/* RST instead of FIN: no orphan socket outlives the case (it would pin the netns). */
	struct linger l = { 1, 0 };
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/*
 * Closes without sending anything (TCP_REPAIR): for sockets whose peer or path is gone, where a
 * FIN or RST would be a packet through IPVS that the case did not ask for. Falls back to RST.
 */
static void quiet_close(int fd)
{
	if (fd < 0)
		return;
	int one = 1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, &one, sizeof(one)) == 0) {
		close(fd);
		return;
	}
	abort_close(fd);
}

/* A listener on the wildcard address of af, port (host order): fd or -errno. IPv6 ones are
 * IPV6_V6ONLY, so IPv4 connections keep their own listener and plain addresses. */
static int listener(int af, uint16_t port)
{
	int fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (af == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	struct ip46 any = { .af = (uint16_t)af };
	struct sockaddr_storage sa;
	unsigned sl = ip46_sockaddr(&any, htons(port), &sa);
	if (bind(fd, (struct sockaddr *)&sa, sl) < 0 || listen(fd, 4096) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

int servers_open(struct traffic *tr, struct servers *sv, uint16_t port, int (*open_fd)(int af, uint16_t port))
{
	for (int i = 0; i < sv->n; i++)
		if (sv->s[i].port == port)
			return 0;
	if (sv->n >= (int)(sizeof(sv->s) / sizeof(sv->s[0])))
		return -ENOSPC;
	int e = topo_enter(tr->t, tr->t->ns_srv);
	if (e)
		return e;
	int fd = open_fd(AF_INET, port);
	if (fd < 0)
		return fd;
	int fd6 = tr->v6 ? open_fd(AF_INET6, port) : -1;
	if (tr->v6 && fd6 < 0) {
		close(fd);
		return fd6;
	}
	sv->s[sv->n].port = port;
	sv->s[sv->n].fd = fd;
	sv->s[sv->n].fd6 = fd6;
	sv->n++;
	return 0;
}

void servers_close(struct servers *sv)
{
	for (int i = 0; i < sv->n; i++) {
		close(sv->s[i].fd);
		if (sv->s[i].fd6 >= 0)
			close(sv->s[i].fd6);
	}
	sv->n = 0;
}

int traffic_listen(struct traffic *tr, uint16_t port)
{
	return servers_open(tr, &tr->tcp, port, listener);
}

static struct conn *find_conn(struct traffic *tr, const char *name)
{
	for (int i = 0; i < tr->nconns; i++)
		if (!strcmp(tr->conns[i].name, name))
			return &tr->conns[i];
	return NULL;
}

/* Accepts everything pending on every listener (k = 0: IPv4, 1: IPv6) into the spare list. */
static void accept_all(struct traffic *tr)
{
	for (int i = 0; i < tr->tcp.n * 2; i++) {
		int lfd = i % 2 ? tr->tcp.s[i / 2].fd6 : tr->tcp.s[i / 2].fd;
		for (; lfd >= 0;) {
			int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd < 0)
				break;
			if (tr->nspare >= (int)(sizeof(tr->spare) / sizeof(tr->spare[0]))) {
				abort_close(fd);
				continue;
			}
			tr->spare[tr->nspare++] = fd;
		}
	}
}

/* Takes the accepted socket whose peer is caddr:cport out of the spare list, or -1. */
static int take_spare(struct traffic *tr, const struct ip46 *caddr, uint16_t cport)
{
	for (int i = 0; i < tr->nspare; i++) {
		struct sockaddr_storage p;
		socklen_t pl = sizeof(p);
		if (getpeername(tr->spare[i], (struct sockaddr *)&p, &pl) < 0)
			continue;
		struct ip46 pa;
		uint16_t pp;
		sockaddr_ip46(&p, &pa, &pp);
		if (ip46_eq(&pa, caddr) && pp == cport) {
			int fd = tr->spare[i];
			tr->spare[i] = tr->spare[--tr->nspare];
			return fd;
		}
	}
	return -1;
}

static int conn_entry(struct traffic *tr, const struct conn *c, int any_target, char *st, size_t n,
		      struct ip46 *daddr, uint16_t *dport);

/* IPVS has an entry for this client in SYN_RECV toward a silent server: its destination. */
static int silent_dest(struct traffic *tr, const struct conn *c, struct ip46 *daddr, uint16_t *dport)
{
	char st[32];
	if (conn_entry(tr, c, 1, st, sizeof(st), daddr, dport))
		return 0;
	return !strcmp(st, "SYN_RECV") && is_silent(daddr);
}

/* The socket's queued error is an ICMP port unreachable (not a reset from the server side):
 * ip_vs_leave()'s ICMP_PORT_UNREACH, or ICMPV6_PORT_UNREACH (type 1, code 4) for IPv6. */
static int refused_by_icmp(int fd)
{
	char data[64], ctl[512];
	struct sockaddr_storage from;
	struct iovec iov = { data, sizeof(data) };
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl, .msg_controllen = sizeof(ctl) };
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

#define CONNECT_FENCES 16

/*
 * The real server the connection reached. Masquerading rewrote the destination: the accepted
 * socket's local address is the RIP. DR and tunnels leave it the target (the servers accept the
 * VIPs), so the director's own entry for the connection names the destination.
 */
static const char *reached(struct traffic *tr, const struct conn *c)
{
	static char ap[64];
	struct sockaddr_storage ss;
	socklen_t ll = sizeof(ss);
	getsockname(c->sfd, (struct sockaddr *)&ss, &ll);
	struct ip46 la, da;
	uint16_t lp, dp;
	sockaddr_ip46(&ss, &la, &lp);
	char st[32];
	if (ip46_eq(&la, &c->vaddr) && lp == c->vport && !conn_entry(tr, c, 0, st, sizeof(st), &da, &dp))
		fmt_ip46port(ap, sizeof(ap), &da, dp);
	else
		fmt_ip46port(ap, sizeof(ap), &la, lp);
	return ap;
}

int traffic_connect(struct traffic *tr, const char *name, const struct ip46 *vaddr, uint16_t vport,
		    const struct ip46 *caddr, uint16_t cport, struct sbuf *extra)
{
	if (tr->nconns == tr->capconns) {
		int cap = tr->capconns ? tr->capconns * 2 : 64;
		struct conn *p = realloc(tr->conns, sizeof(*p) * (size_t)cap);
		if (!p)
			return ENOMEM;
		tr->conns = p;
		tr->capconns = cap;
	}
	struct conn *c = &tr->conns[tr->nconns++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->cfd = c->sfd = -1;
	c->caddr = *caddr;
	c->cport = cport;
	c->vaddr = *vaddr;
	c->vport = vport;
	c->state = C_FAILED;

	int e = topo_enter(tr->t, tr->t->ns_cli);
	if (e)
		return -e;
	int fd = socket(caddr->af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Queue ICMP errors, so a refusal by ICMP (IPVS) is told apart from one by RST (no listener). */
	if (caddr->af == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
	else
		setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
	struct sockaddr_storage ca, va;
	unsigned cl = ip46_sockaddr(caddr, cport, &ca), vl = ip46_sockaddr(vaddr, vport, &va);
	if (bind(fd, (struct sockaddr *)&ca, cl) < 0 ||
	    (connect(fd, (struct sockaddr *)&va, vl) < 0 && errno != EINPROGRESS)) {
		e = errno;
		close(fd);
		return e;
	}
	c->cfd = fd;
	double deadline = now_ms() + tr->connect_timeout_ms;
	int client_up = 0;
	/* The handshake's legs (SYN, SYN-ACK, ACK, and any ARP first) are followed by fences in
	 * alternate directions: once CONNECT_FENCES of them went through and the connection is not
	 * up, a packet of it was dropped (by IPVS): ETIMEDOUT at once. fences < 0: no fences, the
	 * clock decides. */
	int fences = 0;
	for (;;) {
		if (client_up && c->sfd < 0)
			c->sfd = take_spare(tr, caddr, cport);
		if (client_up && c->sfd >= 0)
			break;
		int left = (int)(deadline - now_ms());
		if (left <= 0 || fences >= CONNECT_FENCES) {
			quiet_close(c->cfd);
			c->cfd = -1;
			return ETIMEDOUT;
		}
		struct pollfd pfd[129];
		int n = 0;
		for (int i = 0; i < tr->tcp.n; i++) {
			pfd[n++] = (struct pollfd){ tr->tcp.s[i].fd, POLLIN, 0 };
			if (tr->tcp.s[i].fd6 >= 0)
				pfd[n++] = (struct pollfd){ tr->tcp.s[i].fd6, POLLIN, 0 };
		}
		int ci = -1;
		if (!client_up) {
			ci = n;
			pfd[n++] = (struct pollfd){ fd, POLLOUT, 0 };
		}
		int pr = poll(pfd, (nfds_t)n, fences >= 0 ? 0 : left);
		if (pr < 0 && errno != EINTR)
			return errno;
		if (pr == 0 && fences >= 0) {
			if (fence(tr, fences % 2 == 0)) {
				fences = -1;
			} else {
				fences++;
				/* While fences go through, they decide, not the clock: a guest starved by a
				 * loaded host takes long over them (a first IPv6 connect waits on neighbour
				 * discovery on three links). */
				deadline = now_ms() + tr->connect_timeout_ms;
			}
			/* The SYN passed IPVS toward a silent server: no answer will come. Close the
			 * client without a word (no SYN retransmission re-arms the entry's timer). */
			struct ip46 da;
			uint16_t dp;
			if (!client_up && fences > 0 && silent_dest(tr, c, &da, &dp)) {
				quiet_close(c->cfd);
				c->cfd = -1;
				c->state = C_SILENT;
				char ap[64];
				fmt_ip46port(ap, sizeof(ap), &da, dp);
				sb_printf(extra, " dest=%s", ap);
				return 0;
			}
			continue;
		}
		accept_all(tr);
		if (ci >= 0 && pfd[ci].revents) {
			int soerr = 0;
			socklen_t sl = sizeof(soerr);
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
			/* No destination: ip_vs_leave()'s ICMP port unreachable, or the director's own
			 * TCP reset when no service matched (IPVS then holds no entry for this client).
			 * A reset with an IPVS entry is a real server refusing: an error. */
			char st[32] = "";
			struct ip46 da;
			uint16_t dp;
			if (soerr == ECONNREFUSED && !refused_by_icmp(fd))
				conn_entry(tr, c, 1, st, sizeof(st), &da, &dp);
			if (soerr == ECONNREFUSED && !st[0]) {
				close(fd);
				c->cfd = -1;
				c->state = C_NONE;
				sb_puts(extra, " dest=none");
				return 0;
			}
			if (soerr) {
				close(fd);
				c->cfd = -1;
				return soerr;
			}
			client_up = 1;
		}
	}
	sb_printf(extra, " dest=%s", reached(tr, c));
	c->state = C_OPEN;
	if (g_verbose) {
		struct tcp_info ti;
		socklen_t tl = sizeof(ti);
		if (!getsockopt(c->cfd, IPPROTO_TCP, TCP_INFO, &ti, &tl) && ti.tcpi_total_retrans)
			logmsg("connect %s: %u retransmissions", name, ti.tcpi_total_retrans);
	}
	return 0;
}

/* Waits until fd is readable, up to ms; 1 readable, 0 timed out. */
static int wait_in(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	int r;
	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	return r > 0;
}

/* Reads and discards until EOF or error; 0 on EOF/reset, ETIMEDOUT otherwise. */
static int drain(int fd, int ms)
{
	double deadline = now_ms() + ms;
	char buf[512];
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			return 0;
		int left = (int)(deadline - now_ms());
		if (left <= 0 || !wait_in(fd, left))
			return ETIMEDOUT;
	}
}


/* Reads what is there without waiting: 0 EOF or reset seen, EAGAIN nothing yet. */
static int eof_now(int fd)
{
	char buf[512];
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			return 0;
		if (r < 0 && errno == EAGAIN)
			return EAGAIN;
	}
}

/*
 * Fences after a packet until `seen(fd)` says it arrived: 1 seen, 0 not after two fences (IPVS
 * dropped it), -1 no fence went through. Two, because a tunnelled packet takes one hop more than
 * a fence (ip_tunnel_rcv() queues the decapsulated packet again), so a fence sent while it was in
 * flight may overtake it; a fence sent after that one arrived cannot.
 */
static int fenced(struct traffic *tr, int to_server, int (*seen)(int fd), int fd)
{
	for (int i = 0; i < 2; i++) {
		if (seen(fd))
			return 1;
		if (fence(tr, to_server))
			return -1;
	}
	return seen(fd);
}

static int eof_seen(int fd)
{
	return !eof_now(fd);
}

/* The far socket saw the FIN or RST just sent: fenced, then checked; ETIMEDOUT if IPVS dropped it. */
static int arrived(struct traffic *tr, int fd, int to_server)
{
	int r = fenced(tr, to_server, eof_seen, fd);
	if (r < 0)
		return drain(fd, tr->connect_timeout_ms);  /* no fence: fall back on the clock */
	return r ? 0 : ETIMEDOUT;
}

/*
 * The client's TCP entry in /proc/net/ip_vs_conn (to its target, or to any target): its state and
 * destination; -1 with st "" when none. Lines: "TCP 0A010001 9C40 0A000001 0050 0A020001 0050
 * TIME_WAIT 119", IPv6 addresses in full ("2001:0db8:0001:0000:0000:0000:0000:0007").
 */
static int conn_entry_once(struct traffic *tr, const struct conn *c, int any_target, char *st, size_t n,
		      struct ip46 *daddr, uint16_t *dport)
{
	st[0] = 0;
	int fd = tr->t->conn_fd;
	if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	static char buf[1 << 20];
	size_t len = 0;
	for (;;) {
		ssize_t r = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len >= sizeof(buf) - 1)
			break;
	}
	buf[len] = 0;
	char key[128], a[48];
	fmt_ip46_proc(a, sizeof(a), &c->caddr);
	int kn = snprintf(key, sizeof(key), "TCP %s %04X ", a, ntohs(c->cport));
	if (!any_target) {
		fmt_ip46_proc(a, sizeof(a), &c->vaddr);
		snprintf(key + kn, sizeof(key) - (size_t)kn, "%s %04X ", a, ntohs(c->vport));
	}
	char *p = strstr(buf, key);
	if (!p)
		return -1;
	char state[32], dtext[48];
	unsigned dp;
	if (sscanf(p, "%*s %*s %*s %*s %*s %47s %x %31s", dtext, &dp, state) != 3 || parse_ip46_proc(dtext, daddr))
		return -1;
	snprintf(st, n, "%s", state);
	*dport = htons((uint16_t)dp);
	return 0;
}

/*
 * The entry, or -1 when two reads in a row lack it: a read of /proc/net/ip_vs_conn can skip an
 * entry while another netns's entries are removed (see conns_settled in listings.c).
 */
static int conn_entry(struct traffic *tr, const struct conn *c, int any_target, char *st, size_t n,
		      struct ip46 *daddr, uint16_t *dport)
{
	return conn_entry_once(tr, c, any_target, st, n, daddr, dport) &&
	       conn_entry_once(tr, c, any_target, st, n, daddr, dport) ? -1 : 0;
}

/* Bounded wait for the entry to reach `want` or `or` (or vanish): keeps the -c listing deterministic. */
static void settle(struct traffic *tr, struct conn *c, const char *want, const char *or)
{
	double deadline = now_ms() + tr->settle_ms;
	char st[32];
	struct ip46 da;
	uint16_t dp;
	for (;;) {
		conn_entry(tr, c, 0, st, sizeof(st), &da, &dp);
		if (!st[0] || !strcmp(st, want) || !strcmp(st, or) || now_ms() > deadline)
			return;
		sleep_ms(1);
	}
}

/* 1 with *out set when the connection is open; 0 when there is nothing to close (it was never
 * established, or is closed already): nothing is sent, like the kernel seeing no packet. */
static int closable(struct traffic *tr, const char *name, struct conn **out)
{
	struct conn *c = find_conn(tr, name);
	if (!c || c->state != C_OPEN)
		return 0;
	*out = c;
	return 1;
}

/* Both sockets closed without another packet, after IPVS dropped one of ours. */
static void give_up(struct conn *c)
{
	quiet_close(c->sfd);
	quiet_close(c->cfd);
	c->sfd = c->cfd = -1;
	c->state = C_CLOSED;
}

/*
 * One side's FIN (shutdown SHUT_WR) and the other side's ACK of it, sent at once (TCP_QUICKACK:
 * a FIN's ACK is otherwise delayed) and fenced through the director. ETIMEDOUT when IPVS
 * dropped the FIN.
 */
/*
 * The ACK of what `fd` sent never came back: the sender still has it unacknowledged after the
 * ACK's fence (IPVS dropped the client's ACK: its dest is deleted, or its entry expired and the
 * director's own TCP reset the client). Left alone, the sender would retransmit on its own clock.
 */
static int unacked(int fd)
{
	struct tcp_info ti;
	socklen_t tl = sizeof(ti);
	return !getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) && ti.tcpi_unacked > 0;
}

static int half_close(struct traffic *tr, struct conn *c, int server)
{
	int wfd = server ? c->sfd : c->cfd, rfd = server ? c->cfd : c->sfd;
	shutdown(wfd, SHUT_WR);
	int te = arrived(tr, rfd, !server);
	if (te)
		return te;
	int one = 1;
	setsockopt(rfd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	if (fence(tr, server) == 0 && unacked(wfd))
		return ETIMEDOUT;
	*(server ? &c->srv_shut : &c->cli_shut) = 1;
	return 0;
}

int traffic_fin(struct traffic *tr, const char *name)
{
	struct conn *c;
	if (!closable(tr, name, &c))
		return 0;
	/* Whichever side has not sent its FIN yet does (the client first), then both close: ip_vs_proto_tcp.c
	 * tcp_states ES -in FIN-> CLOSE_WAIT -out FIN-> TIME_WAIT (or FIN_WAIT -in FIN-> TIME_WAIT); DR and
	 * tunnels (the director sees the client's packets only, INPUT-ONLY): ES -FIN-> FIN_WAIT -ACK-> FIN_WAIT. */
	int te = c->cli_shut ? 0 : half_close(tr, c, 0);
	if (!te && !c->srv_shut)
		te = half_close(tr, c, 1);
	if (te) {
		/* IPVS dropped a FIN (e.g. its dest is gone): give up without another packet. */
		give_up(c);
		return te;
	}
	close(c->sfd);
	close(c->cfd);
	c->sfd = c->cfd = -1;
	c->state = C_CLOSED;
	settle(tr, c, "TIME_WAIT", "FIN_WAIT");
	return 0;
}

/* The socket was reset (a RST arrived): TCP_CLOSE. */
static int reset_seen(int fd)
{
	struct tcp_info ti;
	socklen_t tl = sizeof(ti);
	return !getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) && ti.tcpi_state == TCP_CLOSE;
}

int traffic_rst(struct traffic *tr, const char *name)
{
	struct conn *c;
	if (!closable(tr, name, &c))
		return 0;
	c->state = C_CLOSED;
	abort_close(c->cfd);  /* client RST */
	c->cfd = -1;
	/* Close the server side once the RST is through the director, without a word either way;
	 * if IPVS dropped the RST, the server socket never saw it. */
	int seen = fenced(tr, 1, reset_seen, c->sfd);
	if (seen < 0)
		seen = !arrived(tr, c->sfd, 1);
	quiet_close(c->sfd);
	c->sfd = -1;
	if (seen)
		settle(tr, c, "CLOSE", "CLOSE");
	return 0;
}

static int read_byte(int fd)
{
	char b;
	return read(fd, &b, 1) == 1;
}

/* Reads the one byte `send` put on the wire, fenced: 0 got it, ETIMEDOUT it never came. */
static int got_byte(struct traffic *tr, int fd, int to_server)
{
	int r = fenced(tr, to_server, read_byte, fd);
	if (r >= 0)
		return r ? 0 : ETIMEDOUT;
	return wait_in(fd, tr->connect_timeout_ms) && read_byte(fd) ? 0 : ETIMEDOUT;
}

int traffic_send(struct traffic *tr, const char *name)
{
	struct conn *c;
	if (!closable(tr, name, &c))
		return 0;
	/* The client sends while it may; after its own shut, the server does; after both, nothing. */
	int server = c->cli_shut;
	if (server && c->srv_shut)
		return 0;
	int wfd = server ? c->sfd : c->cfd, rfd = server ? c->cfd : c->sfd;
	if (write(wfd, "x", 1) != 1) {
		int e = errno;
		give_up(c);
		return e;
	}
	int te = got_byte(tr, rfd, !server);
	if (te) {
		/* IPVS dropped it, or holds no entry any more (the director's own stack reset it). */
		give_up(c);
		return te;
	}
	int one = 1;
	setsockopt(rfd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));  /* its ACK now, not delayed */
	if (fence(tr, server) == 0 && unacked(wfd)) {
		give_up(c);
		return ETIMEDOUT;
	}
	return 0;
}

int traffic_shut(struct traffic *tr, const char *name, int server)
{
	struct conn *c;
	if (!closable(tr, name, &c))
		return 0;
	if (server ? c->srv_shut : c->cli_shut)
		return 0;
	int te = half_close(tr, c, server);
	if (te) {
		give_up(c);
		return te;
	}
	return 0;
}

void traffic_cleanup(struct traffic *tr)
{
	/* Silently: the case is over, no packet of ours should still cross the director. */
	for (int i = 0; i < tr->nconns; i++) {
		quiet_close(tr->conns[i].cfd);
		quiet_close(tr->conns[i].sfd);
	}
	for (int i = 0; i < tr->nspare; i++)
		quiet_close(tr->spare[i]);
	servers_close(&tr->tcp);
	fence_close(tr);
	free(tr->conns);
	struct topo *t = tr->t;
	int to = tr->connect_timeout_ms;
	traffic_init(tr, t, to);
}
