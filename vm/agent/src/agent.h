/* ipvsc-agent: the guest side of ipvs-conform (see ../PROTOCOL.md). Shared declarations. */
#ifndef IPVSC_AGENT_H
#define IPVSC_AGENT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#define AGENT_VERSION "ipvsc-agent/1"

/* ---- util.c ---- */
double now_ms(void);                         /* CLOCK_MONOTONIC in ms */
void cpu_pin(int on);                        /* keep to one CPU while a case runs (fence.c) */
void sleep_ms(int ms);
unsigned long long jiffies_now(void);        /* the kernel's jiffies (/proc/schedstat); 0 unknown */
int kernel_hz(void);                         /* CONFIG_HZ from the coarse clock's resolution; 0 unknown */
void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern int g_verbose;

struct sbuf {
	char *p;
	size_t len, cap;
};
void sb_add(struct sbuf *b, const char *s, size_t n);
void sb_puts(struct sbuf *b, const char *s);
void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_free(struct sbuf *b);
const char *errno_name(int e);
/*
 * Errors of the agent's own making, beyond every errno (the kernel's end at 4095): a command that
 * meets one fails the case (`fail`), it is never passed off as the kernel's answer.
 */
#define E_NL_TRUNC 4096      /* a netlink request did not fit its buffer: not sent */
const char *agent_strerror(int e);  /* strerror(e), or what an agent error above means */
/* "errno=N name=X msg=Y" for a positive errno. */
void sb_errno(struct sbuf *b, int e);
int parse_addrport(const char *s, uint32_t *addr, uint16_t *port);  /* network order; 0 ok */
int parse_u32(const char *s, uint32_t *v);
int parse_i32(const char *s, int32_t *v);
void fmt_addrport(char *out, size_t n, uint32_t addr, uint16_t port);  /* network order in */

/* ---- addr.c: IPv4 and IPv6 addresses ---- */
struct sockaddr_storage;
struct ip46 {
	uint16_t af;         /* AF_INET or AF_INET6 */
	union {
		uint32_t v4;     /* network order */
		struct in6_addr v6;
	};
};
int parse_ip46(const char *s, struct ip46 *a);                      /* 0 ok */
int parse_ip46port(const char *s, struct ip46 *a, uint16_t *port);  /* "A.B.C.D:P" or "[V6]:P"; 0 ok */
void fmt_ip46port(char *out, size_t n, const struct ip46 *a, uint16_t port);  /* port network order */
unsigned ip46_sockaddr(const struct ip46 *a, uint16_t port, struct sockaddr_storage *ss);  /* its length */
void sockaddr_ip46(const struct sockaddr_storage *ss, struct ip46 *a, uint16_t *port);
int ip46_eq(const struct ip46 *a, const struct ip46 *b);
void fmt_ip46_proc(char *out, size_t n, const struct ip46 *a);  /* as /proc/net/ip_vs_conn prints it */
int parse_ip46_proc(const char *s, struct ip46 *a);

/* ---- chan.c: framed messages over virtio-serial or stdio ---- */
struct chan {
	int rfd, wfd;
	int virtio;          /* EOF means the host went away for now, not the end */
	const char *ready;   /* body of the `ready` announcement */
	size_t ready_len;
	char *buf;
	size_t len, cap;
};
struct msg {
	unsigned long id;
	char kind[32];
	char *body;          /* NUL-terminated copy, owned by the caller (free) */
	size_t len;
	char bad[160];       /* non-empty: the header could not be parsed */
};
int chan_open_virtio(struct chan *c, const char *name, int timeout_ms, char *err, size_t errn);
void chan_open_stdio(struct chan *c);
int chan_send(struct chan *c, unsigned long id, const char *kind, const char *body, size_t len);
/* 1: a message (or a bad header: m->bad, with the id when the header had one) in *m; 0: end of
 * stream (stdio only); -1: I/O error. A host that reconnects mid-frame (virtio) loses that frame,
 * never the framing: reading starts again at a header. */
int chan_recv(struct chan *c, struct msg *m);

/* ---- nl.c: netlink message building and exchange ---- */
struct nlreq {
	union {
		char buf[8192];
		uint32_t align;
	};
	size_t len;
	int full;            /* an attribute did not fit: the request is never sent (E_NL_TRUNC) */
};
void *nl_begin(struct nlreq *r, uint16_t type, uint16_t flags, size_t hdrlen);
/* 0, or -EMSGSIZE when it does not fit (the request is then marked full, and not sent). */
int nl_put(struct nlreq *r, uint16_t type, const void *data, size_t n);
int nl_put_u8(struct nlreq *r, uint16_t type, uint8_t v);
int nl_put_u16(struct nlreq *r, uint16_t type, uint16_t v);
int nl_put_u32(struct nlreq *r, uint16_t type, uint32_t v);
int nl_put_str(struct nlreq *r, uint16_t type, const char *s);
size_t nl_nest_begin(struct nlreq *r, uint16_t type);
void nl_nest_end(struct nlreq *r, size_t off);
int nl_open(int proto);   /* a netlink socket in the current netns */
/* Sends r and waits for its ACK: 0 or -errno (-E_NL_TRUNC: r was full, nothing sent). */
int nl_talk(int fd, struct nlreq *r);
struct nlmsghdr;
typedef int (*nl_cb)(struct nlmsghdr *h, void *arg);
/* Sends r and calls cb for every reply to it until its ACK: 0 or -errno (cb's non-zero return too). */
int nl_request(int fd, struct nlreq *r, nl_cb cb, void *arg);
/* Sends a dump request and calls cb for every reply message: 0 or -errno. */
int nl_dump(int fd, struct nlreq *r, nl_cb cb, void *arg);
/* Attribute walk: fills tb[0..max] with pointers to attributes (struct nlattr*) in [p, p+len). */
void nl_parse(const void *p, size_t len, const void **tb, int max);
const void *nla_payload(const void *a);
size_t nla_len_of(const void *a);
uint32_t nla_u32(const void *a);
uint16_t nla_u16(const void *a);

