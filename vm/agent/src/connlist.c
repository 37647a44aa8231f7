/*
 * Comparing two `ipvsadm -L -n -c` listings by their entries (listings.c takes the listing until
 * two takes agree). The expiry counts down between takes, so it is left out.
 */
#include "agent.h"

/* Whether two -c listings show the same entries: each line without its expiry (second field). */
int conn_entries_same(const char *p, const char *q)
{
	for (;;) {
		/* first field, then skip the second in both */
		while (*p && *p == *q && *p != ' ' && *p != '\n')
			p++, q++;
		if (*p != *q)
			return 0;
		if (!*p)
			return 1;
		if (*p == ' ') {
			while (*p == ' ')
				p++;
			while (*q == ' ')
				q++;
			while (*p && *p != ' ' && *p != '\n')
				p++;
			while (*q && *q != ' ' && *q != '\n')
				q++;
		}
		/* rest of the line */
		while (*p && *p == *q && *p != '\n')
			p++, q++;
		if (*p != *q)
			return 0;
		if (!*p)
			return 1;
		p++, q++;
	}
}
