/*
 * Service keys and targets as PROTOCOL.md spells them: "10.0.0.1:80" (TCP), "udp/10.0.0.1:53",
 * "fwm/5" (a firewall-mark service). A target (where a connect sends) is a key without fwm.
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
	out->addr = 0;
	out->port = 0;
	if (allow_fwm && !strncmp(s, "fwm/", 4)) {
		uint32_t m;
		if (parse_u32(s + 4, &m) || !m)
			return -1;
		out->fwmark = m;
		out->proto = 0;
		return 0;
	}
	if (!strncmp(s, "udp/", 4)) {
		out->proto = IPPROTO_UDP;
		s += 4;
	}
	return parse_addrport(s, &out->addr, &out->port);
}

void fmt_svckey(char *out, size_t n, const struct svc_spec *s)
{
	if (s->fwmark) {
		snprintf(out, n, "fwm/%u", s->fwmark);
		return;
	}
	char ap[48];
	fmt_addrport(ap, sizeof(ap), s->addr, s->port);
	snprintf(out, n, "%s%s", s->proto == IPPROTO_UDP ? "udp/" : "", ap);
}
