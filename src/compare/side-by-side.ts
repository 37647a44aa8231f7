// Two texts side by side, aligned line by line with the `diff` package:
//   "  same line            | same line"
//   "~ model's line         | kernel's line"
//   "- only the model's     |"
//   "+                      | only the kernel's"
import { diffLines } from 'diff';

const splitLines = (s: string) => {
  const lines = s.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
};

export function sideBySide(left: string, right: string, titles: [string, string] = ['model', 'kernel']): string {
  const rows: [mark: string, l: string, r: string][] = [];
  const changes = diffLines(left, right);
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i]!;
    const lines = splitLines(c.value);
    if (!c.added && !c.removed) {
      for (const l of lines) rows.push([' ', l, l]);
    } else if (c.removed && changes[i + 1]?.added) {
      const added = splitLines(changes[++i]!.value);
      for (let j = 0; j < Math.max(lines.length, added.length); j++) {
        const l = lines[j];
        const r = added[j];
        rows.push([l !== undefined && r !== undefined ? '~' : l !== undefined ? '-' : '+', l ?? '', r ?? '']);
      }
    } else if (c.removed) {
      for (const l of lines) rows.push(['-', l, '']);
    } else {
      for (const r of lines) rows.push(['+', '', r]);
    }
  }
  const width = Math.max(titles[0].length, ...rows.map(([, l]) => l.length));
  const out = [`  ${titles[0].padEnd(width)} | ${titles[1]}`, `  ${'-'.repeat(width)} | ${'-'.repeat(Math.max(6, titles[1].length))}`];
  for (const [m, l, r] of rows) out.push(`${m} ${l.padEnd(width)} | ${r}`.trimEnd());
  return out.join('\n');
}
