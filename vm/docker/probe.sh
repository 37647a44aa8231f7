#!/bin/sh
# Capability probe (busybox sh, runs with no capabilities at all): what the Docker host's kernel
# offers, one `key value` line each, read by src/backends/docker/probe.ts.
# /proc/net/ip_vs exists in every network namespace once IPVS is in the kernel (built in or loaded).
echo "release $(cat /proc/sys/kernel/osrelease)"
# Debian's /proc/version names the exact package version ("Debian 6.1.192-3"); uname -r does not.
echo "version $(cat /proc/version)"
if [ -r /proc/net/ip_vs ]; then
  echo "ipvs $(head -n 1 /proc/net/ip_vs)"
else
  echo "ipvs none"
fi
echo "modules $(grep -o '^ip_vs[a-z0-9_]*' /proc/modules 2>/dev/null | tr '\n' ' ')"
