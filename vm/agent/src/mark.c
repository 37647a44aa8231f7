/*
 * Firewall marks for fwmark services (PROTOCOL.md, address plan): the director marks every
 * packet to 10.0.M.0/24 or 2001:db8:0:M::/64 with mark M before IPVS sees it, and those addresses
 * are local to it. Per mark a case's connections use: on cl0's ingress (clsact) a flower filter
 * matching that destination with an skbedit action setting the mark, and for IPv4 a
 * `local 10.0.M.0/24 dev lo` route (IPv6 VIPs are local already: 2001:db8::/48, topo.c), all
 * over rtnetlink. tc runs before the IP layer, so IPVS (LOCAL_IN) sees the mark.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_skbedit.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"

#define IDX_LO 1
#define IDX_CL0 10  /* the director's client-side device (topo.c IDX_A) */

static int modules_ready;

/* sch_ingress (clsact), cls_flower and act_skbedit, loaded the first time a case needs them. */
static int load_modules(void)
{
	if (modules_ready)
		return 0;
	const char *mods[] = { "sch_ingress", "cls_flower", "act_skbedit" };
	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		int e = module_load(mods[i]);
		/* -ENOENT: not a module here (built in, or a Docker host that loaded it beforehand) */
		if (e && e != -EEXIST && e != -ENOENT)
			return e;
	}
	modules_ready = 1;
	return 0;
}

static int add_clsact(int nl)
{
	struct nlreq r;
	struct tcmsg *tc = nl_begin(&r, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, sizeof(*tc));
	tc->tcm_family = AF_UNSPEC;
	tc->tcm_ifindex = IDX_CL0;
	tc->tcm_handle = TC_H_MAKE(TC_H_CLSACT, 0);
	tc->tcm_parent = TC_H_CLSACT;
	nl_put_str(&r, TCA_KIND, "clsact");
	return nl_talk(nl, &r);
}

/* `tc filter add dev cl0 ingress prio 1|2 handle M|256+M protocol ip|ipv6 flower dst_ip NET
 *  action skbedit mark M` (one prio per protocol: a prio holds filters of one protocol) */
static int add_mark_filter(int nl, const struct mark *m)
{
	int v6 = m->af == AF_INET6;
	struct nlreq r;
	struct tcmsg *tc = nl_begin(&r, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, sizeof(*tc));
	tc->tcm_family = AF_UNSPEC;
	tc->tcm_ifindex = IDX_CL0;
	tc->tcm_parent = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS);
	tc->tcm_handle = (v6 ? 256u : 0u) + m->mark;
	tc->tcm_info = TC_H_MAKE((v6 ? 2u : 1u) << 16, htons(v6 ? ETH_P_IPV6 : ETH_P_IP));
	nl_put_str(&r, TCA_KIND, "flower");
	size_t opts = nl_nest_begin(&r, TCA_OPTIONS);
	nl_put_u16(&r, TCA_FLOWER_KEY_ETH_TYPE, htons(v6 ? ETH_P_IPV6 : ETH_P_IP));
	if (v6) {
		uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, m->mark }, mask[16];
		memset(mask, 0, sizeof(mask));
		memset(mask, 0xff, 8);
		nl_put(&r, TCA_FLOWER_KEY_IPV6_DST, dst, 16);
		nl_put(&r, TCA_FLOWER_KEY_IPV6_DST_MASK, mask, 16);
	} else {
		uint32_t dst = htonl(0x0a000000u | ((uint32_t)m->mark << 8)), mask = htonl(0xffffff00u);
		nl_put(&r, TCA_FLOWER_KEY_IPV4_DST, &dst, 4);
		nl_put(&r, TCA_FLOWER_KEY_IPV4_DST_MASK, &mask, 4);
	}
	size_t acts = nl_nest_begin(&r, TCA_FLOWER_ACT);
	size_t act = nl_nest_begin(&r, 1);
	nl_put_str(&r, TCA_ACT_KIND, "skbedit");
	size_t aopts = nl_nest_begin(&r, TCA_ACT_OPTIONS);
	struct tc_skbedit parms = { .action = TC_ACT_PIPE };
	nl_put(&r, TCA_SKBEDIT_PARMS, &parms, sizeof(parms));
	nl_put_u32(&r, TCA_SKBEDIT_MARK, m->mark);
	nl_nest_end(&r, aopts);
	nl_nest_end(&r, act);
	nl_nest_end(&r, acts);
	nl_nest_end(&r, opts);
	return nl_talk(nl, &r);
}

/* `ip route add table local local 10.0.M.0/24 dev lo`: every address of the mark is the director's. */
static int add_local_net(int nl, uint32_t mark)
{
	struct nlreq r;
	struct rtmsg *rt = nl_begin(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(*rt));
	rt->rtm_family = AF_INET;
	rt->rtm_dst_len = 24;
	rt->rtm_protocol = RTPROT_STATIC;
	rt->rtm_table = RT_TABLE_LOCAL;
	rt->rtm_scope = RT_SCOPE_HOST;
	rt->rtm_type = RTN_LOCAL;
	uint32_t dst = htonl(0x0a000000u | (mark << 8));
	nl_put(&r, RTA_DST, &dst, 4);
	nl_put_u32(&r, RTA_OIF, IDX_LO);
	return nl_talk(nl, &r);
}

int mark_setup(struct topo *t, const struct mark *marks, int n, char *err, size_t errn)
{
	if (!n)
		return 0;
	int e = load_modules();
	if (e) {
		snprintf(err, errn, "fwmark: loading sch_ingress, cls_flower, act_skbedit: %s", agent_strerror(-e));
		return -1;
	}
	if ((e = add_clsact(t->nl_dir))) {
		snprintf(err, errn, "fwmark: clsact qdisc on cl0: %s", agent_strerror(-e));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		e = add_mark_filter(t->nl_dir, &marks[i]);
		if (!e && marks[i].af == AF_INET)
			e = add_local_net(t->nl_dir, marks[i].mark);
		if (e) {
			snprintf(err, errn, "fwmark %u (%s) on cl0: %s", marks[i].mark, marks[i].af == AF_INET6 ? "IPv6" : "IPv4", agent_strerror(-e));
			return -1;
		}
	}
	return 0;
}
