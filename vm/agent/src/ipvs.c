/*
 * IPVS over generic netlink (family "IPVS"), attribute by attribute as ip_vs_ctl.c's
 * ip_vs_genl_parse_service()/ip_vs_genl_parse_dest() read them and as ipvsadm's libipvs sends
 * them. Errors are the kernel's own errno, passed up unchanged.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent.h"

static uint16_t g_family;

static int family_id(struct nlmsghdr *h, void *arg)
{
	const void *tb[CTRL_ATTR_MAX + 1];
	nl_parse((char *)NLMSG_DATA(h) + GENL_HDRLEN, h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, tb,
		 CTRL_ATTR_MAX);
	if (!tb[CTRL_ATTR_FAMILY_ID])
		return -EPROTO;
	*(uint16_t *)arg = nla_u16(tb[CTRL_ATTR_FAMILY_ID]);
	return 0;
}

/* The IPVS family's id, through the shared exchange: its timeout, and only replies to this request. */
static int resolve_family(int fd)
{
	struct nlreq r;
	struct genlmsghdr *g = nl_begin(&r, GENL_ID_CTRL, 0, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	nl_put_str(&r, CTRL_ATTR_FAMILY_NAME, IPVS_GENL_NAME);
	uint16_t id = 0;
	int e = nl_request(fd, &r, family_id, &id);
	if (e)
		return e;
	if (!id)
		return -EPROTO;
	g_family = id;
	return 0;
}

int ipvs_open(char *err, size_t errn)
{
	int fd = nl_open(NETLINK_GENERIC);
	if (fd < 0) {
		snprintf(err, errn, "generic netlink socket: %s", strerror(errno));
		return -1;
	}
	if (!g_family) {
		int e = resolve_family(fd);
		if (e) {
			snprintf(err, errn, "generic netlink family IPVS: %s (is ip_vs loaded?)", agent_strerror(-e));
			close(fd);
			return -1;
		}
	}
	return fd;
}

static void begin(struct nlreq *r, int cmd)
{
	struct genlmsghdr *g = nl_begin(r, g_family, 0, sizeof(*g));
	g->cmd = (uint8_t)cmd;
	g->version = IPVS_GENL_VERSION;
}

static void put_service(struct nlreq *r, const struct svc_spec *s, int full)
{
	size_t n = nl_nest_begin(r, IPVS_CMD_ATTR_SERVICE);
	nl_put_u16(r, IPVS_SVC_ATTR_AF, (uint16_t)s->af);
	if (s->fwmark) {
		nl_put_u32(r, IPVS_SVC_ATTR_FWMARK, s->fwmark);
	} else {
		nl_put_u16(r, IPVS_SVC_ATTR_PROTOCOL, s->proto);
		nl_put(r, IPVS_SVC_ATTR_ADDR, &s->addr.v6, s->af == AF_INET6 ? 16 : 4);
		nl_put(r, IPVS_SVC_ATTR_PORT, &s->port, 2);
	}
	if (full) {
		/* libipvs sends mask ~0: the flags given replace all of the service's flags */
		struct ip_vs_flags f = { .flags = s->flags, .mask = ~0u };
		nl_put_str(r, IPVS_SVC_ATTR_SCHED_NAME, s->sched);
		nl_put(r, IPVS_SVC_ATTR_FLAGS, &f, sizeof(f));
		nl_put_u32(r, IPVS_SVC_ATTR_TIMEOUT, s->timeout);
		/* as libipvs: IPv4 the mask's bytes, IPv6 the prefix length (ip_vs_add_service: 1..128) */
		nl_put(r, IPVS_SVC_ATTR_NETMASK, &s->netmask, 4);
	}
	nl_nest_end(r, n);
}

int ipvs_service(int fd, int cmd, const struct svc_spec *s, int full)
{
	struct nlreq r;
	begin(&r, cmd);
	put_service(&r, s, full);
	return nl_talk(fd, &r);
}

int ipvs_dest(int fd, int cmd, const struct svc_spec *s, const struct dest_spec *d, int full)
{
	struct nlreq r;
	begin(&r, cmd);
	put_service(&r, s, 0);
	size_t n = nl_nest_begin(&r, IPVS_CMD_ATTR_DEST);
	nl_put(&r, IPVS_DEST_ATTR_ADDR, &d->addr.v6, d->addr.af == AF_INET6 ? 16 : 4);
	nl_put(&r, IPVS_DEST_ATTR_PORT, &d->port, 2);
	nl_put_u16(&r, IPVS_DEST_ATTR_ADDR_FAMILY, d->addr.af);
	if (full) {
		/* no IPVS_DEST_ATTR_TUN_TYPE: absent means ipip (ip_vs_genl_parse_dest) */
		nl_put_u32(&r, IPVS_DEST_ATTR_FWD_METHOD, d->fwd);
		nl_put_u32(&r, IPVS_DEST_ATTR_WEIGHT, (uint32_t)d->weight);
		nl_put_u32(&r, IPVS_DEST_ATTR_U_THRESH, d->upper);
		nl_put_u32(&r, IPVS_DEST_ATTR_L_THRESH, d->lower);
	}
	nl_nest_end(&r, n);
	return nl_talk(fd, &r);
}

int ipvs_timeouts(int fd, uint32_t tcp, uint32_t fin, uint32_t udp)
{
	struct nlreq r;
	begin(&r, IPVS_CMD_SET_CONFIG);
	nl_put_u32(&r, IPVS_CMD_ATTR_TIMEOUT_TCP, tcp);
	nl_put_u32(&r, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, fin);
	nl_put_u32(&r, IPVS_CMD_ATTR_TIMEOUT_UDP, udp);
	return nl_talk(fd, &r);
}

/* ipvsadm's names: sh-* for sh, mh-* for mh, flag-N otherwise (print_service_entry). Sorted. */
void sched_flags_text(const char *sched, uint32_t flags, char *out, size_t n)
{
	const char *names[3] = { "flag-1", "flag-2", "flag-3" };
	if (!strcmp(sched, "sh")) {
		names[0] = "sh-fallback";
		names[1] = "sh-port";
	} else if (!strcmp(sched, "mh")) {
		names[0] = "mh-fallback";
		names[1] = "mh-port";
	}
	const uint32_t bits[3] = { IP_VS_SVC_F_SCHED1, IP_VS_SVC_F_SCHED2, IP_VS_SVC_F_SCHED3 };
	const char *on[3];
	int k = 0;
	for (int i = 0; i < 3; i++)
		if (flags & bits[i])
			on[k++] = names[i];
	for (int i = 1; i < k; i++)  /* insertion sort of at most three */
		for (int j = i; j > 0 && strcmp(on[j - 1], on[j]) > 0; j--) {
			const char *x = on[j];
			on[j] = on[j - 1];
			on[j - 1] = x;
		}
	size_t len = 0;
	out[0] = 0;
	for (int i = 0; i < k && len < n; i++)
		len += (size_t)snprintf(out + len, n - len, "%s%s", i ? "," : "", on[i]);
	if (!k)
		snprintf(out, n, "-");
}

/* ---- table: GET_SERVICE dump, then GET_DEST dump per service ---- */

struct svc_list {
	struct svc_spec *s;
	int n, cap;
};

static int collect_service(struct nlmsghdr *h, void *arg)
{
	struct svc_list *l = arg;
	const void *tb[IPVS_CMD_ATTR_MAX + 1], *sv[IPVS_SVC_ATTR_MAX + 1];
	nl_parse((char *)NLMSG_DATA(h) + GENL_HDRLEN, h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, tb,
		 IPVS_CMD_ATTR_MAX);
	if (!tb[IPVS_CMD_ATTR_SERVICE])
		return 0;
	nl_parse(nla_payload(tb[IPVS_CMD_ATTR_SERVICE]), nla_len_of(tb[IPVS_CMD_ATTR_SERVICE]), sv,
		 IPVS_SVC_ATTR_MAX);
	uint32_t fwmark = sv[IPVS_SVC_ATTR_FWMARK] ? nla_u32(sv[IPVS_SVC_ATTR_FWMARK]) : 0;
	if (!fwmark && (!sv[IPVS_SVC_ATTR_ADDR] || !sv[IPVS_SVC_ATTR_PORT]))
		return 0;
	int af = sv[IPVS_SVC_ATTR_AF] ? nla_u16(sv[IPVS_SVC_ATTR_AF]) : AF_INET;
	if (af != AF_INET && af != AF_INET6)
		return 0;
	if (l->n == l->cap) {  /* every service, however many: a table cut short would read as the kernel's */
		int cap = l->cap ? l->cap * 2 : 64;
		struct svc_spec *p = realloc(l->s, sizeof(*p) * (size_t)cap);
		if (!p)
			return -ENOMEM;
		l->s = p;
		l->cap = cap;
	}
	struct svc_spec *s = &l->s[l->n++];
	memset(s, 0, sizeof(*s));
	s->af = af;
	s->fwmark = fwmark;
	if (!fwmark) {
		s->proto = sv[IPVS_SVC_ATTR_PROTOCOL] ? nla_u16(sv[IPVS_SVC_ATTR_PROTOCOL]) : IPPROTO_TCP;
		s->addr.af = (uint16_t)af;
		memcpy(&s->addr.v6, nla_payload(sv[IPVS_SVC_ATTR_ADDR]), af == AF_INET6 ? 16 : 4);
		s->port = nla_u16(sv[IPVS_SVC_ATTR_PORT]);
	}
	if (sv[IPVS_SVC_ATTR_SCHED_NAME])
		snprintf(s->sched, sizeof(s->sched), "%.*s", (int)nla_len_of(sv[IPVS_SVC_ATTR_SCHED_NAME]),
			 (const char *)nla_payload(sv[IPVS_SVC_ATTR_SCHED_NAME]));
	if (sv[IPVS_SVC_ATTR_FLAGS] && nla_len_of(sv[IPVS_SVC_ATTR_FLAGS]) >= sizeof(struct ip_vs_flags)) {
		struct ip_vs_flags f;
		memcpy(&f, nla_payload(sv[IPVS_SVC_ATTR_FLAGS]), sizeof(f));
		s->flags = f.flags;
	}
	if (sv[IPVS_SVC_ATTR_TIMEOUT])
		s->timeout = nla_u32(sv[IPVS_SVC_ATTR_TIMEOUT]);
	if (sv[IPVS_SVC_ATTR_NETMASK])
		s->netmask = nla_u32(sv[IPVS_SVC_ATTR_NETMASK]);
	return 0;
}

struct dest_out {
	struct sbuf *out;
	int *nlines;
	const char *svc;
	int af;              /* the service's: a dest without IPVS_DEST_ATTR_ADDR_FAMILY has it */
};

static int collect_dest(struct nlmsghdr *h, void *arg)
{
	struct dest_out *o = arg;
	const void *tb[IPVS_CMD_ATTR_MAX + 1], *dv[IPVS_DEST_ATTR_MAX + 1];
	nl_parse((char *)NLMSG_DATA(h) + GENL_HDRLEN, h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, tb,
		 IPVS_CMD_ATTR_MAX);
	if (!tb[IPVS_CMD_ATTR_DEST])
		return 0;
	nl_parse(nla_payload(tb[IPVS_CMD_ATTR_DEST]), nla_len_of(tb[IPVS_CMD_ATTR_DEST]), dv,
		 IPVS_DEST_ATTR_MAX);
	if (!dv[IPVS_DEST_ATTR_ADDR] || !dv[IPVS_DEST_ATTR_PORT])
		return 0;
	struct ip46 addr = { .af = dv[IPVS_DEST_ATTR_ADDR_FAMILY] ? nla_u16(dv[IPVS_DEST_ATTR_ADDR_FAMILY]) : o->af };
	memcpy(&addr.v6, nla_payload(dv[IPVS_DEST_ATTR_ADDR]), addr.af == AF_INET6 ? 16 : 4);
	char ap[64];
	fmt_ip46port(ap, sizeof(ap), &addr, nla_u16(dv[IPVS_DEST_ATTR_PORT]));
	uint32_t fwd = dv[IPVS_DEST_ATTR_FWD_METHOD] ? nla_u32(dv[IPVS_DEST_ATTR_FWD_METHOD]) : 0;
	const char *fwds = fwd == IP_VS_CONN_F_MASQ	    ? "Masq"
			   : fwd == IP_VS_CONN_F_LOCALNODE ? "Local"
			   : fwd == IP_VS_CONN_F_TUNNEL    ? "Tunnel"
			   : fwd == IP_VS_CONN_F_DROUTE    ? "Route"
							   : "Unknown";
#define U(a) (dv[a] ? nla_u32(dv[a]) : 0)
	sb_printf(o->out, "D %s %s fwd=%s w=%d x=%u y=%u active=%u inact=%u persist=%u\n", o->svc, ap,
		  fwds, (int32_t)U(IPVS_DEST_ATTR_WEIGHT), U(IPVS_DEST_ATTR_U_THRESH),
		  U(IPVS_DEST_ATTR_L_THRESH), U(IPVS_DEST_ATTR_ACTIVE_CONNS), U(IPVS_DEST_ATTR_INACT_CONNS),
		  U(IPVS_DEST_ATTR_PERSIST_CONNS));
#undef U
	(*o->nlines)++;
	return 0;
}

/* The S line of each service, then a GET_DEST dump for its D lines. */
static int table_lines(int fd, const struct svc_list *l, struct sbuf *out, int *nlines)
{
	*nlines = 0;
	for (int i = 0; i < l->n; i++) {
		struct svc_spec *s = &l->s[i];
		char ap[64], fl[64], p[16] = "-", m[20] = "-";
		fmt_svckey(ap, sizeof(ap), s);
		sched_flags_text(s->sched, s->flags, fl, sizeof(fl));
		if (s->flags & IP_VS_SVC_F_PERSISTENT) {
			snprintf(p, sizeof(p), "%u", s->timeout);
			if (s->af == AF_INET6)
				snprintf(m, sizeof(m), "%u", s->netmask);
			else
				inet_ntop(AF_INET, &s->netmask, m, sizeof(m));
		}
		sb_printf(out, "S %s sched=%s flags=%s p=%s M=%s ops=%d\n", ap, s->sched, fl, p, m,
			  !!(s->flags & IP_VS_SVC_F_ONEPACKET));
		(*nlines)++;
		struct dest_out o = { out, nlines, ap, s->af };
		struct nlreq r;
		begin(&r, IPVS_CMD_GET_DEST);
		put_service(&r, s, 0);
		int e = nl_dump(fd, &r, collect_dest, &o);
		if (e)
			return e;
	}
	return 0;
}

int ipvs_table(int fd, struct sbuf *out, int *nlines)
{
	struct svc_list l = { 0 };
	struct nlreq r;
	begin(&r, IPVS_CMD_GET_SERVICE);
	int e = nl_dump(fd, &r, collect_service, &l);
	if (!e)
		e = table_lines(fd, &l, out, nlines);
	free(l.s);
	return e;
}
