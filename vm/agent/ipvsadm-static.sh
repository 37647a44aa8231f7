#!/bin/sh
# Builds a static ipvsadm from Debian's own source of the version the host's ipvsadm package has
# (bookworm: 1:1.31-1), linked against Debian's libnl/popt static libraries, into OUT.
# Why: the dynamic ipvsadm costs ~80 ms per exec under TCG (the loader relocating libnl and
# libc); the static one ~10 ms, and a case runs four listings. Same source, same output.
# Everything is fetched from Debian's registry with apt (a private source list: the host's apt
# configuration is not touched) and kept in WORK, so a rebuild needs no network.
#   usage: ipvsadm-static.sh OUT WORK
set -eu
OUT=$1
WORK=$2
VERSION=1.31
ORIG_SHA256=7276bcf214f31051188b2e44f11029e57303f37e54126e517000c1b2123a6d4e
mkdir -p "$WORK"
cd "$WORK"
# Several builds of the image may run make at once: one at a time in WORK.
exec 9>"$WORK/lock"
flock 9
APT="-o Dir::Etc::sourcelist=$WORK/sources.list -o Dir::Etc::sourceparts=/nonexistent -o Dir::State::Lists=$WORK/lists -o Dir::Cache=$WORK/cache -o Debug::NoDropPrivs=1 -o APT::Sandbox::User=root"
if [ ! -f ipvsadm_${VERSION}.orig.tar.gz ]; then
	echo "deb-src http://deb.debian.org/debian bookworm main" > sources.list
	mkdir -p lists/partial cache/archives/partial
	apt-get $APT -qq update
	# The .orig tarball is what we need; Debian's packaging tarball may be missing from a mirror.
	apt-get $APT -qq source --download-only ipvsadm=1:${VERSION}-1 || true
fi
echo "$ORIG_SHA256  ipvsadm_${VERSION}.orig.tar.gz" | sha256sum -c --quiet -
for p in libnl-3-dev libnl-genl-3-dev libpopt-dev; do
	ls ${p}_*.deb >/dev/null 2>&1 || apt-get -qq download $p
done
rm -rf sysroot src
for d in libnl-3-dev_*.deb libnl-genl-3-dev_*.deb libpopt-dev_*.deb; do dpkg -x "$d" sysroot; done
mkdir src
tar xzf ipvsadm_${VERSION}.orig.tar.gz -C src --strip-components=1
S=$WORK/sysroot
L=$S/lib/x86_64-linux-gnu
cd src
# The defines ipvsadm's own Makefile passes (DEFINES), netlink mode as Debian builds it.
gcc -static -O2 -w -DVERSION="\"$VERSION\"" \
	-DSCHEDULERS="\"$(cat SCHEDULERS)\"" -DPE_LIST="\"$(cat PERSISTENCE_ENGINES)\"" \
	-DHAVE_NET_IP_VS_H -DLIBIPVS_USE_NL \
	-I"$S/usr/include" -I"$S/usr/include/libnl3" -Ilibipvs \
	-o "$OUT.tmp" ipvsadm.c config_stream.c dynamic_array.c libipvs/libipvs.c libipvs/ip_vs_nl_policy.c \
	"$L/libnl-genl-3.a" "$L/libnl-3.a" "$S/usr/lib/x86_64-linux-gnu/libpopt.a" -lpthread -lm \
	2> ../gcc.log || { cat ../gcc.log >&2; exit 1; }
# (glibc warns that getservbyname & co. need its shared libraries at run time: ipvsadm only
# calls them for names, and the agent always passes -n.)
mv "$OUT.tmp" "$OUT"
