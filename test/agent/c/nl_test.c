/*
 * Netlink requests (vm/agent/src/nl.c) and the IPVS family lookup (ipvs.c). Regressions: an
 * attribute that did not fit was dropped and the rest of the message sent as if whole (nl_put*
 * results were ignored), and a nest opened at the very end of the buffer had its length written
 * past it; the family lookup had its own send/recv, with no timeout and no sequence check, so a
 * stale reply on the socket was taken for the answer.
 * sources: nl.c util.c addr.c svckey.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <sys/socket.h>

/* The lookup asks for nlctrl, which every kernel has: a test never makes the host load ip_vs. */
#undef IPVS_GENL_NAME
#define IPVS_GENL_NAME "nlctrl"
#include "ipvs.c" /* its static resolve_family() */
#include "check.h"

/* A request exactly as long as the buffer, then one more attribute and a nest: never sent. */
static void full_request_is_not_sent(void)
{
	struct nlreq r;
	nl_begin(&r, 0x10, 0, 0);
	static char big[sizeof(r.buf)];
	CHECK_INT(nl_put(&r, 1, big, sizeof(r.buf) - r.len - 4), 0);
	CHECK_INT(r.len, sizeof(r.buf));
	CHECK_INT(r.full, 0);
	size_t off = nl_nest_begin(&r, 2);
	nl_put_u32(&r, 3, 7);
	nl_nest_end(&r, off);
	CHECK_INT(r.full, 1);
	CHECK_INT(r.len, sizeof(r.buf));
	CHECK_INT(nl_put_u8(&r, 4, 1), -EMSGSIZE);  /* it would fit on its own: full stays full */
	CHECK_INT(nl_talk(-1, &r), -E_NL_TRUNC);
	CHECK_INT(nl_dump(-1, &r, NULL, NULL), -E_NL_TRUNC);
	nl_begin(&r, 0x10, 0, 0);
	CHECK_INT(r.full, 0);
}

/* The kernel's answer to an earlier request, still unread, is not the answer to this one. */
static void family_lookup_skips_a_stale_reply(void)
{
	int fd = nl_open(NETLINK_GENERIC);
	CHECK(fd >= 0);
	struct nlreq r;
	struct genlmsghdr *g = nl_begin(&r, GENL_ID_CTRL, 0, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	/* no name and no id: the kernel answers EINVAL, and that answer stays unread */
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	CHECK(sendto(fd, r.buf, r.len, 0, (struct sockaddr *)&sa, sizeof(sa)) == (ssize_t)r.len);
	CHECK_INT(resolve_family(fd), 0);
	CHECK_INT(g_family, GENL_ID_CTRL);
	close(fd);
}

int main(void)
{
	RUN(full_request_is_not_sent);
	RUN(family_lookup_skips_a_stale_reply);
	return 0;
}
