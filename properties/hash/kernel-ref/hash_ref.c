// SPDX-License-Identifier: GPL-2.0
/*
 * A user-space transcript of the kernel's sh and mh schedulers, for differential tests of the
 * TypeScript model (properties/hash/kernel-ref.test.ts). The functions below are copied from
 * net/netfilter/ipvs/ip_vs_sh.c, ip_vs_mh.c, lib/siphash.c (x86-64: BITS_PER_LONG == 64,
 * CONFIG_DCACHE_WORD_ACCESS) and include/linux/hash.h, with the RCU, refcount and list plumbing
 * replaced by an array of dests in svc->destinations order. Addresses are IPv4, in host order,
 * exactly as the kernel has them after ntohl().
 *
 * stdin, one command a line:
 *   svc sh|mh FLAGS            start a service (FLAGS: the IP_VS_SVC_F_SCHED* bits)
 *   dest ADDR PORT WEIGHT LAST_WEIGHT OVERLOAD   append a dest (list order, index 0 first)
 *   build                      run the scheduler's reassign (after all dests)
 *   client ADDR PORT           print the chosen dest index, -1 for NULL
 *   table                      mh only: print the lookup table as dest indices
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint16_t u16;

/* ---- include/linux/hash.h ---- */
#define GOLDEN_RATIO_32 0x61C88647
static inline u32 hash_32(u32 val, unsigned int bits) { return (u32)(val * GOLDEN_RATIO_32) >> (32 - bits); }

/* ---- lib/siphash.c, 64-bit ---- */
static inline u64 rol64(u64 w, unsigned s) { return (w << s) | (w >> (64 - s)); }
#define SIPHASH_PERMUTATION(a, b, c, d) ( \
	(a) += (b), (b) = rol64((b), 13), (b) ^= (a), (a) = rol64((a), 32), \
	(c) += (d), (d) = rol64((d), 16), (d) ^= (c), \
	(a) += (d), (d) = rol64((d), 21), (d) ^= (a), \
	(c) += (b), (b) = rol64((b), 17), (b) ^= (c), (c) = rol64((c), 32))
#define SIPHASH_CONST_0 0x736f6d6570736575ULL
#define SIPHASH_CONST_1 0x646f72616e646f6dULL
#define SIPHASH_CONST_2 0x6c7967656e657261ULL
#define SIPHASH_CONST_3 0x7465646279746573ULL
typedef struct { unsigned long key[2]; } hsiphash_key_t;
#define SIPROUND SIPHASH_PERMUTATION(v0, v1, v2, v3)
#define PREAMBLE(len) \
	u64 v0 = SIPHASH_CONST_0; \
	u64 v1 = SIPHASH_CONST_1; \
	u64 v2 = SIPHASH_CONST_2; \
	u64 v3 = SIPHASH_CONST_3; \
	u64 b = ((u64)(len)) << 56; \
	v3 ^= key->key[1]; \
	v2 ^= key->key[0]; \
	v1 ^= key->key[1]; \
	v0 ^= key->key[0];
#define HSIPROUND SIPROUND
#define HPOSTAMBLE \
	v3 ^= b; \
	HSIPROUND; \
	v0 ^= b; \
	v2 ^= 0xff; \
	HSIPROUND; \
	HSIPROUND; \
	HSIPROUND; \
	return (v0 ^ v1) ^ (v2 ^ v3);
static u32 hsiphash(const void *data, size_t len, const hsiphash_key_t *key)
{
	const unsigned char *end = (const unsigned char *)data + len - (len % sizeof(u64));
	const unsigned char left = len & (sizeof(u64) - 1);
	u64 m;
	PREAMBLE(len)
	for (; (const unsigned char *)data != end; data = (const unsigned char *)data + sizeof(u64)) {
		memcpy(&m, data, 8); /* get_unaligned_le64 on little-endian */
		v3 ^= m;
		HSIPROUND;
		v0 ^= m;
	}
	if (left) { /* load_unaligned_zeropad & bytemask_from_count(left) */
		u64 w = 0;
		memcpy(&w, end, left);
		b |= w;
	}
	HPOSTAMBLE
}

/* ---- the service ---- */
struct dest { u32 addr; u16 port; int weight; int last_weight; int overload; };
#define MAXD 64
static struct dest dests[MAXD];
static int num_dests;
static unsigned flags;
#define IP_VS_SVC_F_SCHED1 0x0008
#define IP_VS_SVC_F_SCHED2 0x0010

static inline int is_unavailable(struct dest *dest) { return dest->weight <= 0 || dest->overload; }

/* ---- ip_vs_sh.c ---- */
#define IP_VS_SH_TAB_BITS 8
#define IP_VS_SH_TAB_SIZE (1 << IP_VS_SH_TAB_BITS)
#define IP_VS_SH_TAB_MASK (IP_VS_SH_TAB_SIZE - 1)
static struct dest *sh_buckets[IP_VS_SH_TAB_SIZE];

