/*
 * IPv4 and IPv6 addresses as the script writes them ("10.0.0.1:80", "[2001:db8::1]:80") and as
 * sockets and /proc/net/ip_vs_conn want them.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "agent.h"

int parse_ip46(const char *s, struct ip46 *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		a->af = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->v6) == 1) {
		a->af = AF_INET6;
		return 0;
	}
	return -1;
}

int parse_ip46port(const char *s, struct ip46 *a, uint16_t *port)
{
	char ip[64];
	const char *colon = strrchr(s, ':');
	if (!colon)
		return -1;
	const char *start = s, *end = colon;
	if (*s == '[') {  /* [v6]:port */
		if (colon == s || colon[-1] != ']')
			return -1;
		start = s + 1;
		end = colon - 1;
	}
	if ((size_t)(end - start) >= sizeof(ip))
		return -1;
	memcpy(ip, start, (size_t)(end - start));
	ip[end - start] = 0;
	uint32_t p;
	if (parse_ip46(ip, a) || (a->af == AF_INET6) != (*s == '[') || parse_u32(colon + 1, &p) || p > 65535)
		return -1;
	*port = htons((uint16_t)p);
	return 0;
}

void fmt_ip46port(char *out, size_t n, const struct ip46 *a, uint16_t port)
{
	char ip[INET6_ADDRSTRLEN];
	inet_ntop(a->af, a->af == AF_INET6 ? (const void *)&a->v6 : (const void *)&a->v4, ip, sizeof(ip));
	snprintf(out, n, a->af == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, ntohs(port));
}

socklen_t ip46_sockaddr(const struct ip46 *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->af == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = port;
		s6->sin6_addr = a->v6;
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	s4->sin_port = port;
	s4->sin_addr.s_addr = a->v4;
	return sizeof(*s4);
}

void sockaddr_ip46(const struct sockaddr_storage *ss, struct ip46 *a, uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	a->af = ss->ss_family;
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		a->v6 = s6->sin6_addr;
		*port = s6->sin6_port;
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		a->v4 = s4->sin_addr.s_addr;
		*port = s4->sin_port;
	}
}

int ip46_eq(const struct ip46 *a, const struct ip46 *b)
{
	if (a->af != b->af)
		return 0;
	return a->af == AF_INET6 ? !memcmp(&a->v6, &b->v6, sizeof(a->v6)) : a->v4 == b->v4;
}

/* ip_vs_conn_seq_show(): %08X for IPv4, %pI6 (eight 4-digit lowercase groups) for IPv6. */
void fmt_ip46_proc(char *out, size_t n, const struct ip46 *a)
{
	if (a->af != AF_INET6) {
		snprintf(out, n, "%08X", ntohl(a->v4));
		return;
	}
	const uint8_t *b = a->v6.s6_addr;
	snprintf(out, n, "%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x", b[0], b[1], b[2],
		 b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

int parse_ip46_proc(const char *s, struct ip46 *a)
{
	memset(a, 0, sizeof(*a));
	if (strchr(s, ':'))
		return parse_ip46(s, a);
	unsigned x;
	if (sscanf(s, "%8x", &x) != 1)
		return -1;
	a->af = AF_INET;
	a->v4 = htonl(x);
	return 0;
}
