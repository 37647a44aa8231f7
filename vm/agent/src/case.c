/*
 * One `case` request: parse and check the whole script first (a malformed script is a `bad`
 * reply and nothing runs), build the namespaces, run every line, tear everything down.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ip_vs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

struct case_stats g_last;
int g_connect_timeout_ms = 2000;

enum op {
	SVC_ADD, SVC_EDIT, SVC_DEL, DEST_ADD, DEST_EDIT, DEST_DEL,
	CONNECT, FIN, RST, TIMEOUTS, WAIT, TABLE, LISTINGS, SEND, SHUT, SYSCTL,
};

static const char *const OPS[] = {
	"svc-add", "svc-edit", "svc-del", "dest-add", "dest-edit", "dest-del", "connect",
	"fin", "rst", "timeouts", "wait", "table", "listings", "send", "shut", "sysctl",
};

/* The longest wait: 24 h of guest time (virtual time makes it cheap; see PROTOCOL.md). */
#define MAX_WAIT_MS 86400000u

struct cmd {
	enum op op;
	struct svc_spec svc;
	struct dest_spec dest;
	char name[32];
	struct ip46 caddr;
	uint16_t cport;
	uint32_t a, b, c;  /* timeouts, wait; shut: a = 1 for the server side */
	int32_t value;     /* sysctl */
};

#define MAX_LINES 100000
#define MAX_VIPS 256

static int flag_bit(const char *f, uint32_t *bit)
{
	static const struct {
		const char *n;
		uint32_t b;
	} F[] = { { "sh-fallback", IP_VS_SVC_F_SCHED1 }, { "sh-port", IP_VS_SVC_F_SCHED2 },
		  { "mh-fallback", IP_VS_SVC_F_SCHED1 }, { "mh-port", IP_VS_SVC_F_SCHED2 },
		  { "flag-1", IP_VS_SVC_F_SCHED1 },      { "flag-2", IP_VS_SVC_F_SCHED2 },
		  { "flag-3", IP_VS_SVC_F_SCHED3 } };
	for (size_t i = 0; i < sizeof(F) / sizeof(F[0]); i++)
		if (!strcmp(f, F[i].n)) {
			*bit = F[i].b;
			return 0;
		}
	return -1;
}

/* ipvsadm's -m, -g, -i (ipip) */
static int fwd_method(const char *v, uint32_t *fwd)
{
	if (!v)
		return -1;
	if (!strcmp(v, "masq"))
		*fwd = IP_VS_CONN_F_MASQ;
	else if (!strcmp(v, "route"))
		*fwd = IP_VS_CONN_F_DROUTE;
	else if (!strcmp(v, "tunnel"))
		*fwd = IP_VS_CONN_F_TUNNEL;
	else
		return -1;
	return 0;
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);
	if (!n || n >= 32)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-' || *s == '.'))
			return 0;
	return 1;
}

/* A sysctl name under net/ipv4/vs: lower case and underscores, no path. */
static int valid_sysctl(const char *s)
{
	size_t n = strlen(s);
	if (!n || n >= 32)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
			return 0;
	return 1;
}

/* key=value token: returns value or NULL */
static const char *kv(const char *tok, const char *key)
{
	size_t n = strlen(key);
	return !strncmp(tok, key, n) && tok[n] == '=' ? tok + n + 1 : NULL;
}

#define BAD(...)                                         \
	do {                                             \
		snprintf(err, errn, __VA_ARGS__);        \
		return -1;                               \
	} while (0)