static inline unsigned int ip_vs_sh_hashkey(u32 addr, u16 port, unsigned int offset)
{
	return (offset + hash_32(port + addr, IP_VS_SH_TAB_BITS)) & IP_VS_SH_TAB_MASK;
}
static struct dest *ip_vs_sh_get(u32 addr, u16 port)
{
	unsigned int hash = ip_vs_sh_hashkey(addr, port, 0);
	struct dest *dest = sh_buckets[hash];
	return (!dest || is_unavailable(dest)) ? NULL : dest;
}
static struct dest *ip_vs_sh_get_fallback(u32 addr, u16 port)
{
	unsigned int offset, roffset, hash, ihash;
	struct dest *dest;
	ihash = ip_vs_sh_hashkey(addr, port, 0);
	dest = sh_buckets[ihash];
	if (!dest)
		return NULL;
	if (!is_unavailable(dest))
		return dest;
	for (offset = 0; offset < IP_VS_SH_TAB_SIZE; offset++) {
		roffset = (offset + ihash) % IP_VS_SH_TAB_SIZE;
		hash = ip_vs_sh_hashkey(addr, port, roffset);
		dest = sh_buckets[hash];
		if (!dest)
			break;
		if (!is_unavailable(dest))
			return dest;
	}
	return NULL;
}
static void ip_vs_sh_reassign(void)
{
	int i, p = 0, d_count = 0;
	for (i = 0; i < IP_VS_SH_TAB_SIZE; i++) {
		if (!num_dests) { sh_buckets[i] = NULL; continue; }
		sh_buckets[i] = &dests[p];
		if (++d_count >= dests[p].weight) {
			p = (p + 1) % num_dests;
			d_count = 0;
		}
	}
}

/* ---- ip_vs_mh.c ---- */
static int primes[] = {251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071};
#define CONFIG_IP_VS_MH_TAB_INDEX 12
#define IP_VS_MH_TAB_BITS (CONFIG_IP_VS_MH_TAB_INDEX / 2)
#define IP_VS_MH_TAB_INDEX (CONFIG_IP_VS_MH_TAB_INDEX - 8)
#define IP_VS_MH_TAB_SIZE primes[IP_VS_MH_TAB_INDEX]
struct ip_vs_mh_dest_setup { unsigned int offset, skip, perm; int turns; };
static struct dest *lookup[131071];
static struct ip_vs_mh_dest_setup dest_setup[MAXD];
static hsiphash_key_t hash1, hash2;
static int s_gcd, s_rshift;

