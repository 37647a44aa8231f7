/*
 * Service keys and targets as PROTOCOL.md spells them: "10.0.0.1:80" (TCP), "udp/10.0.0.1:53",
 * "fwm/5" (a firewall-mark service), and for IPv6 "[2001:db8::1]:80", "udp/[2001:db8::1]:53",
 * "fwm6/5". A target (where a connect sends) is a key without fwm.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"

int parse_svckey(const char *s, struct svc_spec *out, int allow_fwm)
{
	out->af = AF_INET;
	out->proto = IPPROTO_TCP;
	out->fwmark = 0;
	memset(&out->addr, 0, sizeof(out->addr));
	out->port = 0;
	int v6 = allow_fwm && !strncmp(s, "fwm6/", 5);
	if (v6 || (allow_fwm && !strncmp(s, "fwm/", 4))) {
		uint32_t m;
		if (parse_u32(s + (v6 ? 5 : 4), &m) || !m)
			return -1;
		out->fwmark = m;
		out->proto = 0;
		out->af = v6 ? AF_INET6 : AF_INET;
		return 0;
	}
	if (!strncmp(s, "udp/", 4)) {
		out->proto = IPPROTO_UDP;
		s += 4;
	}
	if (parse_ip46port(s, &out->addr, &out->port))
		return -1;
	out->af = out->addr.af;
	return 0;
}

void fmt_svckey(char *out, size_t n, const struct svc_spec *s)
{
	if (s->fwmark) {
		snprintf(out, n, s->af == AF_INET6 ? "fwm6/%u" : "fwm/%u", s->fwmark);
		return;
	}
	char ap[64];
	fmt_ip46port(ap, sizeof(ap), &s->addr, s->port);
	snprintf(out, n, "%s%s", s->proto == IPPROTO_UDP ? "udp/" : "", ap);
}
