/*
 * Kernel modules loaded in-process with finit_module(), dependencies first, from modules.dep
 * (no modprobe exec). Schedulers are loaded on first use by sched_ensure(), before the
 * netlink request that names them, which spares the kernel's request_module() exec.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent.h"

struct mod {
	char name[64];
	char *path;   /* absolute */
	char *deps;   /* space-separated relative paths, as in modules.dep */
	int loaded;
};

static struct mod *mods;
static int nmods;
static char moddir[256];
double g_modload_ms;

static void name_of(const char *path, char *out, size_t n)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	size_t len = strcspn(b, ".");
	if (len >= n)
		len = n - 1;
	for (size_t i = 0; i < len; i++)
		out[i] = b[i] == '-' ? '_' : b[i];
	out[len] = 0;
}

static struct mod *find_mod(const char *name)
{
	for (int i = 0; i < nmods; i++)
		if (!strcmp(mods[i].name, name))
			return &mods[i];
	return NULL;
}

static void mark_loaded_from_proc(void)
{
	FILE *f = fopen("/proc/modules", "re");
	if (!f)
		return;
	char line[512], name[64];
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s", name) == 1) {
			struct mod *m = find_mod(name);
			if (m)
				m->loaded = 1;
		}
	fclose(f);
}

int modules_init(const char *dir)
{
	snprintf(moddir, sizeof(moddir), "%s", dir);
	char path[300];
	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		line[strcspn(line, "\n")] = 0;
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = 0;
		struct mod *p = realloc(mods, sizeof(*mods) * (size_t)(nmods + 1));
		if (!p)
			break;
		mods = p;
		struct mod *m = &mods[nmods++];
		memset(m, 0, sizeof(*m));
		name_of(line, m->name, sizeof(m->name));
		if (line[0] == '/')
			m->path = strdup(line);
		else if (asprintf(&m->path, "%s/%s", dir, line) < 0)
			m->path = NULL;
		m->deps = strdup(colon[1] == ' ' ? colon + 2 : colon + 1);
	}
	free(line);
	fclose(f);
	mark_loaded_from_proc();
	return 0;
}

static int load_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = (int)syscall(SYS_finit_module, fd, "", 0);
	int e = r < 0 ? errno : 0;
	close(fd);
	return e == EEXIST ? 0 : -e;
}

static int load_mod(struct mod *m)
{
	if (m->loaded)
		return 0;
	/* modules.dep lists the full closure, innermost last: load from the end. */
	char *deps = strdup(m->deps ? m->deps : "");
	char *tok[64];
	int nt = 0;
	for (char *s = strtok(deps, " "); s && nt < 64; s = strtok(NULL, " "))
		tok[nt++] = s;
	int e = 0;
	for (int i = nt - 1; i >= 0 && !e; i--) {
		char name[64];
		name_of(tok[i], name, sizeof(name));
		struct mod *d = find_mod(name);
		if (d && !d->loaded) {
			e = load_file(d->path);
			if (!e)
				d->loaded = 1;
		}
	}
	free(deps);
	if (e)
		return e;
	e = load_file(m->path);
	if (!e)
		m->loaded = 1;
	return e;
}

int module_load(const char *name)
{
	struct mod *m = find_mod(name);
	if (!m)
		return -ENOENT;  /* not a module: built in, or absent */
	double t0 = now_ms();
	int e = load_mod(m);
	g_modload_ms += now_ms() - t0;
	return e;
}

static int is_scheduler(const char *modname)
{
	if (strncmp(modname, "ip_vs_", 6))
		return 0;
	const char *s = modname + 6;
	/* application helpers, persistence engines and conntrack glue are not schedulers */
	return *s && strcmp(s, "ftp") && strncmp(s, "pe_", 3) && strcmp(s, "nfct");
}

int sched_ensure(const char *sched)
{
	char name[64];
	if (strlen(sched) > 40)
		return 0;
	for (const char *p = sched; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;  /* not a module name: let the kernel reject it */
	snprintf(name, sizeof(name), "ip_vs_%s", sched);
	struct mod *m = find_mod(name);
	if (!m || m->loaded || !is_scheduler(name))
		return 0;
	return module_load(name);
}

void modules_schedulers(struct sbuf *out)
{
	for (int i = 0; i < nmods; i++)
		if (is_scheduler(mods[i].name))
			sb_printf(out, " %s", mods[i].name + 6);
}

void modules_preload_schedulers(void)
{
	for (int i = 0; i < nmods; i++)
		if (is_scheduler(mods[i].name)) {
			int e = module_load(mods[i].name);
			if (e)
				logmsg("load %s: %s", mods[i].name, strerror(-e));
		}
}
