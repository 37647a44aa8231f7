// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IPVS: Weighted Round-Robin High Priority Scheduling module ("hprio")
 *
 * A port of Roberto Nibali's 2005 hprio patch for 2.4.31 (ip_vs_hprio.c 0.0.3, posted to the
 * LVS list) to the scheduler API of current kernels (shape of ip_vs_rr.c: RCU list walk under
 * svc->sched_lock, init_service and add/del/upd_dest hooks). Written fresh for ipvs-conform,
 * where it is the system under test: its selection loop keeps the patch's behaviour *as coded*,
 * including where that differs from the patch's stated intent. Do not "fix" it here.
 *
 * Selection (ip_vs_hprio_schedule), as the patch's loop:
 *  1. max_weight = the highest weight among destinations whose weight is greater than the
 *     running maximum (starting at 0) and which are NOT overloaded (IP_VS_DEST_F_OVERLOAD;
 *     the patch's ip_vs_is_overloaded()). No such destination: max_weight stays 0.
 *  2. From the destination after the cursor (svc->sched_data), walk the list once, skipping the
 *     list head, and take the first destination with weight > 0 && weight == max_weight. This
 *     pass does NOT re-check IP_VS_DEST_F_OVERLOAD (the patch says the check "is done in
 *     ip_vs_hprio_max_weight()"), so an overloaded destination that has the same weight as a
 *     non-overloaded one can still be chosen.
 *  3. On a hit the cursor moves to the chosen destination; with no hit the result is NULL and,
 *     like rr, ip_vs_scheduler_err() logs "no destination available".
 *
 * Cursor resets: the 2.4 patch's update_service hook (called on every destination add, edit
 * and delete) reset the cursor to the list head. Current kernels call add_dest, del_dest and
 * upd_dest instead (__ip_vs_update_dest, __ip_vs_unlink_dest), so all three point at one
 * function that resets svc->sched_data to &svc->destinations, as ip_vs_wrr.c shares one for
 * its hooks. This also makes del_dest safe: the cursor never points at an unlinked entry.
 *
 * Modern-kernel additions that do not change the selection: the walk uses RCU list accessors
 * (schedule runs under rcu_read_lock, the list changes under __ip_vs_mutex), and it is bounded
 * by num_dests + 2 steps so that a destination unlinked during the walk (the cursor's next
 * gone from the list) cannot make it loop forever, the case rr handles with its second pass.
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
		/* As the patch: no IP_VS_DEST_F_OVERLOAD check here, only in max_weight. */
		if (w > 0 && w == max_weight)
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
MODULE_DESCRIPTION("ipvs weighted round-robin high priority scheduler (2005 hprio patch, ported)");
