// SPDX-License-Identifier: GPL-2.0
/*
 * ipvsc_cov: the gcov runtime for IPVS modules built with -fprofile-arcs -fprofile-info-section
 * (Debian's kernels have no CONFIG_GCOV_KERNEL, and no CONFIG_CONSTRUCTORS to run gcov's
 * constructors). Every instrumented module needs __gcov_merge_add from here, so this module is
 * loaded first; a module notifier then finds the module's gcov_info objects through its kallsyms
 * (each function's `__gcov_.<name>` record points at its object's gcov_info) and keeps them.
 *
 * /proc/ipvsc_cov: opening it takes every non-zero arc counter of every registered object and
 * zeroes it (a "take": what ran since the previous take); reading returns them as text:
 *
 *   F <gcda file name> <version hex> <stamp> <checksum>
 *   f <ident> <lineno_checksum> <cfg_checksum> <counters> <index>:<count> ...
 *
 * one F line per object with a non-zero counter, then one f line per such function. A module that
 * is unloaded has run its exit code when the notifier hears of it (kernel/module/main.c calls
 * mod->exit() first): its counters are taken then and handed out with the next take.
 * The structures below are GCC's (gcc/gcov-io.h, libgcc/libgcov.h), as kernel/gcov/gcc_4_7.c has them.
 */
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#if (__GNUC__ >= 15)
#define GCOV_COUNTERS 10
#elif (__GNUC__ >= 14)
#define GCOV_COUNTERS 9
#elif (__GNUC__ >= 10)
#define GCOV_COUNTERS 8
#else
#error "ipvsc_cov supports GCC 10 and later"
#endif

typedef s64 gcov_type;

struct gcov_ctr_info {
	unsigned int num;
	gcov_type *values;
};

struct gcov_info;

struct gcov_fn_info {
	const struct gcov_info *key;
	unsigned int ident;
	unsigned int lineno_checksum;
	unsigned int cfg_checksum;
	struct gcov_ctr_info ctrs[];
};

struct gcov_info {
	unsigned int version;
	struct gcov_info *next;
	unsigned int stamp;
#if (__GNUC__ >= 12)
	unsigned int checksum;
#endif
	const char *filename;
	void (*merge[GCOV_COUNTERS])(gcov_type *, unsigned int);
	unsigned int n_functions;
	struct gcov_fn_info **functions;
};

/* Instrumented code only names these in gcov_info.merge[]; nothing here calls them. */
void __gcov_merge_add(gcov_type *counters, unsigned int n) {}
EXPORT_SYMBOL(__gcov_merge_add);
void __gcov_merge_single(gcov_type *counters, unsigned int n) {}
EXPORT_SYMBOL(__gcov_merge_single);
void __gcov_merge_ior(gcov_type *counters, unsigned int n) {}
EXPORT_SYMBOL(__gcov_merge_ior);
void __gcov_merge_time_profile(gcov_type *counters, unsigned int n) {}
EXPORT_SYMBOL(__gcov_merge_time_profile);
void __gcov_merge_topn(gcov_type *counters, unsigned int n) {}
EXPORT_SYMBOL(__gcov_merge_topn);

struct tracked {
	struct list_head list;
	struct module *mod;
	struct gcov_info *info;
};

static LIST_HEAD(tracked);
static DEFINE_MUTEX(lock);

struct text {
	char *p;
	size_t len, cap;
	bool failed;
};

static __printf(2, 3) void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		if (t->failed)
			return;
		va_start(ap, fmt);
		n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (t->len + n < t->cap) {
			t->len += n;
			return;
		}
		{
			size_t cap = max_t(size_t, 2 * t->cap, 65536);
			char *p = kvmalloc(cap, GFP_KERNEL);

			if (!p) {
				t->failed = true;
				return;
			}
			if (t->p)
				memcpy(p, t->p, t->len);
			kvfree(t->p);
			t->p = p;
			t->cap = cap;
		}
	}
}

/* Arc counters only: -fprofile-arcs makes no other counter type active. */
static void take_function(struct text *t, struct gcov_fn_info *fn, bool *header, const struct gcov_info *info)
{
	struct gcov_ctr_info *c = &fn->ctrs[0];
	bool line = false;
	unsigned int i;

	for (i = 0; i < c->num; i++) {
		gcov_type v = READ_ONCE(c->values[i]);

		if (!v)
			continue;
		WRITE_ONCE(c->values[i], 0);
		if (!*header) {
#if (__GNUC__ >= 12)
			put(t, "F %s %x %u %u\n", info->filename, info->version, info->stamp, info->checksum);
#else
			put(t, "F %s %x %u 0\n", info->filename, info->version, info->stamp);
#endif
			*header = true;
		}
		if (!line) {
			put(t, "f %u %u %u %u", fn->ident, fn->lineno_checksum, fn->cfg_checksum, c->num);
			line = true;
		}
		put(t, " %u:%lld", i, v);
	}
	if (line)
		put(t, "\n");
}

