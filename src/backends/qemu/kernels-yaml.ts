// vm/kernels.yaml's text to plain data, with the edits YAML itself hides turned into input errors:
// a syntax error (with the line), a key written twice (the yaml library would keep the last one
// silently, or throw an error of its own), and a kernel name YAML reads as a number (an unquoted
// 6.10 is the number 6.1, which would then pin the wrong kernel).
import { isMap, isScalar, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { InputError } from '../../errors.js';

export function readKernelsYaml(text: string, file: string): unknown {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  const bad = doc.errors[0];
  if (bad) {
    const at = lines.linePos(bad.pos[0]);
    const line = text.split('\n')[at.line - 1] ?? '';
    const why = bad.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new InputError(file, `line ${at.line}, column ${at.col}`, 'YAML', line, `${why} (the YAML parser's words; the mistake is on this line or above it)`);
  }
  checkNames(doc, file, text);
  checkDuplicates(doc, file, lines);
  return doc.toJS();
}

/** Two keys of one mapping that are the same: the first pair's path and the second's line. */
function checkDuplicates(doc: Document, file: string, lines: LineCounter): void {
  visit(doc, {
    Map(_, map, ancestors) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (seen.has(key)) {
          const where = [...pathOf(ancestors), key].join('.');
          const line = lines.linePos((pair.key as Node).range?.[0] ?? 0).line;
          throw new InputError(file, where, `each key once in its mapping`, `a second \`${key}:\` at line ${line}`, `remove one of the two (or rename it, if it is another kernel)`);
        }
        seen.add(key);
      }
    },
  });
}

/** The keys leading to a node, from visit()'s ancestors (each Pair on the way). */
function pathOf(ancestors: readonly unknown[]): string[] {
  return ancestors.flatMap((a) => (a && typeof a === 'object' && 'key' in a && isScalar((a as { key: unknown }).key) ? [String((a as { key: { value: unknown } }).key.value)] : []));
}

/** Every kernel name a string: an unquoted 6.10 is the number 6.1, 6 is a number too. */
function checkNames(doc: Document, file: string, text: string): void {
  const kernels = doc.get('kernels', true);
  if (!isMap(kernels)) return;
  for (const pair of kernels.items) {
    if (!isScalar(pair.key) || typeof pair.key.value === 'string') continue;
    const range = pair.key.range;
    const written = range ? text.slice(range[0], range[1]) : String(pair.key.value);
    throw new InputError(
      file,
      `kernels.${written}`,
      'a kernel name as a quoted string, like "6.12"',
      pair.key.value,
      `write "${written}": in quotes (unquoted, YAML reads ${written} as the number ${String(pair.key.value)})`,
    );
  }
}