/* ---- topo.c: the three namespaces of a case ---- */
struct topo {
	int ns_init;         /* the agent's own netns, kept for the whole run */
	int ns_dir, ns_cli, ns_srv;
	int nl_dir;          /* rtnetlink in the director */
	int nl_cli, nl_srv;  /* rtnetlink in the clients and servers namespaces (kept across cases) */
	int gen;             /* case counter: names and indexes the side devices */
	int links;           /* the veth pairs of this case exist */
	int direct;          /* the direct client-server link and the servers' DR/tunnel setup exist */
	int tunnel_err;      /* errno: the servers could not get an ipip device (0: they have one) */
	int tunnel6_err;     /* the same for the ip6tnl device of IPv6 tunnels */
	struct in6_addr tun6[64];  /* IPv6 tunnel destinations this case configured on the servers' lo */
	int ntun6;
	int conn_fd;         /* /proc/net/ip_vs_conn of the director */
	int cur;             /* which netns fd this thread is in now */
};
int topo_init(struct topo *t);
/* v6: the case uses IPv6 (the director and this case's side devices get their IPv6 half). */
int topo_up(struct topo *t, const uint32_t *vips, int nvips, int v6, char *err, size_t errn);
void topo_down(struct topo *t, int ok);  /* ok: setup completed */
int topo_enter(struct topo *t, int nsfd);
/* settle.c: waits until linkwatch made the director's devices dir_links[n] operationally up (their
 * transmit queues work) and, with v6, no IPv6 address of the case's namespaces is tentative (0 or -errno). */
int topo_settle(const struct topo *t, int v6, const int *dir_links, int n);
int write_sysctl(const char *path, const char *val);
extern struct sbuf g_setup_trace;

/* ---- ipvs.c: IPVS over generic netlink ---- */
struct svc_spec {
	int af;              /* AF_INET or AF_INET6 (a fwmark service's too) */
	uint16_t proto;      /* IPPROTO_TCP or IPPROTO_UDP; 0 for a fwmark service */
	uint32_t fwmark;     /* non-zero: a fwmark service (addr and port unused) */
	struct ip46 addr;
	uint16_t port;       /* network order */
	char sched[32];
	uint32_t flags;      /* IP_VS_SVC_F_* */
	uint32_t timeout;
	uint32_t netmask;    /* IPv4: network order; IPv6: the prefix length */
};
struct dest_spec {
	struct ip46 addr;
	uint16_t port;
	int32_t weight;
	uint32_t upper, lower;
	uint32_t fwd;        /* IP_VS_CONN_F_MASQ, _DROUTE or _TUNNEL (ipip) */
};
/* ---- svckey.c: "10.0.0.1:80", "udp/10.0.0.1:53", "fwm/5", "[2001:db8::1]:80", "fwm6/5"
 * (allow_fwm: service keys, not targets) ---- */
int parse_svckey(const char *s, struct svc_spec *out, int allow_fwm);  /* 0 ok, -1 bad */
void fmt_svckey(char *out, size_t n, const struct svc_spec *s);

int ipvs_open(char *err, size_t errn);    /* in the current netns; fd or -1 */
int ipvs_service(int fd, int cmd, const struct svc_spec *s, int full);
int ipvs_dest(int fd, int cmd, const struct svc_spec *s, const struct dest_spec *d, int full);
int ipvs_timeouts(int fd, uint32_t tcp, uint32_t fin, uint32_t udp);
/* Appends the S/D lines of the table to out; *nlines counts them. 0 or -errno. */
int ipvs_table(int fd, struct sbuf *out, int *nlines);
void sched_flags_text(const char *sched, uint32_t flags, char *out, size_t n);

