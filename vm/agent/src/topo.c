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
#define IDX_T6 22  /* servers: the ip6tnl device that decapsulates IPv6-in-IPv6 */

/* The IPv6 links (outside the address plan's /48s): clients, servers, the direct link. */
#define CLI6_DIR "2001:db8:ff00::fe"
#define CLI6_SIDE "2001:db8:ff00::2"
#define SRV6_DIR "2001:db8:ff03::fe"
#define SRV6_SIDE "2001:db8:ff03::1"
#define LL6_DIR "fe80::fe"   /* the director's end of a link */
#define LL6_SIDE "fe80::2"   /* the side's end */
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

/* An address in text, either family: its family, and its bytes in *a (16 bytes room). */
static int text_af(const char *ip, void *a)
{
	int af = strchr(ip, ':') ? AF_INET6 : AF_INET;
	inet_pton(af, ip, a);
	return af;
}

static size_t af_len(int af)
{
	return af == AF_INET6 ? 16 : 4;
}

/* `ip addr add IP/PLEN dev IDX`. An IPv6 address is tentative until the kernel's DAD work has
 * made it usable (no IFA_F_NODAD, which would hide that): topo_up waits for it (settle.c). */
static int addr_msg(int nl, int cmd, int idx, const char *ip, int plen)
{
	struct nlreq r;
	struct ifaddrmsg *ifa = nl_begin(&r, (uint16_t)cmd, cmd == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0, sizeof(*ifa));
	struct in6_addr a;
	int af = text_af(ip, &a);
	ifa->ifa_family = (uint8_t)af;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_index = (uint32_t)idx;
	nl_put(&r, IFA_LOCAL, &a, af_len(af));
	nl_put(&r, IFA_ADDRESS, &a, af_len(af));
	return nl_talk(nl, &r);
}

