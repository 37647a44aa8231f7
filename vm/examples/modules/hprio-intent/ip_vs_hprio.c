// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * EXAMPLE for `ipvs-conform run --module DIR`: a scheduler under development, checked before it
 * is a patch. It is vm/modules/hprio/ip_vs_hprio.c (the 2005 hprio patch's code, ported) with
 * one change, in ip_vs_hprio_schedule(): the selection loop also skips destinations that are
 * OVERLOADED, which is what the 2005 patch *says* it does ("selects the server with the highest
 * weight which hasn't set the IP_VS_DEST_F_OVERLOAD flag") and what the model follows
 * (src/model/schedulers/hprio.ts). It registers the same name, "hprio", and builds the same
 * file, ip_vs_hprio.ko, so with --module it replaces the project's hprio in the guest:
 *
 *   npx ipvs-conform run --scheduler hprio --module vm/examples/modules/hprio-intent --cases 50
 *
 * Where the stock port picks an overloaded destination that ties on weight with a free one,
 * this one does not, so the divergences the harness reports for the port's code go away.
 */

#define KMSG_COMPONENT "IPVS"
#define pr_fmt(fmt) KMSG_COMPONENT ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/rculist.h>

#include <net/ip_vs.h>

static int ip_vs_hprio_init_svc(struct ip_vs_service *svc)
{
	svc->sched_data = &svc->destinations;
	return 0;
}

/* add_dest, del_dest and upd_dest: the patch's update_service, which reset the cursor. */
static int ip_vs_hprio_reset_cursor(struct ip_vs_service *svc,
				    struct ip_vs_dest *dest)
{
	spin_lock_bh(&svc->sched_lock);
	svc->sched_data = &svc->destinations;
	spin_unlock_bh(&svc->sched_lock);
	return 0;
}

/* The highest weight among destinations that are not overloaded (0 if none). */
static int ip_vs_hprio_max_weight(struct ip_vs_service *svc)
{
	struct ip_vs_dest *dest;
	int weight = 0;

	list_for_each_entry_rcu(dest, &svc->destinations, n_list) {
		if (atomic_read(&dest->weight) > weight &&
		    !(dest->flags & IP_VS_DEST_F_OVERLOAD))
			weight = atomic_read(&dest->weight);
	}
	return weight;
}

static struct ip_vs_dest *
ip_vs_hprio_schedule(struct ip_vs_service *svc, const struct sk_buff *skb,
		     struct ip_vs_iphdr *iph)
{
	struct list_head *head = &svc->destinations;
	struct list_head *p, *q;
	struct ip_vs_dest *dest;
	int max_weight, w, steps = 0, limit;

	IP_VS_DBG(6, "%s(): Scheduling...\n", __func__);

	spin_lock_bh(&svc->sched_lock);
	max_weight = ip_vs_hprio_max_weight(svc);
	limit = svc->num_dests + 2;
	p = rcu_dereference(list_next_rcu((struct list_head *)svc->sched_data));
	q = p;
	do {
		if (q == head) {
			q = rcu_dereference(list_next_rcu(q));
			continue;
		}
		dest = list_entry(q, struct ip_vs_dest, n_list);
		w = atomic_read(&dest->weight);
		/* The patch's stated intent: an overloaded destination is never chosen. */
		if (w > 0 && w == max_weight &&
		    !(dest->flags & IP_VS_DEST_F_OVERLOAD))
			goto out;
		q = rcu_dereference(list_next_rcu(q));
	} while (q != p && ++steps < limit);

	spin_unlock_bh(&svc->sched_lock);
	ip_vs_scheduler_err(svc, "no destination available");
	return NULL;

out:
	svc->sched_data = q;
	spin_unlock_bh(&svc->sched_lock);
	IP_VS_DBG_BUF(6, "HPRIO: server %s:%u activeconns %d refcnt %d weight %d\n",
		      IP_VS_DBG_ADDR(dest->af, &dest->addr), ntohs(dest->port),
		      atomic_read(&dest->activeconns),
		      refcount_read(&dest->refcnt), atomic_read(&dest->weight));
	return dest;
}

static struct ip_vs_scheduler ip_vs_hprio_scheduler = {
	.name =			"hprio",
	.refcnt =		ATOMIC_INIT(0),
	.module =		THIS_MODULE,
	.n_list =		LIST_HEAD_INIT(ip_vs_hprio_scheduler.n_list),
	.init_service =		ip_vs_hprio_init_svc,
	.add_dest =		ip_vs_hprio_reset_cursor,
	.del_dest =		ip_vs_hprio_reset_cursor,
	.upd_dest =		ip_vs_hprio_reset_cursor,
	.schedule =		ip_vs_hprio_schedule,
};

static int __init ip_vs_hprio_init(void)
{
	return register_ip_vs_scheduler(&ip_vs_hprio_scheduler);
}

static void __exit ip_vs_hprio_cleanup(void)
{
	unregister_ip_vs_scheduler(&ip_vs_hprio_scheduler);
	synchronize_rcu();
}

module_init(ip_vs_hprio_init);
module_exit(ip_vs_hprio_cleanup);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ipvs hprio scheduler, as the 2005 patch intends (example module for --module)");
