// Where npm run mutants plants its one-line bugs: the paths the harness claims to reach (README
// "Kernel coverage", "What the mix covers"). Left out, and why:
//  - ip_vs_sync.c, ip_vs_ftp.c, ip_vs_pe*.c, ip_vs_nfct.c, ip_vs_proto_sctp.c/ah_esp: features the
//    generator does not touch (0-4% of lines reached);
//  - module and per-netns set-up and tear-down (*_init, *_cleanup, *_exit, sysctl registration):
//    run once per boot, and their failures need fault injection;
//  - /proc and seq_file printing, netlink attribute plumbing (ip_vs_genl_*), the sockopt copy-outs,
//    sysctl handlers, the memory-pressure defence (todrop, random_dropentry), the sync daemon's
//    try_bind_dest, expire_nodest_conn: not generated or not followed by the model;
//  - the packet and byte counters (ip_vs_in_stats, ip_vs_out_stats, ip_vs_conn_stats, the estimator):
//    the harness never compares `ipvsadm --stats`, so a bug there is out of its reach by design;
//  - the hash functions (ip_vs_*_hashkey): a change only moves entries between buckets.
import path from 'node:path';

export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'] as const;

const SETUP = /(^|_)(init|cleanup|exit)$|net_init|net_exit/;

/** The connection, accounting and configuration functions of ip_vs_conn/core/ctl.c the cases run. */
const CORE: Record<string, readonly string[]> = {
  'ip_vs_conn.c': [
    'ip_vs_conn_hash', 'ip_vs_conn_unhash', 'ip_vs_conn_unlink', '__ip_vs_conn_in_get', 'ip_vs_conn_in_get',
    'ip_vs_ct_in_get', 'ip_vs_conn_out_get', '__ip_vs_conn_put_timer', 'ip_vs_conn_put', 'ip_vs_conn_fill_cport',
    'ip_vs_dest_totalconns', 'ip_vs_bind_dest', 'ip_vs_unbind_dest', 'expire_quiescent_template',
    'ip_vs_check_template', 'ip_vs_conn_del', 'ip_vs_conn_del_put', 'ip_vs_conn_expire', 'ip_vs_conn_expire_now',
    'ip_vs_conn_new', 'ip_vs_conn_flush',
  ],
  'ip_vs_core.c': [
    'ip_vs_set_state', 'ip_vs_conn_fill_param_persist', 'ip_vs_sched_persist', 'ip_vs_schedule', 'ip_vs_leave',
    'is_new_conn', 'is_new_conn_expected', 'ip_vs_try_to_schedule', 'ip_vs_in_hook', 'handle_response', 'ip_vs_out_hook',
  ],
  'ip_vs_ctl.c': [
    'ip_vs_svc_hash', 'ip_vs_svc_unhash', '__ip_vs_service_find', '__ip_vs_svc_fwm_find', 'ip_vs_service_find',
    '__ip_vs_bind_svc', '__ip_vs_svc_put', 'ip_vs_lookup_dest', 'ip_vs_find_dest', 'ip_vs_trash_get_dest',
    '__ip_vs_update_dest', 'ip_vs_new_dest', 'ip_vs_add_dest', 'ip_vs_edit_dest', '__ip_vs_del_dest',
    '__ip_vs_unlink_dest', 'ip_vs_del_dest', 'ip_vs_dest_trash_expire', 'ip_vs_add_service', 'ip_vs_edit_service',
    '__ip_vs_del_service', 'ip_vs_unlink_service', 'ip_vs_del_service', 'ip_vs_flush',
  ],
};

export interface Target {
  /** Path in the kernel tree. */
  file: string;
  group: 'scheduler' | 'core';
  keep: (fn: string) => boolean;
}

const IPVS = 'net/netfilter/ipvs';

/** Every file mutated, with the functions of it that may be. */
export function mutationTargets(): Target[] {
  const schedulers = SCHEDULERS.map((s) => ({ file: path.posix.join(IPVS, `ip_vs_${s}.c`), group: 'scheduler' as const, keep: (fn: string) => !SETUP.test(fn) }));
  const core = Object.entries(CORE).map(([f, fns]) => ({ file: path.posix.join(IPVS, f), group: 'core' as const, keep: (fn: string) => fns.includes(fn) }));
  return [...schedulers, ...core];
}