/* ---- traffic.c: TCP connections through the director ---- */
struct conn;
/* Server sockets, one pair per port: fd on 0.0.0.0, fd6 on [::] (IPV6_V6ONLY) when the case uses IPv6, else -1. */
struct servers {
	struct {
		uint16_t port;   /* host order */
		int fd, fd6;
	} s[64];
	int n;
};
struct traffic {
	struct topo *t;
	struct conn *conns;
	int nconns, capconns;
	struct servers tcp;  /* TCP listeners */
	int spare[256];      /* accepted sockets not (yet) matched to a connection */
	int nspare;
	int connect_timeout_ms;
	int settle_ms;
	int v6;              /* the case uses IPv6: listeners on [::] too */
	int fence_cli, fence_srv;  /* UDP sockets of the fences (traffic.c fence()) */
	uint32_t fence_seq;
	struct uconn *uconns;      /* UDP connections (udp.c) */
	int nuconns, capuconns;
	struct servers udp;        /* UDP servers */
};
void traffic_init(struct traffic *tr, struct topo *t, int connect_timeout_ms);
int traffic_listen(struct traffic *tr, uint16_t port);  /* host order; 0 or -errno */
/* Opens port's server sockets (open_fd(af, port): fd or -errno) in the servers' netns, once per port; 0 or -errno. */
int servers_open(struct traffic *tr, struct servers *sv, uint16_t port, int (*open_fd)(int af, uint16_t port));
void servers_close(struct servers *sv);
/* Result text (after "ok t=..." or an errno) goes to out. Returns 0 ok or a positive errno. */
int traffic_connect(struct traffic *tr, const char *name, const struct ip46 *vaddr, uint16_t vport,
		    const struct ip46 *caddr, uint16_t cport, struct sbuf *extra);
int traffic_fin(struct traffic *tr, const char *name);
int traffic_rst(struct traffic *tr, const char *name);
int traffic_send(struct traffic *tr, const char *name);
int traffic_shut(struct traffic *tr, const char *name, int server);
void traffic_cleanup(struct traffic *tr);

/* ---- mark.c: firewall marks of the address plan ---- */
/* 10.0.M.x and 2001:db8:0:M::/64 (M = 1..255) carry mark M; 0 for any other address. */
static inline uint8_t mark_of(const struct ip46 *a)
{
	if (a->af == AF_INET) {
		uint32_t h = ntohl(a->v4);
		return (h >> 16) == 0x0a00 ? (uint8_t)(h >> 8) : 0;
	}
	const uint8_t *b = a->v6.s6_addr;
	static const uint8_t plan[6] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0 };
	return !memcmp(b, plan, 6) && b[6] == 0 ? b[7] : 0;
}
struct mark {
	uint16_t af;
	uint8_t mark;
};
#define MAX_MARKS 512
/* Marks packets to a mark's network with it on cl0's ingress; makes the IPv4 networks local. */
int mark_setup(struct topo *t, const struct mark *marks, int n, char *err, size_t errn);

/* ---- udp.c: UDP datagrams through the director ---- */
int udp_listen(struct traffic *tr, uint16_t port);  /* host order; 0 or -errno */
int udp_owns(struct traffic *tr, const char *name);  /* a UDP connection of that name exists */
/* One datagram and its answer; result text to extra; 0 ok or a positive errno. */
int udp_connect(struct traffic *tr, const char *name, const struct ip46 *vaddr, uint16_t vport,
		const struct ip46 *caddr, uint16_t cport, struct sbuf *extra);
int udp_send(struct traffic *tr, const char *name, struct sbuf *extra);
void udp_close(struct traffic *tr, const char *name);  /* no packet: UDP has no close */
void udp_cleanup(struct traffic *tr);

/* ---- fence.c ---- */
/* Sends a fence datagram from the clients (to_server) or the servers side through the director
 * and waits for it: 0 when it arrived, -1 when not within the connect timeout. */
int fence(struct traffic *tr, int to_server);
void fence_close(struct traffic *tr);

/* ---- listings.c ---- */
extern const char *g_ipvsadm;
extern const char *g_ipvsadm_kind;  /* "embedded" or "path" */
int listings_use_embedded(void);    /* the static ipvsadm built into the agent; 0 or -1 */
int listings_run(int ns_dir, struct sbuf *out, int *nlines, char *err, size_t errn);
/* Whether two `ipvsadm -L -n -c` outputs list the same entries (each line without its expiry). */
int conn_entries_same(const char *a, const char *b);

/* ---- modules.c ---- */
int modules_init(const char *dir);         /* reads modules.dep; 0 or -1 */
int module_load(const char *name);         /* with dependencies; 0 or -errno */
int sched_ensure(const char *sched);       /* loads ip_vs_<sched> if present and not loaded */
void modules_schedulers(struct sbuf *out); /* " rr wrr ..." */
void modules_preload_schedulers(void);
extern double g_modload_ms;

/* ---- cov.c ---- */
int cov_take(struct sbuf *out, char *err, size_t errn);  /* 0, or -1 with a reason */
int cov_unload(void);  /* unloads the unused IPVS modules; how many went */

/* ---- case.c ---- */
struct case_stats {
	double start, setup_done, script_done, end;
	double listings_ms;
	int lines;
};
extern struct case_stats g_last;
/* 0: out holds the result lines; 1: bad request (reason in err); -1: infrastructure failure. */
int run_case(struct topo *t, char *script, size_t len, struct sbuf *out, char *err, size_t errn);

#endif
