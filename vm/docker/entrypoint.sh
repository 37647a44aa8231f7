#!/bin/sh
# Worker entrypoint (busybox sh): the guest agent speaks the framed protocol on stdin/stdout.
#
# Docker mounts /proc/sys read-only so that a container cannot change the host's global sysctls.
# The agent must set per-namespace sysctls (ip_forward, icmp_ratelimit) in the network namespaces
# it creates for each case, so in a private mount namespace /proc/sys/net, and only it, is
# bind-mounted read-write. In a network namespace other than the host's (the container has
# NetworkMode none) /proc/sys/net lists only that namespace's own settings, read at open time from
# the opener's namespace: nothing the agent writes there reaches the host. kernel/, vm/ and fs/
# stay read-only. unshare and mount need CAP_SYS_ADMIN (see src/backends/docker/containers.ts).
# Messages go to stderr: stdout belongs to the protocol.
exec unshare -m sh -c 'mount --bind /proc/sys/net /proc/sys/net &&
  mount -o remount,bind,rw /proc/sys/net &&
  exec /sbin/ipvsc-agent --stdio'
