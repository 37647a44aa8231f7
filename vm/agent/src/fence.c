/*
 * A fence: a UDP datagram between the clients' and servers' namespaces through the director
 * (routed, no IPVS service), sent after a packet of interest and awaited at the far end. Each
 * hop queues packets in order (netif_rx backlog of the sending CPU, veth has no NAPI by
 * default; the agent stays on one CPU for the whole case, util.c cpu_pin), so once the fence arrived, the packet sent before it was either delivered or
 * dropped on the way (by IPVS): no waiting on the clock, and no false timeout when the host
 * stalls the guest. Fence addresses 10.1.255.254:9 and 10.2.255.254:9 (AnyIP).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent.h"

#define FENCE_PORT 9

static int fence_socket(struct traffic *tr, int ns, uint32_t self, uint32_t peer)
{
	if (topo_enter(tr->t, ns))
		return -1;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(FENCE_PORT), .sin_addr.s_addr = self };
	struct sockaddr_in b = { .sin_family = AF_INET, .sin_port = htons(FENCE_PORT), .sin_addr.s_addr = peer };
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || connect(fd, (struct sockaddr *)&b, sizeof(b)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int fence(struct traffic *tr, int to_server)
{
	uint32_t c = htonl(0x0a01fffe), s = htonl(0x0a02fffe);
	if (tr->fence_cli < 0)
		tr->fence_cli = fence_socket(tr, tr->t->ns_cli, c, s);
	if (tr->fence_srv < 0)
		tr->fence_srv = fence_socket(tr, tr->t->ns_srv, s, c);
	if (tr->fence_cli < 0 || tr->fence_srv < 0)
		return -1;
	int from = to_server ? tr->fence_cli : tr->fence_srv, to = to_server ? tr->fence_srv : tr->fence_cli;
	uint32_t seq = ++tr->fence_seq;
	if (send(from, &seq, sizeof(seq), 0) != sizeof(seq))
		return -1;
	double deadline = now_ms() + tr->connect_timeout_ms;
	for (;;) {
		uint32_t got;
		while (recv(to, &got, sizeof(got), 0) == sizeof(got))
			if (got == seq)
				return 0;
		int left = (int)(deadline - now_ms());
		if (left <= 0)
			return -1;
		struct pollfd p = { to, POLLIN, 0 };
		if (poll(&p, 1, left) < 0 && errno != EINTR)
			return -1;
	}
}

void fence_close(struct traffic *tr)
{
	if (tr->fence_cli >= 0)
		close(tr->fence_cli);
	if (tr->fence_srv >= 0)
		close(tr->fence_srv);
	tr->fence_cli = tr->fence_srv = -1;
}
