/*
 * IPv6 is not ready when its address is added: addrconf_dad_start() only queues the address's
 * DAD work (net/ipv6/addrconf.c), and addrconf_dad_begin(), run later by a kworker under the
 * RTNL, joins the address's solicited-node group and, DAD being off (ipv6_quiet), clears
 * IFA_F_TENTATIVE and inserts the address's local route (addrconf_dad_completed). Until then a
 * neighbour solicitation for the address is dropped (ip6_mc_input: group not joined) and an
 * answer to it is not received (no local route): the sender retries only after its 1 s
 * retransmit timer, which fences outrun under virtual time (a first connect's false ETIMEDOUT).
 * The addresses are therefore added tentative, and a case waits here until none is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/if_addr.h>
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

int ipv6_settle(const struct topo *t)
{
	const int nls[] = { t->nl_cli, t->nl_dir, t->nl_srv };
	double deadline = now_ms() + SETTLE_TIMEOUT_MS;
	for (;;) {
		int left = 0;
		for (size_t i = 0; i < sizeof(nls) / sizeof(nls[0]); i++) {
			int n = tentative(nls[i]);
			if (n < 0)
				return n;
			left += n;
		}
		if (!left)
			return 0;
		if (now_ms() > deadline)
			return -ETIMEDOUT;
		sleep_ms(1);  /* the CPU to the kworker that runs the DAD work */
	}
}