static bool known(const struct gcov_info *info)
{
	struct tracked *t;

	list_for_each_entry(t, &tracked, list)
		if (t->info == info)
			return true;
	return false;
}

/* The module's gcov_info objects, found through its `__gcov_.<function>` data symbols. */
static void add_module(struct module *mod)
{
	struct mod_kallsyms *ks;
	unsigned int i;

	mutex_lock(&lock);
	preempt_disable();
	ks = rcu_dereference_sched(mod->kallsyms);
	for (i = 0; ks && i < ks->num_symtab; i++) {
		const char *name = ks->strtab + ks->symtab[i].st_name;
		unsigned long addr = ks->symtab[i].st_value;
		struct gcov_fn_info *fn = (struct gcov_fn_info *)addr;
		struct gcov_info *info;
		struct tracked *t;

		if (strncmp(name, "__gcov_.", 8) || !within_module(addr, mod))
			continue;
		info = (struct gcov_info *)fn->key;
		if (!within_module((unsigned long)info, mod) || known(info))
			continue;
		t = kmalloc(sizeof(*t), GFP_ATOMIC);
		if (!t)
			break;
		t->mod = mod;
		t->info = info;
		list_add_tail(&t->list, &tracked);
	}
	preempt_enable();
	mutex_unlock(&lock);
}

/* What unloaded modules ran, kept for the next take. */
static struct text graveyard;

static void take_info(struct text *t, struct gcov_info *info)
{
	bool header = false;
	unsigned int f;

	if (!info->merge[0])
		return;
	for (f = 0; f < info->n_functions; f++)
		if (info->functions[f] && info->functions[f]->key == info)
			take_function(t, info->functions[f], &header, info);
}

static void remove_module(struct module *mod)
{
	struct tracked *t, *n;

	mutex_lock(&lock);
	list_for_each_entry_safe(t, n, &tracked, list)
		if (t->mod == mod) {
			take_info(&graveyard, t->info);
			list_del(&t->list);
			kfree(t);
		}
	mutex_unlock(&lock);
}

static int on_module(struct notifier_block *nb, unsigned long state, void *data)
{
	if (state == MODULE_STATE_COMING)
		add_module(data);
	else if (state == MODULE_STATE_GOING)
		remove_module(data);
	return NOTIFY_OK;
}

static struct notifier_block notifier = { .notifier_call = on_module };

static int take_open(struct inode *inode, struct file *file)
{
	struct text *t = kzalloc(sizeof(*t), GFP_KERNEL);
	struct tracked *tr;

	if (!t)
		return -ENOMEM;
	mutex_lock(&lock);
	if (graveyard.len) {
		put(t, "%s", graveyard.p);
		graveyard.len = 0;
		graveyard.failed = false;
	}
	list_for_each_entry(tr, &tracked, list)
		take_info(t, tr->info);
	mutex_unlock(&lock);
	if (t->failed) {
		kvfree(t->p);
		kfree(t);
		return -ENOMEM;
	}
	file->private_data = t;
	return 0;
}

static ssize_t take_read(struct file *file, char __user *buf, size_t count, loff_t *pos)
{
	struct text *t = file->private_data;

	return simple_read_from_buffer(buf, count, pos, t->p, t->len);
}

static int take_release(struct inode *inode, struct file *file)
{
	struct text *t = file->private_data;

	kvfree(t->p);
	kfree(t);
	return 0;
}

static const struct proc_ops take_ops = {
	.proc_open = take_open,
	.proc_read = take_read,
	.proc_release = take_release,
	.proc_lseek = default_llseek,
};

static int __init ipvsc_cov_init(void)
{
	int err;

	if (!proc_create("ipvsc_cov", 0400, NULL, &take_ops))
		return -ENOMEM;
	err = register_module_notifier(&notifier);
	if (err)
		remove_proc_entry("ipvsc_cov", NULL);
	return err;
}

static void __exit ipvsc_cov_exit(void)
{
	struct tracked *t, *n;

	unregister_module_notifier(&notifier);
	remove_proc_entry("ipvsc_cov", NULL);
	list_for_each_entry_safe(t, n, &tracked, list) {
		list_del(&t->list);
		kfree(t);
	}
	kvfree(graveyard.p);
}

module_init(ipvsc_cov_init);
module_exit(ipvsc_cov_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("gcov counters of IPVS modules built by ipvs-conform --coverage");
