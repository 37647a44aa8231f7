/* A few assertions for the agent's C unit tests (run by test/agent/units.test.ts). */
#ifndef IPVSC_CHECK_H
#define IPVSC_CHECK_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			exit(1);                                                      \
		}                                                                     \
	} while (0)

#define CHECK_INT(got, want)                                                                 \
	do {                                                                                 \
		long long g_ = (long long)(got), w_ = (long long)(want);                     \
		if (g_ != w_) {                                                              \
			fprintf(stderr, "%s:%d: %s: expected %lld, got %lld\n", __FILE__, __LINE__, #got, w_, g_); \
			exit(1);                                                             \
		}                                                                            \
	} while (0)

#define CHECK_STR(got, want)                                                                       \
	do {                                                                                       \
		const char *g_ = (got), *w_ = (want);                                              \
		if (!g_ || strcmp(g_, w_)) {                                                       \
			fprintf(stderr, "%s:%d: %s: expected \"%s\", got \"%s\"\n", __FILE__, __LINE__, #got, w_, g_ ? g_ : "(null)"); \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

/* Each test runs in its own process with a deadline: a hang is a failure, not a stuck suite. */
#define RUN(fn)                                                   \
	do {                                                      \
		fprintf(stderr, "-- %s\n", #fn);                  \
		alarm(10);                                        \
		fn();                                             \
		alarm(0);                                         \
	} while (0)
#endif