static void generate_hash_secret(hsiphash_key_t *h1, hsiphash_key_t *h2)
{
	h1->key[0] = 2654435761UL;
	h1->key[1] = 2654435761UL;
	h2->key[0] = 2654446892UL;
	h2->key[1] = 2654446892UL;
}
static unsigned int ip_vs_mh_hashkey(u32 addr, u16 port, hsiphash_key_t *key, unsigned int offset)
{
	unsigned int v;
	v = (offset + port + addr);
	return hsiphash(&v, sizeof(v), key);
}
static int gcd(int a, int b) { while (b) { int t = a % b; a = b; b = t; } return a; }
static int fls(int x) { return x ? 32 - __builtin_clz((unsigned)x) : 0; }
static int ip_vs_mh_gcd_weight(void)
{
	int weight, g = 0, i;
	for (i = 0; i < num_dests; i++) {
		weight = dests[i].last_weight;
		if (weight > 0) {
			if (g > 0)
				g = gcd(weight, g);
			else
				g = weight;
		}
	}
	return g;
}
static int ip_vs_mh_shift_weight(int g)
{
	int new_weight, weight = 0, mw, shift, i;
	if (g < 1)
		return 0;
	for (i = 0; i < num_dests; i++) {
		new_weight = dests[i].last_weight;
		if (new_weight > weight)
			weight = new_weight;
	}
	mw = weight / g;
	shift = fls(mw) - IP_VS_MH_TAB_BITS;
	return (shift >= 0) ? shift : 0;
}
static void ip_vs_mh_permutate(void)
{
	int lw, i;
	struct ip_vs_mh_dest_setup *ds = &dest_setup[0];
	if (s_gcd < 1)
		return;
	for (i = 0; i < num_dests; i++, ds++) {
		ds->offset = ip_vs_mh_hashkey(dests[i].addr, dests[i].port, &hash1, 0) % IP_VS_MH_TAB_SIZE;
		ds->skip = ip_vs_mh_hashkey(dests[i].addr, dests[i].port, &hash2, 0) % (IP_VS_MH_TAB_SIZE - 1) + 1;
		ds->perm = ds->offset;
		lw = dests[i].last_weight;
		ds->turns = ((lw / s_gcd) >> s_rshift) ? : (lw != 0);
	}
}
static void ip_vs_mh_populate(void)
{
	int n, c, dt_count, p;
	static unsigned char table[131071];
	struct ip_vs_mh_dest_setup *ds;
	if (s_gcd < 1) {
		memset(lookup, 0, sizeof(lookup));
		return;
	}
	memset(table, 0, sizeof(table));
	p = -1; /* the list head */
	n = 0;
	dt_count = 0;
	while (n < IP_VS_MH_TAB_SIZE) {
		if (p == -1)
			p = 0;
		ds = &dest_setup[0];
		while (p != -1) {
			if (ds->turns < 1) {
				p = p + 1 < num_dests ? p + 1 : -1;
				ds++;
				continue;
			}
			c = ds->perm;
			while (table[c]) {
				ds->perm += ds->skip;
				if (ds->perm >= IP_VS_MH_TAB_SIZE)
					ds->perm -= IP_VS_MH_TAB_SIZE;
				c = ds->perm;
			}
			table[c] = 1;
			lookup[c] = &dests[p];
			if (++n == IP_VS_MH_TAB_SIZE)
				return;
			if (++dt_count >= ds->turns) {
				dt_count = 0;
				p = p + 1 < num_dests ? p + 1 : -1;
				ds++;
			}
		}
	}
}
static struct dest *ip_vs_mh_get(u32 addr, u16 port)
{
	unsigned int hash = ip_vs_mh_hashkey(addr, port, &hash1, 0) % IP_VS_MH_TAB_SIZE;
	struct dest *dest = lookup[hash];
	return (!dest || is_unavailable(dest)) ? NULL : dest;
}
static struct dest *ip_vs_mh_get_fallback(u32 addr, u16 port)
{
	unsigned int offset, roffset, hash, ihash;
	struct dest *dest;
	ihash = ip_vs_mh_hashkey(addr, port, &hash1, 0) % IP_VS_MH_TAB_SIZE;
	dest = lookup[ihash];
	if (!dest)
		return NULL;
	if (!is_unavailable(dest))
		return dest;
	for (offset = 0; offset < IP_VS_MH_TAB_SIZE; offset++) {
		roffset = (offset + ihash) % IP_VS_MH_TAB_SIZE;
		hash = ip_vs_mh_hashkey(addr, port, &hash1, roffset) % IP_VS_MH_TAB_SIZE;
		dest = lookup[hash];
		if (!dest)
			break;
		if (!is_unavailable(dest))
			return dest;
	}
	return NULL;
}

int main(void)
{
	char cmd[32], sched[8] = "";
	while (scanf("%31s", cmd) == 1) {
		if (!strcmp(cmd, "svc")) {
			if (scanf("%7s %u", sched, &flags) != 2) return 2;
			num_dests = 0;
			generate_hash_secret(&hash1, &hash2);
		} else if (!strcmp(cmd, "dest")) {
			struct dest *d = &dests[num_dests++];
			unsigned a, p;
			if (scanf("%u %u %d %d %d", &a, &p, &d->weight, &d->last_weight, &d->overload) != 5) return 2;
			d->addr = a;
			d->port = (u16)p;
		} else if (!strcmp(cmd, "build")) {
			if (!strcmp(sched, "sh")) {
				ip_vs_sh_reassign();
			} else {
				s_gcd = ip_vs_mh_gcd_weight();
				s_rshift = ip_vs_mh_shift_weight(s_gcd);
				ip_vs_mh_permutate();
				ip_vs_mh_populate();
			}
		} else if (!strcmp(cmd, "client")) {
			unsigned a, p;
			struct dest *d;
			u16 port;
			if (scanf("%u %u", &a, &p) != 2) return 2;
			if (!strcmp(sched, "sh")) {
				port = (flags & IP_VS_SVC_F_SCHED2) ? p : 0;
				d = (flags & IP_VS_SVC_F_SCHED1) ? ip_vs_sh_get_fallback(a, port) : ip_vs_sh_get(a, port);
			} else {
				port = (flags & IP_VS_SVC_F_SCHED2) ? p : 0;
				d = (flags & IP_VS_SVC_F_SCHED1) ? ip_vs_mh_get_fallback(a, port) : ip_vs_mh_get(a, port);
			}
			printf("%d\n", d ? (int)(d - dests) : -1);
		} else if (!strcmp(cmd, "table")) {
			for (int i = 0; i < IP_VS_MH_TAB_SIZE; i++)
				printf("%d%c", lookup[i] ? (int)(lookup[i] - dests) : -1, i + 1 < IP_VS_MH_TAB_SIZE ? ' ' : '\n');
		} else {
			return 2;
		}
	}
	return 0;
}
