// A kernel tree's .config against vm/tree/ipvs-conform.config: every missing option is named, with
// what is wanted, what the tree has and why the harness needs it.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeMissing, missingOptions, parseDotConfig, parseFragment, TREE_FRAGMENT } from '../../src/kernels/tree-config.js';
import { resolveTree } from '../../src/kernels/tree.js';
import { BOOT_MODULES, ON_DEMAND_MODULES } from '../../src/backends/qemu/modules.js';

const fragment = parseFragment(await readFile(TREE_FRAGMENT, 'utf8'));
const all = () => true;
/** A .config that has exactly what the fragment asks for. */
const complete = () => new Map(fragment.map((r) => [r.option, r.want]));

describe('the minimal config fragment', () => {
  it('names IPVS, every scheduler, the topology, the channel and the boot path, each with why', () => {
    const byOption = new Map(fragment.map((r) => [r.option, r]));
    for (const o of ['CONFIG_IP_VS', 'CONFIG_IP_VS_RR', 'CONFIG_IP_VS_MH', 'CONFIG_IP_VS_TWOS', 'CONFIG_VETH', 'CONFIG_NET_NS', 'CONFIG_VIRTIO_CONSOLE', 'CONFIG_PVH', 'CONFIG_MODULES', 'CONFIG_HZ_250'])
      expect(byOption.has(o), o).toBe(true);
    expect(byOption.get('CONFIG_VETH')!.why).toMatch(/^The guest topology/);
    expect(byOption.get('CONFIG_IP_VS_MH_TAB_INDEX')).toMatchObject({ want: '12' });
    expect(fragment.every((r) => r.why.length > 0)).toBe(true);
  });
});

describe('missingOptions', () => {
  it('a complete .config misses nothing; =m is met by a module or built in', () => {
    expect(missingOptions(fragment, complete(), all)).toEqual([]);
    const builtIn = complete();
    builtIn.set('CONFIG_IP_VS', 'y');
    expect(missingOptions(fragment, builtIn, all)).toEqual([]);
  });
  it('names each missing option: not set, absent, a wrong value', () => {
    const c = complete();
    c.set('CONFIG_VETH', 'n');
    c.delete('CONFIG_NET_NS');
    c.set('CONFIG_IP_VS_SH_TAB_BITS', '10');
    const missing = missingOptions(fragment, c, all);
    expect(missing.map((m) => m.option)).toEqual(['CONFIG_NET_NS', 'CONFIG_VETH', 'CONFIG_IP_VS_SH_TAB_BITS']);
    expect(describeMissing(missing[1]!)).toMatch(/^CONFIG_VETH: want y or m, have not set \(The guest topology/);
    expect(describeMissing(missing[0]!)).toMatch(/^CONFIG_NET_NS: want y, have absent \(a dependency is off\)/);
    expect(describeMissing(missing[2]!)).toMatch(/^CONFIG_IP_VS_SH_TAB_BITS: want 8, have 10/);
  });
  it('an option the tree does not define (twos before 6.2) is not asked for', () => {
    const c = complete();
    c.delete('CONFIG_IP_VS_TWOS');
    expect(missingOptions(fragment, c, (o) => o !== 'CONFIG_IP_VS_TWOS')).toEqual([]);
  });
  it('reads a .config', () => {
    expect(parseDotConfig('CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C="x"\n')).toEqual(new Map([['CONFIG_A', 'y'], ['CONFIG_B', 'n'], ['CONFIG_C', 'x']]));
  });
});

describe('resolveTree', () => {
  const tree = async (config: Map<string, string>, kconfig = fragment.map((r) => `config ${r.option.slice(7)}\n`).join('')) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ipvsc-tree-'));
    await writeFile(path.join(dir, 'Makefile'), 'VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 117\n');
    await writeFile(path.join(dir, '.config'), [...config].map(([k, v]) => (v === 'n' ? `# ${k} is not set` : `${k}=${v}`)).join('\n') + '\n');
    await mkdir(path.join(dir, 'net'), { recursive: true });
    await writeFile(path.join(dir, 'net', 'Kconfig'), kconfig);
    return dir;
  };
  it('a tree whose .config lacks options is refused, naming every one and the fix', async () => {
    const c = complete();
    c.set('CONFIG_VETH', 'n');
    c.set('CONFIG_VIRTIO_CONSOLE', 'n');
    const dir = await tree(c);
    await expect(resolveTree(`tree:${dir}`)).rejects.toThrow(
      new RegExp(`tree:${dir} cannot serve: its \\.config lacks 2 option\\(s\\) the harness needs:\\n  CONFIG_VIRTIO_CONSOLE: want y or m, have not set .*\\n  CONFIG_VETH: want y or m, have not set .*\\nFix: scripts/kconfig/merge_config\\.sh -m \\.config .*vm/tree/ipvs-conform\\.config && make olddefconfig && make bzImage modules`),
    );
  });
  it('a configured tree that is not built says so', async () => {
    const dir = await tree(complete());
    await expect(resolveTree(`tree:${dir}`)).rejects.toThrow(/arch\/x86\/boot\/bzImage is missing \(the kernel is not built\)/);
  });
});

describe('the fragment keeps up with the guest', () => {
  // A module added to the guest (src/backends/qemu/modules.ts) must be in the fragment too, or every tree
  // kernel built from the README's recipe stops booting (or fails the first case that needs it).
  const CONFIG_OF: Record<string, string> = {
    virtio_pci: 'CONFIG_VIRTIO_PCI', virtio_console: 'CONFIG_VIRTIO_CONSOLE', veth: 'CONFIG_VETH', ip_vs: 'CONFIG_IP_VS', ipip: 'CONFIG_NET_IPIP', ip6_tunnel: 'CONFIG_IPV6_TUNNEL',
    sch_ingress: 'CONFIG_NET_SCH_INGRESS', cls_flower: 'CONFIG_NET_CLS_FLOWER', act_skbedit: 'CONFIG_NET_ACT_SKBEDIT',
  };
  it.each([...BOOT_MODULES, ...ON_DEMAND_MODULES])('guest module %s has its option', (m) => {
    expect(CONFIG_OF[m], `add ${m}'s CONFIG_ option to vm/tree/ipvs-conform.config and to this map`).toBeDefined();
    expect(fragment.map((r) => r.option)).toContain(CONFIG_OF[m]);
  });
});
