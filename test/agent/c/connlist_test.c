/*
 * Two `ipvsadm -L -n -c` takes compared by their entries (vm/agent/src/connlist.c): the expiry
 * counts down between takes and is left out; an entry missing, added or in another state, or a
 * destination changed, makes them differ (a take that skipped an entry must not be kept).
 * sources: connlist.c util.c
 */
#include "agent.h"
#include "check.h"

#define HEAD "IPVS connection entries\npro expire state       source             virtual            destination\n"
#define C1 "TCP 14:59  ESTABLISHED 10.1.0.1:40000     10.0.0.1:80        10.2.0.3:80\n"
#define C4 "TCP 14:59  ESTABLISHED 10.1.1.1:40003     10.0.0.1:80        10.2.0.3:80\n"
#define C4_LATER "TCP 14:58  ESTABLISHED 10.1.1.1:40003     10.0.0.1:80        10.2.0.3:80\n"
#define C4_CLOSED "TCP 00:09  CLOSE       10.1.1.1:40003     10.0.0.1:80        10.2.0.3:80\n"
#define C4_OTHER "TCP 14:59  ESTABLISHED 10.1.1.1:40003     10.0.0.1:80        10.2.0.1:80\n"
#define TPL "TCP 01:00  NONE        10.1.1.0:0         10.0.0.1:80        10.2.0.3:80\n"

int main(void)
{
	CHECK_INT(conn_entries_same(HEAD C1 C4 TPL, HEAD C1 C4 TPL), 1);
	CHECK_INT(conn_entries_same(HEAD C1 C4 TPL, HEAD C1 C4_LATER TPL), 1);
	CHECK_INT(conn_entries_same("", ""), 1);
	CHECK_INT(conn_entries_same(HEAD, HEAD), 1);
	/* the entry a take skipped */
	CHECK_INT(conn_entries_same(HEAD C1 C4 TPL, HEAD C1 TPL), 0);
	CHECK_INT(conn_entries_same(HEAD C1 TPL, HEAD C1 C4 TPL), 0);
	/* one entry twice */
	CHECK_INT(conn_entries_same(HEAD C1 C4, HEAD C1 C4 C4), 0);
	CHECK_INT(conn_entries_same(HEAD C1 C4, HEAD C1 C4_CLOSED), 0);
	CHECK_INT(conn_entries_same(HEAD C1 C4, HEAD C1 C4_OTHER), 0);
	/* an entry cut short, and no trailing newline on one side */
	CHECK_INT(conn_entries_same(HEAD C1, HEAD "TCP 14:59  ESTABLISHED 10.1.0.1:40000"), 0);
	CHECK_INT(conn_entries_same(HEAD C1, HEAD "TCP 14:59  ESTABLISHED 10.1.0.1:40000     10.0.0.1:80        10.2.0.3:80"), 0);
	return 0;
}
