/*
 * The three network namespaces of a case, built in-process over rtnetlink (no `ip` exec):
 *   clients (eN 10.0.0.2/24) <-veth-> cl0 10.0.0.254/24 + VIPs/32 | director | sv0 10.3.0.254/24 <-veth-> servers (eN 10.3.0.1/24)
 *   clients (dc 10.4.0.1/24) <-veth-> servers (e20 10.4.0.2/24): the direct link DR and tunnel replies take
 * Clients and servers own 10.1.0.0/16 and 10.2.0.0/16 through AnyIP local routes on lo, so
 * any address there can be bound without adding it. Namespaces are held by open fds only:
 * closing them (and every socket in them) makes the kernel tear everything down.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

/* Fixed interface indexes (rtnetlink lets us choose them), so no lookups are needed. */
#define IDX_LO 1
#define IDX_A 10   /* director cl0, client eth0, server eth0 */
#define IDX_B 11   /* director sv0 */
#define IDX_D 20   /* the direct link: clients dc, servers e20 */
#define IDX_T4 21  /* servers: the ipip device that decapsulates tunnelled packets */
#define TABLE_DIRECT 100  /* servers: routes for replies sent from a VIP (DR, tunnel) */

int topo_init(struct topo *t)
{
	memset(t, 0, sizeof(*t));
	t->ns_dir = t->ns_cli = t->ns_srv = t->nl_dir = t->nl_cli = t->nl_srv = t->conn_fd = -1;
	t->ns_init = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	t->cur = t->ns_init;
	return t->ns_init < 0 ? -1 : 0;
}

int topo_enter(struct topo *t, int nsfd)
{
	if (t->cur == nsfd)
		return 0;
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return -errno;
	t->cur = nsfd;
	return 0;
}

int write_sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t w = write(fd, val, strlen(val));
	int e = w < 0 ? -errno : 0;
	close(fd);
	return e;
}

/* A fresh netns, returned as an fd; the thread is left inside it. */
static int new_ns(struct topo *t)
{
	if (topo_enter(t, t->ns_init) < 0)
		return -1;
	if (unshare(CLONE_NEWNET) < 0)
		return -1;
	int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	t->cur = fd;
	return fd;
}