static int add_addr(int nl, int idx, const char *ip, int plen)
{
	return addr_msg(nl, RTM_NEWADDR, idx, ip, plen);
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
	struct in6_addr a;
	int af = text_af(dst ? dst : gw, &a);
	rt->rtm_family = (uint8_t)af;
	rt->rtm_dst_len = (uint8_t)plen;
	rt->rtm_protocol = RTPROT_STATIC;
	rt->rtm_table = table ? (uint8_t)table : local ? RT_TABLE_LOCAL : RT_TABLE_MAIN;
	rt->rtm_scope = local ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
	rt->rtm_type = (unsigned char)type;
	if (plen) {
		text_af(dst, &a);
		nl_put(&r, RTA_DST, &a, af_len(af));
	}
	if (gw) {
		text_af(gw, &a);
		nl_put(&r, RTA_GATEWAY, &a, af_len(af));
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
	struct in6_addr a;
	int af = text_af(src, &a);
	h->family = (uint8_t)af;
	h->src_len = (uint8_t)plen;
	h->action = FR_ACT_TO_TBL;
	h->table = (uint8_t)table;
	nl_put(&r, FRA_SRC, &a, af_len(af));
	nl_put_u32(&r, FRA_PRIORITY, 100);
	return nl_talk(nl, &r);
}

/* A wildcard tunnel device of kind "ipip" or "ip6tnl" (no local, no remote address, any inner
 * protocol): it takes every tunnelled packet to a local address. */
static int make_tunnel(int nl, const char *kind, const char *name, int idx)
{
	struct nlreq r;
	struct ifinfomsg *ifi = nl_begin(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	nl_put_str(&r, IFLA_IFNAME, name);
	size_t li = nl_nest_begin(&r, IFLA_LINKINFO);
	nl_put_str(&r, IFLA_INFO_KIND, kind);
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
/*
 * IPv6 on the devices made from now on in the current netns: no automatic link-local address
 * (addr_gen_mode 1: an IPv4 case sends no IPv6 packet at all), no duplicate address detection (the
 * DAD work then only makes an address usable: settle.c) and no router solicitation. A link that
 * carries IPv6 gets link-local addresses of the agent's own (LL6_*): neighbour solicitation for a
 * packet from an address the device does not hold (a forwarded one, an AnyIP client's) is sent
 * from one (ndisc_solicit).
 */
static int ipv6_quiet(void)
{
	return write_sysctl("/proc/sys/net/ipv6/conf/default/accept_dad", "0") ?:
	       write_sysctl("/proc/sys/net/ipv6/conf/default/addr_gen_mode", "1") ?:
	       write_sysctl("/proc/sys/net/ipv6/conf/default/router_solicitations", "0");
}

static int side_ns(struct topo *t, int *ns, int *nl, const char *anyip, const char *anyip6, char *err, size_t errn)
{
	if (*ns >= 0)
		return 0;
	STEP("side_netns", (*ns = new_ns(t)) < 0 ? -errno : 0);
	STEP("side_ipv6_quiet", ipv6_quiet());
	*nl = nl_open(NETLINK_ROUTE);
	STEP("side_rtnetlink", *nl < 0 ? -errno : 0);
	STEP("side_lo_up", link_up(*nl, IDX_LO));
	STEP("side_AnyIP", add_route(*nl, anyip, 16, NULL, IDX_LO, 1));
	STEP("side_AnyIP6", add_route(*nl, anyip6, 48, NULL, IDX_LO, 1));
	/* IPv6 binds an address only when it is configured, unlike IPv4 with AnyIP: allow any. */
	STEP("ip_nonlocal_bind6", write_sysctl("/proc/sys/net/ipv6/ip_nonlocal_bind", "1"));
	/* The silent servers: what the director sends to 10.5.0.0/16 ends here, unanswered. */
	STEP("side_silent", add_route_type(*nl, "10.5.0.0", 16, NULL, 0, RTN_BLACKHOLE));
	STEP("side_silent6", add_route_type(*nl, "2001:db8:5::", 48, NULL, 0, RTN_BLACKHOLE));
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

/* This case's eth device on a side: eth up, ADDR/24, default via GW; with v6, ADDR6/64 and the
 * IPv6 default via GW6. */
static int side_link(struct topo *t, int ns, int nl, int idx, const char *addr, const char *gw, const char *addr6,
		     const char *gw6, char *err, size_t errn)
{
	STEP("enter_side", topo_enter(t, ns));
	STEP("side_eth_up", link_up(nl, idx));
	STEP("side_addr", add_addr(nl, idx, addr, 24));
	STEP("side_default", add_route(nl, NULL, 0, gw, idx, 0));
	if (addr6) {
		STEP("side_addr6", add_addr(nl, idx, addr6, 64));
		STEP("side_ll6", add_addr(nl, idx, LL6_SIDE, 64));
		STEP("side_default6", add_route(nl, NULL, 0, gw6, idx, 0));
	}
	return 0;
fail:
	return -1;
}

/*
 * The servers' tunnel device (ipip, or ip6tnl for IPv6-in-IPv6), up: our own wildcard one, or the
 * fallback (tunl0, ip6tnl0) where the kernel made one (it takes the same packets; a second
 * wildcard device is EEXIST). Without the module (a Docker host that has not loaded it) tunnels
 * cannot be tested: *err says why, and a case with such a tunnel destination fails as
 * infrastructure; everything else still runs.
 */
unsigned int if_nametoindex(const char *ifname);  /* <net/if.h>, which clashes with <linux/if.h> */

static int servers_tunnel(struct topo *t, const char *kind, const char *name, int idx, const char *fallback,
			  int *err)
{
	int e = make_tunnel(t->nl_srv, kind, name, idx);
	if (e == -EEXIST && !topo_enter(t, t->ns_srv))
		idx = (int)if_nametoindex(fallback);
	if (!e || idx > 0)
		e = link_up(t->nl_srv, idx);
	*err = -e;
	if (e)
		logmsg("servers' %s device: %s: tunnel destinations cannot be tested", kind, agent_strerror(-e));
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
	STEP("servers_ipip", servers_tunnel(t, "ipip", "t4", IDX_T4, "tunl0", &t->tunnel_err));
	STEP("direct_cli_addr6", add_addr(t->nl_cli, IDX_D, "2001:db8:ff04::1", 64));
	STEP("direct_srv_addr6", add_addr(t->nl_srv, IDX_D, "2001:db8:ff04::2", 64));
	/* a reply from a VIP solicits its next hop from a link-local address (ipv6_quiet) */
	STEP("direct_cli_ll6", add_addr(t->nl_cli, IDX_D, "fe80::4:1", 64));
	STEP("direct_srv_ll6", add_addr(t->nl_srv, IDX_D, "fe80::4:2", 64));
	STEP("direct_route6", add_route_table(t->nl_srv, "2001:db8:1::", 48, "2001:db8:ff04::1", IDX_D, RTN_UNICAST, TABLE_DIRECT));
	STEP("direct_rule6", add_rule_from(t->nl_srv, "2001:db8::", 48, TABLE_DIRECT));
	STEP("servers_AnyIP_VIPs6", add_route(t->nl_srv, "2001:db8::", 48, NULL, IDX_LO, 1));
	STEP("servers_ip6tnl", servers_tunnel(t, "ip6tnl", "t6", IDX_T6, "ip6tnl0", &t->tunnel6_err));
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

/*
 * The director's IPVS half: VIPs 2001:db8::/48 all local (AnyIP: no address per VIP), clients and
 * servers routed, the silent servers toward the servers (blackholed there), forwarding, and no
 * ICMPv6 rate limit (ip_vs_leave's port unreachable must reach the client every time).
 */
static int director6(struct topo *t, char *err, size_t errn)
{
	int d = t->nl_dir;
	STEP("addr6_cl0", add_addr(d, IDX_A, CLI6_DIR, 64));
	STEP("addr6_sv0", add_addr(d, IDX_B, SRV6_DIR, 64));
	STEP("ll6_cl0", add_addr(d, IDX_A, LL6_DIR, 64));
	STEP("ll6_sv0", add_addr(d, IDX_B, LL6_DIR, 64));
	STEP("VIPs6", add_route(d, "2001:db8::", 48, NULL, IDX_LO, 1));
	STEP("route6_clients", add_route(d, "2001:db8:1::", 48, CLI6_SIDE, IDX_A, 0));
	STEP("route6_servers", add_route(d, "2001:db8:2::", 48, SRV6_SIDE, IDX_B, 0));
	STEP("route6_silent", add_route(d, "2001:db8:5::", 48, SRV6_SIDE, IDX_B, 0));
	STEP("forwarding6", write_sysctl("/proc/sys/net/ipv6/conf/all/forwarding", "1"));
	STEP("icmp6_ratelimit", write_sysctl("/proc/sys/net/ipv6/icmp/ratelimit", "0"));
	/* ip6_tnl_rcv_ctl() accepts a tunnelled packet only for an address configured on the host
	 * (AnyIP does not count): the case's IPv6 tunnel destinations go on the servers' lo. */
	for (int i = 0; i < t->ntun6; i++) {
		char ip[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, &t->tun6[i], ip, sizeof(ip));
		int e = add_addr(t->nl_srv, IDX_LO, ip, 128);
		STEP("tunnel6_dest", e == -EEXIST ? 0 : e);
	}
	return 0;
fail:
	return -1;
}

int topo_up(struct topo *t, const uint32_t *vips, int nvips, int v6, char *err, size_t errn)
{
	g_setup_trace.len = 0;
	if ((t->ns_cli < 0) != (t->ns_srv < 0) || !t->direct)
		sides_reset(t);
	if (side_ns(t, &t->ns_cli, &t->nl_cli, "10.1.0.0", "2001:db8:1::", err, errn) ||
	    side_ns(t, &t->ns_srv, &t->nl_srv, "10.2.0.0", "2001:db8:2::", err, errn) || direct_setup(t, err, errn))
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
	STEP("director_ipv6_quiet", ipv6_quiet());
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
	if (v6 && director6(t, err, errn))
		goto fail;

	if (side_link(t, t->ns_cli, t->nl_cli, side_idx, "10.0.0.2", "10.0.0.254", v6 ? CLI6_SIDE : NULL, CLI6_DIR,
		      err, errn) ||
	    side_link(t, t->ns_srv, t->nl_srv, side_idx, "10.3.0.1", "10.3.0.254", v6 ? SRV6_SIDE : NULL, SRV6_DIR,
		      err, errn))
		goto fail;
	const int dir_links[] = { IDX_A, IDX_B };
	STEP("settled", topo_settle(t, v6, dir_links, 2));
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
	for (int i = 0; i < t->ntun6 && t->nl_srv >= 0; i++) {
		char ip[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, &t->tun6[i], ip, sizeof(ip));
		addr_msg(t->nl_srv, RTM_DELADDR, IDX_LO, ip, 128);
	}
	t->ntun6 = 0;
	if (dirty) {
		/* Something went wrong midway: start the sides afresh next case. */
		logmsg("case teardown incomplete: client and server namespaces are rebuilt");
		sides_reset(t);
	}
}