static int parse_line(char *line, struct cmd *c, char *err, size_t errn)
{
	char *tok[12];
	int nt = 0;
	for (char *s = strtok(line, " "); s; s = strtok(NULL, " ")) {
		if (nt == 12)
			BAD("too many tokens");
		tok[nt++] = s;
	}
	if (!nt)
		BAD("empty line");
	int op = -1;
	for (size_t i = 0; i < sizeof(OPS) / sizeof(OPS[0]); i++)
		if (!strcmp(tok[0], OPS[i]))
			op = (int)i;
	if (op < 0)
		BAD("unknown command '%.40s' (expected one of svc-add svc-edit svc-del dest-add dest-edit "
		    "dest-del connect fin rst send shut timeouts sysctl wait table listings)", tok[0]);
	memset(c, 0, sizeof(*c));
	c->op = (enum op)op;
	switch (c->op) {
	case SVC_ADD:
	case SVC_EDIT: {
		if (nt < 3)
			BAD("%s SVCKEY sched=NAME [flags=F,..] [p=SECONDS] [M=NETMASK] [ops]", tok[0]);
		if (parse_svckey(tok[1], &c->svc, 1))
			BAD("bad service key '%.40s' (expected 10.0.0.1:80, udp/10.0.0.1:53, fwm/5, [2001:db8::1]:80 or fwm6/5)", tok[1]);
		/* ipvsadm's defaults: 255.255.255.255, or 128 for IPv6 (the kernel checks 1..128 even
		 * when the service is not persistent) */
		c->svc.netmask = c->svc.af == AF_INET6 ? 128 : 0xffffffffu;
		int have_sched = 0, have_mask = 0;
		for (int i = 2; i < nt; i++) {
			const char *v;
			if ((v = kv(tok[i], "sched"))) {
				if (!*v || strlen(v) >= IP_VS_SCHEDNAME_MAXLEN)
					BAD("sched= must be 1..%d characters", IP_VS_SCHEDNAME_MAXLEN - 1);
				snprintf(c->svc.sched, sizeof(c->svc.sched), "%s", v);
				have_sched = 1;
			} else if ((v = kv(tok[i], "flags"))) {
				char tmp[128];
				snprintf(tmp, sizeof(tmp), "%s", v);
				char *save;
				for (char *f = strtok_r(tmp, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
					uint32_t bit;
					if (flag_bit(f, &bit))
						BAD("unknown flag '%.30s' (expected sh-fallback sh-port mh-fallback mh-port flag-1 flag-2 flag-3)", f);
					c->svc.flags |= bit;
				}
			} else if ((v = kv(tok[i], "p"))) {
				if (parse_u32(v, &c->svc.timeout))
					BAD("p= expects seconds, got '%.20s'", v);
				c->svc.flags |= IP_VS_SVC_F_PERSISTENT;
			} else if ((v = kv(tok[i], "M")) && c->svc.af == AF_INET6) {
				if (parse_u32(v, &c->svc.netmask))  /* a prefix length; the kernel judges it */
					BAD("M= of an IPv6 service expects a prefix length, got '%.20s'", v);
				have_mask = 1;
			} else if ((v = kv(tok[i], "M"))) {
				struct in_addr a;
				if (inet_pton(AF_INET, v, &a) != 1)
					BAD("M= expects a dotted quad, got '%.20s'", v);
				c->svc.netmask = a.s_addr;
				have_mask = 1;
			} else if (!strcmp(tok[i], "ops")) {
				c->svc.flags |= IP_VS_SVC_F_ONEPACKET;
			} else
				BAD("unexpected token '%.30s'", tok[i]);
		}
		(void)have_mask;
		if (!have_sched)
			BAD("%s needs sched=NAME", tok[0]);
		return 0;
	}
	case SVC_DEL:
		if (nt != 2 || parse_svckey(tok[1], &c->svc, 1))
			BAD("svc-del SVCKEY");
		return 0;
	case DEST_ADD:
	case DEST_EDIT:
		if ((nt != 6 && nt != 7) || parse_svckey(tok[1], &c->svc, 1) ||
		    parse_ip46port(tok[2], &c->dest.addr, &c->dest.port))
			BAD("%s SVCKEY RIP:RPORT w=W x=U y=L [fwd=masq|route|tunnel]", tok[0]);
		c->dest.fwd = IP_VS_CONN_F_MASQ;
		if (nt == 7 && fwd_method(kv(tok[6], "fwd"), &c->dest.fwd))
			BAD("expected fwd=masq|route|tunnel, got '%.30s'", tok[6]);
		if (!kv(tok[3], "w") || parse_i32(kv(tok[3], "w"), &c->dest.weight))
			BAD("expected w=WEIGHT, got '%.30s'", tok[3]);
		if (!kv(tok[4], "x") || parse_u32(kv(tok[4], "x"), &c->dest.upper))
			BAD("expected x=UPPER, got '%.30s'", tok[4]);
		if (!kv(tok[5], "y") || parse_u32(kv(tok[5], "y"), &c->dest.lower))
			BAD("expected y=LOWER, got '%.30s'", tok[5]);
		return 0;
	case DEST_DEL:
		if (nt != 3 || parse_svckey(tok[1], &c->svc, 1) ||
		    parse_ip46port(tok[2], &c->dest.addr, &c->dest.port))
			BAD("dest-del SVCKEY RIP:RPORT");
		return 0;
	case CONNECT:
		if (nt != 4 || !valid_name(tok[1]) || parse_svckey(tok[2], &c->svc, 0) ||
		    parse_ip46port(tok[3], &c->caddr, &c->cport) || c->caddr.af != c->svc.af)
			BAD("connect NAME TARGET CLIENT:CPORT (NAME: [A-Za-z0-9_.-]{1,31}; TARGET: 10.0.0.1:80, udp/10.0.0.1:53 "
			    "or [2001:db8::1]:80; CLIENT of the target's family: 10.1.0.7:4000 or [2001:db8:1::7]:4000)");
		snprintf(c->name, sizeof(c->name), "%s", tok[1]);
		return 0;
	case FIN:
	case RST:
	case SEND:
		if (nt != 2 || !valid_name(tok[1]))
			BAD("%s NAME", tok[0]);
		snprintf(c->name, sizeof(c->name), "%s", tok[1]);
		return 0;
	case SHUT:
		if (nt != 3 || !valid_name(tok[1]) || (strcmp(tok[2], "client") && strcmp(tok[2], "server")))
			BAD("shut NAME client|server");
		snprintf(c->name, sizeof(c->name), "%s", tok[1]);
		c->a = !strcmp(tok[2], "server");
		return 0;
	case SYSCTL:
		if (nt != 3 || !valid_sysctl(tok[1]) || parse_i32(tok[2], &c->value))
			BAD("sysctl NAME VALUE (a net.ipv4.vs.NAME, [a-z_]{1,31}; VALUE a 32-bit integer)");
		snprintf(c->name, sizeof(c->name), "%s", tok[1]);
		return 0;
	case TIMEOUTS:
		if (nt != 4 || parse_u32(tok[1], &c->a) || parse_u32(tok[2], &c->b) || parse_u32(tok[3], &c->c))
			BAD("timeouts TCP TCPFIN UDP (seconds)");
		return 0;
	case WAIT:
		if (nt != 2 || parse_u32(tok[1], &c->a) || c->a > MAX_WAIT_MS)
			BAD("wait MS (0..%u)", MAX_WAIT_MS);
		return 0;
	case TABLE:
	case LISTINGS:
		if (nt != 1)
			BAD("%s takes no arguments", tok[0]);
		return 0;
	}
	BAD("unreachable");
}

/* Names must be connected once, before any fin/rst names them. */
static int check_names(struct cmd *cmds, int n, char *err, size_t errn)
{
	for (int i = 0; i < n; i++) {
		if (cmds[i].op != CONNECT && cmds[i].op != FIN && cmds[i].op != RST && cmds[i].op != SEND &&
		    cmds[i].op != SHUT)
			continue;
		int seen = 0;
		for (int j = 0; j < i && !seen; j++)
			seen = cmds[j].op == CONNECT && !strcmp(cmds[j].name, cmds[i].name);
		if (cmds[i].op == CONNECT && seen)
			BAD("line %d: connection name %s used twice", i + 1, cmds[i].name);
		if (cmds[i].op != CONNECT && !seen)
			BAD("line %d: %s names %s, which no earlier connect opened", i + 1, OPS[cmds[i].op],
			    cmds[i].name);
	}
	return 0;
}

static int collect_vips(struct cmd *cmds, int n, uint32_t *vips)
{
	int nv = 0;
	for (int i = 0; i < n; i++) {
		uint32_t a = cmds[i].svc.addr.v4;
		if ((cmds[i].op != SVC_ADD && cmds[i].op != SVC_EDIT && cmds[i].op != CONNECT) ||
		    cmds[i].svc.addr.af != AF_INET)
			continue;
		uint32_t h = ntohl(a);
		/* the director and client addresses exist already; skip nonsense addresses */
		if (h == 0x0a0000fe || h == 0x0a000002 || h == 0 || (h >> 24) == 127 || (h >> 28) >= 14)
			continue;
		/* clients, real servers, the server link and the silent servers are routed, never local */
		if ((h >> 16) == 0x0a01 || (h >> 16) == 0x0a02 || (h >> 16) == 0x0a03 || (h >> 16) == 0x0a05)
			continue;
		/* a marked target's whole /24 is local already (mark.c) */
		if (cmds[i].op == CONNECT && mark_of(&cmds[i].svc.addr))
			continue;
		int dup = 0;
		for (int j = 0; j < nv && !dup; j++)
			dup = vips[j] == a;
		if (!dup && nv < MAX_VIPS)
			vips[nv++] = a;
	}
	return nv;
}

/* The marks the case's connections carry (the address plan), each once. */
static int collect_marks(const struct cmd *cmds, int n, struct mark *marks)
{
	int nm = 0;
	for (int i = 0; i < n; i++) {
		struct mark m = { cmds[i].svc.addr.af, cmds[i].op == CONNECT ? mark_of(&cmds[i].svc.addr) : 0 };
		int dup = !m.mark;
		for (int j = 0; j < nm && !dup; j++)
			dup = marks[j].af == m.af && marks[j].mark == m.mark;
		if (!dup && nm < MAX_MARKS)
			marks[nm++] = m;
	}
	return nm;
}

/* Any IPv6 service, destination or client: the case needs the IPv6 half of the topology. */
static int uses_v6(const struct cmd *cmds, int n)
{
	for (int i = 0; i < n; i++)
		if (cmds[i].svc.af == AF_INET6 || cmds[i].dest.addr.af == AF_INET6 || cmds[i].caddr.af == AF_INET6)
			return 1;
	return 0;
}

/* Whether the script has a tunnel destination of that family (AF_INET, AF_INET6). */
static int uses_tunnel(const struct cmd *cmds, int n, int af)
{
	for (int i = 0; i < n; i++)
		if ((cmds[i].op == DEST_ADD || cmds[i].op == DEST_EDIT) && cmds[i].dest.fwd == IP_VS_CONN_F_TUNNEL &&
		    cmds[i].dest.addr.af == af)
			return 1;
	return 0;
}

/* The IPv6 tunnel destinations, which the servers must hold as addresses (topo.c director6). */
static void collect_tun6(const struct cmd *cmds, int n, struct topo *t)
{
	t->ntun6 = 0;
	for (int i = 0; i < n; i++) {
		const struct dest_spec *d = &cmds[i].dest;
		if ((cmds[i].op != DEST_ADD && cmds[i].op != DEST_EDIT) || d->fwd != IP_VS_CONN_F_TUNNEL ||
		    d->addr.af != AF_INET6)
			continue;
		int dup = 0;
		for (int j = 0; j < t->ntun6 && !dup; j++)
			dup = !memcmp(&t->tun6[j], &d->addr.v6, sizeof(d->addr.v6));
		if (!dup && t->ntun6 < (int)(sizeof(t->tun6) / sizeof(t->tun6[0])))
			t->tun6[t->ntun6++] = d->addr.v6;
	}
}

/* "t=<ms> j=<jiffies at start>,<jiffies now>": when the command completed, and the kernel's clock
 * around it (a timer the kernel fired within it fired somewhere between the two). */
static void stamp(struct sbuf *out, unsigned long long j0)
{
	sb_printf(out, "t=%.3f", now_ms());
	unsigned long long j1 = jiffies_now();
	if (j0 && j1)
		sb_printf(out, " j=%llu,%llu", j0, j1);
}

static void result(struct sbuf *out, int e, const char *extra, unsigned long long j0)
{
	sb_puts(out, e > 0 ? "err " : "ok ");
	stamp(out, j0);
	if (e > 0) {
		sb_puts(out, " ");
		sb_errno(out, e);
		sb_puts(out, "\n");
	} else
		sb_printf(out, "%s\n", extra ? extra : "");
}

/* A scheduler's own sysctls exist once its module is loaded (lblc_expiration: ip_vs_lblc). */
static int write_vs_sysctl(struct topo *t, const char *name, int32_t value)
{
	if (!strcmp(name, "lblc_expiration"))
		sched_ensure("lblc");
	else if (!strcmp(name, "lblcr_expiration"))
		sched_ensure("lblcr");
	char path[96], val[16];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/vs/%s", name);
	snprintf(val, sizeof(val), "%d", value);
	/* /proc/sys/net is the netns of the thread that opens it */
	int e = topo_enter(t, t->ns_dir);
	if (!e)
		e = write_sysctl(path, val);
	topo_enter(t, t->ns_cli);
	return -e;
}

int run_case(struct topo *t, char *script, size_t len, struct sbuf *out, char *err, size_t errn)
{
	memset(&g_last, 0, sizeof(g_last));
	g_last.start = now_ms();
	int n = 0;
	for (size_t k = 0; k < len; k++)
		n += script[k] == '\n';
	if (len && script[len - 1] != '\n')
		n++;
	if (n > MAX_LINES) {
		/* the request is malformed, not the guest broken: bad, never fail */
		snprintf(err, errn, "script of %d lines is over the %d limit", n, MAX_LINES);
		return 1;
	}
	struct cmd *cmds = calloc((size_t)n + 1, sizeof(*cmds));
	if (!cmds)
		BAD("out of memory");
	int nc = 0;
	int lineno = 0;
	char *end = script + len;
	for (char *line = script; line < end;) {
		char *eol = memchr(line, '\n', (size_t)(end - line));
		char *next = eol ? eol + 1 : end;
		if (eol)
			*eol = 0;
		lineno++;
		char why[200];
		if (memchr(line, 0, (size_t)((eol ? eol : end) - line))) {
			snprintf(err, errn, "line %d: NUL byte in script", lineno);
			free(cmds);
			return 1;
		}
		if (parse_line(line, &cmds[nc], why, sizeof(why))) {
			snprintf(err, errn, "line %d: %s", lineno, why);
			free(cmds);
			return 1;
		}
		nc++;
		line = next;
	}
	if (check_names(cmds, nc, err, errn)) {
		free(cmds);
		return 1;
	}
	g_last.lines = nc;

	static uint32_t vips[MAX_VIPS];
	int nv = collect_vips(cmds, nc, vips);
	int rc = -1, ipvs = -1, topo_ok = 0;
	struct traffic tr;
	traffic_init(&tr, t, g_connect_timeout_ms);
	tr.v6 = uses_v6(cmds, nc);
	collect_tun6(cmds, nc, t);
	if (topo_up(t, vips, nv, tr.v6, err, errn))
		goto done;
	topo_ok = 1;
	static struct mark marks[MAX_MARKS];
	if (mark_setup(t, marks, collect_marks(cmds, nc, marks), err, errn))
		goto done;
	if (t->tunnel_err && uses_tunnel(cmds, nc, AF_INET)) {
		snprintf(err, errn, "tunnel destinations need an ipip device in the servers' namespace: %s (load ipip)",
			 strerror(t->tunnel_err));
		goto done;
	}
	if (t->tunnel6_err && uses_tunnel(cmds, nc, AF_INET6)) {
		snprintf(err, errn, "IPv6 tunnel destinations need an ip6tnl device in the servers' namespace: %s (load ip6_tunnel)",
			 strerror(t->tunnel6_err));
		goto done;
	}
	if (topo_enter(t, t->ns_cli)) {
		snprintf(err, errn, "enter client netns: %s", strerror(errno));
		goto done;
	}
	g_last.setup_done = now_ms();

	for (int i = 0; i < nc; i++) {
		struct cmd *c = &cmds[i];
		int e = 0;
		struct sbuf extra = { 0 };
		unsigned long long j0 = jiffies_now();
		/* IPVS is opened on first use, so topology and traffic also run where it is absent */
		if (ipvs < 0 && c->op != CONNECT && c->op != FIN && c->op != RST && c->op != WAIT &&
		    c->op != LISTINGS && c->op != SEND && c->op != SHUT && c->op != SYSCTL) {
			topo_enter(t, t->ns_dir);
			ipvs = ipvs_open(err, errn);
			topo_enter(t, t->ns_cli);
			if (ipvs < 0)
				goto done;
		}
		switch (c->op) {
		case SVC_ADD:
		case SVC_EDIT: {
			int le = sched_ensure(c->svc.sched);
			if (le)
				logmsg("loading scheduler %s: %s", c->svc.sched, strerror(-le));
			e = -ipvs_service(ipvs, c->op == SVC_ADD ? IPVS_CMD_NEW_SERVICE : IPVS_CMD_SET_SERVICE,
					  &c->svc, 1);
			break;
		}
		case SVC_DEL:
			e = -ipvs_service(ipvs, IPVS_CMD_DEL_SERVICE, &c->svc, 0);
			break;
		case DEST_ADD:
		case DEST_EDIT: {
			/* a port-0 dest receives on the service's port (ip_vs_schedule: dest->port ?: vport);
			 * DR and tunnels never rewrite the port: their servers receive on the service's */
			int nat = c->dest.fwd == IP_VS_CONN_F_MASQ;
			uint16_t lport = ntohs(nat && c->dest.port ? c->dest.port : c->svc.port);
			/* a fwmark service's port-0 dest receives on each packet's own port (connect opens
			 * those); a fwmark service takes TCP and UDP alike */
			int le = 0;
			if (lport && c->svc.proto != IPPROTO_UDP)
				le = traffic_listen(&tr, lport);
			if (lport && !le && (c->svc.proto == IPPROTO_UDP || c->svc.fwmark))
				le = udp_listen(&tr, lport);
			if (le) {
				snprintf(err, errn, "line %d: listener on port %u: %s", i + 1, lport, strerror(-le));
				goto done;
			}
			e = -ipvs_dest(ipvs, c->op == DEST_ADD ? IPVS_CMD_NEW_DEST : IPVS_CMD_SET_DEST, &c->svc,
				       &c->dest, 1);
			break;
		}
		case DEST_DEL:
			e = -ipvs_dest(ipvs, IPVS_CMD_DEL_DEST, &c->svc, &c->dest, 0);
			break;
		case CONNECT: {
			/* a marked target may reach a server on its own port: listen there */
			uint16_t tport = ntohs(c->svc.port);
			int le = 0;
			if (mark_of(&c->svc.addr))
				le = c->svc.proto == IPPROTO_UDP ? udp_listen(&tr, tport) : traffic_listen(&tr, tport);
			if (le) {
				snprintf(err, errn, "line %d: listener on port %u: %s", i + 1, tport, strerror(-le));
				goto done;
			}
			if (c->svc.proto == IPPROTO_UDP)
				e = udp_connect(&tr, c->name, &c->svc.addr, c->svc.port, &c->caddr, c->cport, &extra);
			else
				e = traffic_connect(&tr, c->name, &c->svc.addr, c->svc.port, &c->caddr, c->cport, &extra);
			break;
		}
		case FIN:
		case RST:
		case SHUT:
			if (udp_owns(&tr, c->name))
				udp_close(&tr, c->name);
			else if (c->op == FIN)
				e = traffic_fin(&tr, c->name);
			else if (c->op == RST)
				e = traffic_rst(&tr, c->name);
			else
				e = traffic_shut(&tr, c->name, (int)c->a);
			break;
		case SEND:
			e = udp_owns(&tr, c->name) ? udp_send(&tr, c->name, &extra) : traffic_send(&tr, c->name);
			break;
		case SYSCTL:
			e = write_vs_sysctl(t, c->name, c->value);
			break;
		case TIMEOUTS:
			e = -ipvs_timeouts(ipvs, c->a, c->b, c->c);
			break;
		case WAIT:
			sleep_ms((int)c->a);
			break;
		case TABLE: {
			int nl = 0;
			e = -ipvs_table(ipvs, &extra, &nl);
			if (!e) {
				struct sbuf head = { 0 };
				sb_printf(&head, " table=%d\n", nl);
				/* "ok t=... j=... table=n" then the n rows */
				sb_puts(out, "ok ");
				stamp(out, j0);
				sb_add(out, head.p, head.len);
				sb_add(out, extra.p ? extra.p : "", extra.len);
				sb_free(&head);
				sb_free(&extra);
				continue;
			}
			sb_free(&extra);
			extra = (struct sbuf){ 0 };
			break;
		}
		case LISTINGS: {
			int nl = 0;
			double t0 = now_ms();
			if (listings_run(t->ns_dir, &extra, &nl, err, errn)) {
				sb_free(&extra);
				goto done;
			}
			g_last.listings_ms += now_ms() - t0;
			sb_puts(out, "ok ");
			stamp(out, j0);
			sb_printf(out, " listings=%d\n", nl);
			sb_add(out, extra.p ? extra.p : "", extra.len);
			sb_free(&extra);
			continue;
		}
		}
		if (e == E_NL_TRUNC) {
			snprintf(err, errn, "line %d: %s", i + 1, agent_strerror(e));
			sb_free(&extra);
			goto done;
		}
		result(out, e, extra.p, j0);
		sb_free(&extra);
	}
	g_last.script_done = now_ms();
	rc = 0;
done:
	udp_cleanup(&tr);
	traffic_cleanup(&tr);
	if (ipvs >= 0)
		close(ipvs);
	topo_down(t, topo_ok);
	free(cmds);
	g_last.end = now_ms();
	return rc;
}