static int link_up(int nl, int idx)
{
	struct nlreq r;
	struct ifinfomsg *ifi = nl_begin(&r, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return nl_talk(nl, &r);
}

/* veth NAME (index idx here) with its peer eN (index peer_idx) moved into peer_ns. */
static int make_veth(int nl, const char *name, int idx, int peer_ns, int peer_idx)
{
	struct nlreq r;
	struct ifinfomsg *ifi = nl_begin(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	/* Not IFF_UP here: veth_newlink() configures the peer before linking the pair, and
	 * veth_open() of an unlinked device fails with ENOTCONN. Links go up afterwards. */
	nl_put_str(&r, IFLA_IFNAME, name);
	size_t li = nl_nest_begin(&r, IFLA_LINKINFO);
	nl_put_str(&r, IFLA_INFO_KIND, "veth");
	size_t data = nl_nest_begin(&r, IFLA_INFO_DATA);
	size_t peer = nl_nest_begin(&r, VETH_INFO_PEER);
	struct ifinfomsg pifi = { .ifi_family = AF_UNSPEC, .ifi_index = peer_idx };
	char peer_name[16];
	snprintf(peer_name, sizeof(peer_name), "e%d", peer_idx);
	/* the peer's ifinfomsg sits right after the nest header, then its attributes */
	memcpy(r.buf + r.len, &pifi, sizeof(pifi));
	r.len += NLMSG_ALIGN(sizeof(pifi));
	nl_put_str(&r, IFLA_IFNAME, peer_name);
	nl_put_u32(&r, IFLA_NET_NS_FD, (uint32_t)peer_ns);
	nl_nest_end(&r, peer);
	nl_nest_end(&r, data);
	nl_nest_end(&r, li);
	return nl_talk(nl, &r);
}

static int add_addr(int nl, int idx, const char *ip, int plen)
{
	struct nlreq r;
	struct ifaddrmsg *ifa = nl_begin(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_index = (uint32_t)idx;
	struct in_addr a;
	inet_pton(AF_INET, ip, &a);
	nl_put(&r, IFA_LOCAL, &a, 4);
	nl_put(&r, IFA_ADDRESS, &a, 4);
	return nl_talk(nl, &r);
}

static int add_addr_n(int nl, int idx, uint32_t a, int plen)
{
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	return add_addr(nl, idx, ip, plen);
}

/* `ip route add [local|blackhole] DST/PLEN [via GW] [dev IDX] [table T]`; type RTN_UNICAST, _LOCAL
 * or _BLACKHOLE; table 0: local or main */
static int add_route_table(int nl, const char *dst, int plen, const char *gw, int idx, int type, int table)
{
	struct nlreq r;
	struct rtmsg *rt = nl_begin(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(*rt));
	int local = type == RTN_LOCAL;
	rt->rtm_family = AF_INET;
	rt->rtm_dst_len = (uint8_t)plen;
	rt->rtm_protocol = RTPROT_STATIC;
	rt->rtm_table = table ? (uint8_t)table : local ? RT_TABLE_LOCAL : RT_TABLE_MAIN;
	rt->rtm_scope = local ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
	rt->rtm_type = (unsigned char)type;
	struct in_addr a;
	if (plen) {
		inet_pton(AF_INET, dst, &a);
		nl_put(&r, RTA_DST, &a, 4);
	}
	if (gw) {
		inet_pton(AF_INET, gw, &a);
		nl_put(&r, RTA_GATEWAY, &a, 4);
	}
	if (idx)
		nl_put_u32(&r, RTA_OIF, (uint32_t)idx);
	return nl_talk(nl, &r);
}

static int add_route(int nl, const char *dst, int plen, const char *gw, int idx, int local)
{
	return add_route_table(nl, dst, plen, gw, idx, local ? RTN_LOCAL : RTN_UNICAST, 0);
}

static int add_route_type(int nl, const char *dst, int plen, const char *gw, int idx, int type)
{
	return add_route_table(nl, dst, plen, gw, idx, type, 0);
}

/* `ip rule add from SRC/PLEN table T` */
static int add_rule_from(int nl, const char *src, int plen, int table)
{
	struct nlreq r;
	struct fib_rule_hdr *h = nl_begin(&r, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, sizeof(*h));
	h->family = AF_INET;
	h->src_len = (uint8_t)plen;
	h->action = FR_ACT_TO_TBL;
	h->table = (uint8_t)table;
	struct in_addr a;
	inet_pton(AF_INET, src, &a);
	nl_put(&r, FRA_SRC, &a, 4);
	nl_put_u32(&r, FRA_PRIORITY, 100);
	return nl_talk(nl, &r);
}

/* A wildcard ipip device (no local, no remote): it takes every ipip packet to a local address. */
static int make_ipip(int nl, const char *name, int idx)
{
	struct nlreq r;
	struct ifinfomsg *ifi = nl_begin(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	nl_put_str(&r, IFLA_IFNAME, name);
	size_t li = nl_nest_begin(&r, IFLA_LINKINFO);
	nl_put_str(&r, IFLA_INFO_KIND, "ipip");
	nl_nest_end(&r, li);
	return nl_talk(nl, &r);
}

struct sbuf g_setup_trace;  /* "what=ms " per step of the last setup (the `stats` request) */

#define STEP(what, expr)                                                              \
	do {                                                                           \
		double _t0 = now_ms();                                                 \
		int _e = (expr);                                                       \
		sb_printf(&g_setup_trace, " %s=%.2f", what, now_ms() - _t0);          \
		if (_e < 0) {                                                          \
			snprintf(err, errn, "%s: %s", what, strerror(-_e));            \
			goto fail;                                                     \
		}                                                                      \
	} while (0)

static int sync_del(int nl, int idx);

/* Client and server namespaces outlive cases (only the director holds IPVS state, and it is
 * fresh every case): creating and dismantling a netns costs tens of ms under emulation. What
 * a case leaves in them is removed at its end: its sockets (closed with RST), its eth device
 * (deleted with the veth pair), and no TIME_WAIT (tcp_max_tw_buckets=0 there). */
static int side_ns(struct topo *t, int *ns, int *nl, const char *anyip, char *err, size_t errn)
{
	if (*ns >= 0)
		return 0;
	STEP("side_netns", (*ns = new_ns(t)) < 0 ? -errno : 0);
	*nl = nl_open(NETLINK_ROUTE);
	STEP("side_rtnetlink", *nl < 0 ? -errno : 0);
	STEP("side_lo_up", link_up(*nl, IDX_LO));
	STEP("side_AnyIP", add_route(*nl, anyip, 16, NULL, IDX_LO, 1));
	/* The silent servers: what the director sends to 10.5.0.0/16 ends here, unanswered. */
	STEP("side_silent", add_route_type(*nl, "10.5.0.0", 16, NULL, 0, RTN_BLACKHOLE));
	/* A closed client port is free again at once, and no TCP metrics carry over between cases. */
	STEP("tcp_max_tw_buckets", write_sysctl("/proc/sys/net/ipv4/tcp_max_tw_buckets", "0"));
	STEP("tcp_no_metrics_save", write_sysctl("/proc/sys/net/ipv4/tcp_no_metrics_save", "1"));
	return 0;
fail:
	topo_enter(t, t->ns_init);
	if (*nl >= 0)
		close(*nl);
	if (*ns >= 0)
		close(*ns);
	*nl = *ns = -1;
	return -1;
}

/* This case's eth device on a side: eth up, ADDR/24, default via GW. */
static int side_link(struct topo *t, int ns, int nl, int idx, const char *addr, const char *gw, char *err,
		     size_t errn)
{
	STEP("enter_side", topo_enter(t, ns));
	STEP("side_eth_up", link_up(nl, idx));
	STEP("side_addr", add_addr(nl, idx, addr, 24));
	STEP("side_default", add_route(nl, NULL, 0, gw, idx, 0));
	return 0;
fail:
	return -1;
}

/*
 * The servers' ipip device, up: our own wildcard one, or the fallback tunl0 where the kernel made
 * one (it takes the same packets; a second wildcard device is EEXIST). Without ipip (a Docker
 * host that has not loaded it) tunnels cannot be tested: t->tunnel_err says why, and a case with
 * a tunnel destination fails as infrastructure; everything else still runs.
 */
unsigned int if_nametoindex(const char *ifname);  /* <net/if.h>, which clashes with <linux/if.h> */

static int servers_ipip(struct topo *t)
{
	int e = make_ipip(t->nl_srv, "t4", IDX_T4);
	int idx = IDX_T4;
	if (e == -EEXIST && !topo_enter(t, t->ns_srv))
		idx = (int)if_nametoindex("tunl0");
	if (!e || idx > 0)
		e = link_up(t->nl_srv, idx);
	t->tunnel_err = -e;
	if (e)
		logmsg("servers' ipip device: %s: tunnel destinations cannot be tested", strerror(-e));
	return 0;
}

/*
 * What Route (DR) and Tunnel destinations need, made once with the side namespaces:
 * - the servers accept the VIPs (AnyIP 10.0.0.0/16 on lo): DR and tunnel packets keep the VIP
 *   as their destination;
 * - an ipip device in the servers decapsulates tunnelled packets (outer destination the RIP);
 * - replies sent from a VIP go straight to the clients over the direct link (`from 10.0.0.0/16
 *   table 100`), while replies from a RIP (masquerading) still go back through the director.
 * DR's next hop: ip_vs_dr_xmit() routes to the RIP (IP_VS_RT_MODE_KNOWN_NH) and the route via
 * 10.3.0.1 gives the servers' namespace as the gateway, which owns every RIP: the frame reaches
 * the host holding the RIP, as DR requires, without one ARP entry per real server.
 */
static int direct_setup(struct topo *t, char *err, size_t errn)
{
	if (t->direct)
		return 0;
	STEP("direct_veth", make_veth(t->nl_cli, "dc", IDX_D, t->ns_srv, IDX_D));
	STEP("direct_cli_up", link_up(t->nl_cli, IDX_D));
	STEP("direct_cli_addr", add_addr(t->nl_cli, IDX_D, "10.4.0.1", 24));
	STEP("direct_srv_up", link_up(t->nl_srv, IDX_D));
	STEP("direct_srv_addr", add_addr(t->nl_srv, IDX_D, "10.4.0.2", 24));
	STEP("direct_route", add_route_table(t->nl_srv, "10.1.0.0", 16, "10.4.0.1", IDX_D, RTN_UNICAST, TABLE_DIRECT));
	STEP("direct_rule", add_rule_from(t->nl_srv, "10.0.0.0", 16, TABLE_DIRECT));
	STEP("servers_AnyIP_VIPs", add_route(t->nl_srv, "10.0.0.0", 16, NULL, IDX_LO, 1));
	STEP("servers_ipip", servers_ipip(t));
	t->direct = 1;
	return 0;
fail:
	return -1;
}

static void close_fd(int *fd);

/* Both side namespaces, or neither: the direct link joins them. */
static void sides_reset(struct topo *t)
{
	topo_enter(t, t->ns_init);
	close_fd(&t->nl_cli);
	close_fd(&t->nl_srv);
	close_fd(&t->ns_cli);
	close_fd(&t->ns_srv);
	t->direct = 0;
}

int topo_up(struct topo *t, const uint32_t *vips, int nvips, char *err, size_t errn)
{
	g_setup_trace.len = 0;
	if ((t->ns_cli < 0) != (t->ns_srv < 0) || !t->direct)
		sides_reset(t);
	if (side_ns(t, &t->ns_cli, &t->nl_cli, "10.1.0.0", err, errn) ||
	    side_ns(t, &t->ns_srv, &t->nl_srv, "10.2.0.0", err, errn) || direct_setup(t, err, errn))
		goto fail;
	/* The previous case's side devices die with its director, asynchronously (cleanup_net).
	 * Usually that has happened by now; if not, delete them here, so no old address or route
	 * competes with this case's. ENODEV: already gone. */
	if (t->gen) {
		int old = 100 + t->gen;
		STEP("old_side_devices", sync_del(t->nl_cli, old) ?: sync_del(t->nl_srv, old));
	}
	/* A fresh index (and name) for this case's side devices, never one a dying device holds. */
	t->gen = t->gen % 50000 + 1;
	int side_idx = 100 + t->gen;

	STEP("director_netns", (t->ns_dir = new_ns(t)) < 0 ? -errno : 0);
	t->nl_dir = nl_open(NETLINK_ROUTE);
	STEP("director_rtnetlink", t->nl_dir < 0 ? -errno : 0);
	int d = t->nl_dir;
	STEP("director_lo_up", link_up(d, IDX_LO));
	STEP("veth_cl0", make_veth(d, "cl0", IDX_A, t->ns_cli, side_idx));
	STEP("veth_sv0", make_veth(d, "sv0", IDX_B, t->ns_srv, side_idx));
	t->links = 1;
	STEP("cl0_up", link_up(d, IDX_A));
	STEP("sv0_up", link_up(d, IDX_B));
	STEP("addr_cl0", add_addr(d, IDX_A, "10.0.0.254", 24));
	for (int i = 0; i < nvips; i++)
		STEP("VIP_address", add_addr_n(d, IDX_A, vips[i], 32));
	STEP("addr_sv0", add_addr(d, IDX_B, "10.3.0.254", 24));
	STEP("route_10.1/16", add_route(d, "10.1.0.0", 16, "10.0.0.2", IDX_A, 0));
	STEP("route_10.2/16", add_route(d, "10.2.0.0", 16, "10.3.0.1", IDX_B, 0));
	STEP("route_10.5/16", add_route(d, "10.5.0.0", 16, "10.3.0.1", IDX_B, 0));
	STEP("ip_forward", write_sysctl("/proc/sys/net/ipv4/ip_forward", "1"));
	/* Every "no destination" ICMP (ip_vs_leave) must reach the client at once. */
	STEP("icmp_ratelimit", write_sysctl("/proc/sys/net/ipv4/icmp_ratelimit", "0"));
	STEP("icmp_ratemask", write_sysctl("/proc/sys/net/ipv4/icmp_ratemask", "0"));
	/* Per-netns only from 6.2; in 6.1 they are global and set once in init_net (main.c). */
	write_sysctl("/proc/sys/net/ipv4/icmp_msgs_per_sec", "1000000");
	write_sysctl("/proc/sys/net/ipv4/icmp_msgs_burst", "1000000");
	t->conn_fd = open("/proc/net/ip_vs_conn", O_RDONLY | O_CLOEXEC);  /* -1 until IPVS is loaded */

	if (side_link(t, t->ns_cli, t->nl_cli, side_idx, "10.0.0.2", "10.0.0.254", err, errn) ||
	    side_link(t, t->ns_srv, t->nl_srv, side_idx, "10.3.0.1", "10.3.0.254", err, errn))
		goto fail;
	return 0;
fail:
	return -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int del_link(int nl, int idx);

/* Deletes a device if it still exists: 0 also when it is gone already. */
static int sync_del(int nl, int idx)
{
	int e = del_link(nl, idx);
	return e == -ENODEV ? 0 : e;
}

static int del_link(int nl, int idx)
{
	struct nlreq r;
	struct ifinfomsg *ifi = nl_begin(&r, RTM_DELLINK, 0, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	return nl_talk(nl, &r);
}

void topo_down(struct topo *t, int ok)
{
	topo_enter(t, t->ns_init);
	/* The veth pairs go with the director (asynchronously); topo_up removes any still there. */
	int dirty = !ok;
	t->links = 0;
	close_fd(&t->conn_fd);
	close_fd(&t->nl_dir);
	close_fd(&t->ns_dir);
	if (dirty) {
		/* Something went wrong midway: start the sides afresh next case. */
		logmsg("case teardown incomplete: client and server namespaces are rebuilt");
		sides_reset(t);
	}
}
