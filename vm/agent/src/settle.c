/*
 * What a case's setup leaves pending on a kworker, waited for before its first packet: a packet
 * lost to it is sent again only by a kernel timer (a neighbour's 1 s retransmit), which the
 * fences outrun under virtual time (a first connect's false ETIMEDOUT).
 *
 * The director's veth ends cannot send yet. Each is brought up before its peer, so without a
 * carrier: dev_activate() (net/sched/sch_generic.c) then leaves its transmit queue on the noop
 * qdisc, which drops every packet, until the carrier-on event that the peer's veth_open() fires
 * is handled by linkwatch_do_dev() (net/core/link_watch.c) on a kworker under the RTNL; that
 * also sets the operational state UP (rfc2863_policy), which is what is waited for here. An IPv4
 * case's fences share the neighbour entries its traffic resolves and wait as long; an IPv6
 * case's neighbour answer dropped there (an NA, an NS for a server) is retried only after 1 s.
 *
 * IPv6 addresses are tentative: addrconf_dad_start() only queues the address's DAD work
 * (net/ipv6/addrconf.c), and addrconf_dad_begin(), run later by a kworker under the RTNL, joins
 * the address's solicited-node group and, DAD being off (ipv6_quiet), clears IFA_F_TENTATIVE and
 * inserts the address's local route (addrconf_dad_completed). Until then a neighbour
 * solicitation for the address is dropped (ip6_mc_input: group not joined) and an answer to it
 * is not received (no local route). The addresses are therefore added tentative, and an IPv6
 * case waits until none is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "agent.h"

#define SETTLE_TIMEOUT_MS 10000  /* guest time; the work waits on the RTNL, not on a timer */

static int count_tentative(struct nlmsghdr *h, void *arg)
{
	if (h->nlmsg_type != RTM_NEWADDR)
		return 0;
	struct ifaddrmsg *ifa = NLMSG_DATA(h);
	const void *tb[IFA_MAX + 1];
	nl_parse(IFA_RTA(ifa), IFA_PAYLOAD(h), tb, IFA_MAX);
	uint32_t flags = tb[IFA_FLAGS] ? nla_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	if (flags & IFA_F_TENTATIVE)
		(*(int *)arg)++;
	return 0;
}

/* How many IPv6 addresses of the netns behind `nl` are still tentative (or -errno). */
static int tentative(int nl)
{
	struct nlreq r;
	struct ifaddrmsg *ifa = nl_begin(&r, RTM_GETADDR, 0, sizeof(*ifa));
	ifa->ifa_family = AF_INET6;
	int n = 0, e = nl_dump(nl, &r, count_tentative, &n);
	return e < 0 ? e : n;
}

struct links_left {
	const int *idx;
	int n;
	int left;  /* of idx, how many are not operationally up */
};

static int count_down(struct nlmsghdr *h, void *arg)
{
	struct links_left *l = arg;
	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	const void *tb[IFLA_MAX + 1];
	nl_parse(IFLA_RTA(ifi), IFLA_PAYLOAD(h), tb, IFLA_MAX);
	int up = tb[IFLA_OPERSTATE] && *(const uint8_t *)nla_payload(tb[IFLA_OPERSTATE]) == IF_OPER_UP;
	for (int i = 0; i < l->n; i++)
		if (l->idx[i] == ifi->ifi_index && up)
			l->left--;
	return 0;
}

/* How many of the director's devices `idx` linkwatch has not yet made operationally up (or -errno). */
static int not_up(int nl, const int *idx, int n)
{
	struct nlreq r;
	struct ifinfomsg *ifi = nl_begin(&r, RTM_GETLINK, 0, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	struct links_left l = { idx, n, n };
	int e = nl_dump(nl, &r, count_down, &l);
	return e < 0 ? e : l.left;
}

/* Pending work of the setup still to run (or -errno). */
static int pending(const struct topo *t, int v6, const int *dir_links, int n)
{
	int left = not_up(t->nl_dir, dir_links, n);
	const int nls[] = { t->nl_cli, t->nl_dir, t->nl_srv };
	for (size_t i = 0; v6 && left >= 0 && i < sizeof(nls) / sizeof(nls[0]); i++) {
		int k = tentative(nls[i]);
		left = k < 0 ? k : left + k;
	}
	return left;
}

int topo_settle(const struct topo *t, int v6, const int *dir_links, int n)
{
	double deadline = now_ms() + SETTLE_TIMEOUT_MS;
	for (;;) {
		int left = pending(t, v6, dir_links, n);
		if (left <= 0)
			return left;
		if (now_ms() > deadline)
			return -ETIMEDOUT;
		sleep_ms(1);  /* the CPU to the kworkers that run linkwatch and the DAD work */
	}
}
