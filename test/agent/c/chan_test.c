/*
 * The agent's channel framing (vm/agent/src/chan.c). Regressions: a host that reconnected while a
 * frame body was half read had the next host's bytes read as that body (the stream desynchronised);
 * a header the agent refused (its kind) left its body to be read as the next header; a body over
 * the limit was dropped only as far as it was buffered, and the rest read as frames.
 * sources: chan.c util.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "agent.h"
#include "check.h"

/* The agent's end of a stdio channel fed by a child process writing `n` bytes of `data`. */
static pid_t feed(struct chan *c, const char *data, size_t n)
{
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t pid = fork();
	if (!pid) {
		close(p[0]);
		while (n) {
			ssize_t w = write(p[1], data, n);
			if (w <= 0)
				_exit(1);
			data += w;
			n -= (size_t)w;
		}
		_exit(0);
	}
	close(p[1]);
	chan_open_stdio(c);
	c->rfd = p[0];
	return pid;
}

static void expect_frame(struct chan *c, unsigned long id, const char *kind, int bad)
{
	struct msg m;
	CHECK_INT(chan_recv(c, &m), 1);
	CHECK_INT(m.id, id);
	CHECK_INT(m.bad[0] != 0, bad);
	if (!bad)
		CHECK_STR(m.kind, kind);
	free(m.body);
}

static void expect_end(struct chan *c)
{
	struct msg m;
	CHECK_INT(chan_recv(c, &m), 0);
	close(c->rfd);
	free(c->buf);
}

/* A body over the 16 MiB limit is skipped whole, even when it holds text that reads as frames. */
static void oversize_body_is_skipped(void)
{
	const char head[] = "IPVSC 7 case 16777217\n", inner[] = "IPVSC 9 ping 0\n", tail[] = "IPVSC 8 ping 0\n";
	size_t body = (16u << 20) + 1, hl = sizeof(head) - 1, il = sizeof(inner) - 1;
	size_t len = hl + body + sizeof(tail) - 1;
	char *buf = malloc(len);
	memcpy(buf, head, hl);
	memset(buf + hl, '\n', body);
	for (size_t k = 0; k + il <= body; k += il)
		memcpy(buf + hl + k, inner, il);
	memcpy(buf + hl + body, tail, sizeof(tail) - 1);
	struct chan c;
	pid_t pid = feed(&c, buf, len);
	expect_frame(&c, 7, NULL, 1);
	expect_frame(&c, 8, "ping", 0);
	expect_end(&c);
	waitpid(pid, NULL, 0);
	free(buf);
}

/* A refused kind with a body: `bad` with the request's id, and the body is not read as a header. */
static void refused_kind_skips_its_body(void)
{
	const char in[] = "IPVSC 3 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 15\nIPVSC 4 ping 0\n"
			  "IPVSC 5 Ping 15\nIPVSC 6 ping 0\nIPVSC 10 ping 0\n";
	struct chan c;
	pid_t pid = feed(&c, in, sizeof(in) - 1);
	expect_frame(&c, 3, NULL, 1);
	expect_frame(&c, 5, NULL, 1);
	expect_frame(&c, 10, "ping", 0);
	expect_end(&c);
	waitpid(pid, NULL, 0);
}

/* Lengths and ids that are not plain decimal (a sign, a trailing word) are garbage: id 0. */
static void odd_numbers_are_garbage(void)
{
	const char in[] = "IPVSC 1 ping -5\nIPVSC -1 ping 0\nIPVSC 2 ping 0 x\nIPVSC 3 ping 0x\nIPVSC  4 ping 0\n"
			  "IPVSC 5 ping 0\n";
	struct chan c;
	pid_t pid = feed(&c, in, sizeof(in) - 1);
	for (int i = 0; i < 5; i++)
		expect_frame(&c, 0, NULL, 1);
	expect_frame(&c, 5, "ping", 0);
	expect_end(&c);
	waitpid(pid, NULL, 0);
}

static void write_str(int fd, const char *s)
{
	CHECK(write(fd, s, strlen(s)) == (ssize_t)strlen(s));
}

/*
 * A virtio port reads as EOF, and polls as POLLHUP, while no host is connected; a FIFO does the
 * same while it has no writer. The host goes away with half a body sent and comes back: the
 * agent announces `ready` again and reads the new host's first frame as a frame.
 */
static void reconnect_mid_body_starts_at_a_header(void)
{
	char dir[] = "/tmp/ipvsc-chan-XXXXXX", fifo[64];
	CHECK(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/port", dir);
	CHECK(mkfifo(fifo, 0600) == 0);
	int rfd = open(fifo, O_RDONLY | O_NONBLOCK);
	CHECK(rfd >= 0);
	CHECK(fcntl(rfd, F_SETFL, 0) == 0);
	int wfd = open(fifo, O_WRONLY);
	CHECK(wfd >= 0);
	write_str(wfd, "IPVSC 1 case 100\nsvc-add 10");
	int out[2];
	CHECK(pipe(out) == 0);
	pid_t pid = fork();
	if (!pid) {
		usleep(200000);
		close(wfd);  /* the host goes away */
		usleep(300000);
		int w = open(fifo, O_WRONLY);  /* and a host is back */
		write_str(w, "IPVSC 2 ping 0\n");
		usleep(200000);
		_exit(0);
	}
	close(wfd);
	struct chan c;
	chan_open_stdio(&c);
	c.rfd = rfd;
	c.wfd = out[1];
	c.virtio = 1;
	c.ready = "agent x\n";
	c.ready_len = 8;
	expect_frame(&c, 2, "ping", 0);
	char got[64] = { 0 };
	CHECK(read(out[0], got, sizeof(got) - 1) > 0);
	CHECK_STR(got, "IPVSC 0 ready 8\nagent x\n");
	close(rfd);
	free(c.buf);
	waitpid(pid, NULL, 0);
	unlink(fifo);
	rmdir(dir);
}

int main(void)
{
	RUN(oversize_body_is_skipped);
	RUN(refused_kind_skips_its_body);
	RUN(odd_numbers_are_garbage);
	RUN(reconnect_mid_body_starts_at_a_header);
	return 0;
}
