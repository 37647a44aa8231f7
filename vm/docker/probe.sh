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
# fwmark cases mark traffic with tc (clsact, flower, skbedit): loaded modules, or no module support.
if [ -r /proc/modules ]; then
  echo "tc $(grep -oE '^(sch_ingress|cls_flower|act_skbedit) ' /proc/modules | tr -d ' ' | tr '\n' ' ')"
else
  echo "tc builtin"
fi
