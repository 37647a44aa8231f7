// JUnit XML for CI: one test suite per kernel, one test case per generated case. A divergence is a
// failure, an infrastructure/model failure or a kernel oops is an error, and a case the model
// could not judge (unknown) or that did not repeat (flaky) is marked skipped with the reason.
import { writeFileAtomic } from '../atomic-write.js';
import type { CaseRecord } from '../run/records.js';
import type { Summary } from './summary.js';

const esc = (s: string) =>
  s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function testcase(r: CaseRecord): string {
  const attrs = `classname="ipvs-conform.${esc(r.kernel)}.${esc(r.scheduler)}" name="case ${r.index} (seed ${r.seed}, ${r.events} events)" time="${(r.ms / 1000).toFixed(3)}"`;
  const msg = esc(r.detail ?? r.outcome);
  const file = r.file ? esc(`\nreplay: npx ipvs-conform replay ${r.file}`) : '';
  switch (r.outcome) {
    case 'agree':
      return `    <testcase ${attrs}/>`;
    case 'diverge':
      return `    <testcase ${attrs}><failure type="divergence" message="${msg}">${msg}${file}</failure></testcase>`;
    case 'unknown':
    case 'flaky':
    case 'not-run':
      return `    <testcase ${attrs}><skipped message="${esc(r.outcome)}: ${msg}${r.file ? esc(` (first run: ${r.file})`) : ''}"/></testcase>`;
    default:
      return `    <testcase ${attrs}><error type="${esc(r.outcome)}" message="${msg}">${msg}${file}</error></testcase>`;
  }
}

export function junitXml(s: Summary): string {
  const suites = s.kernels.map((k) => {
    const cases = s.cases.filter((r) => r.kernel === k.kernel);
    const failures = cases.filter((r) => r.outcome === 'diverge').length;
    const errors = cases.filter((r) => ['infra', 'kernel', 'model-error'].includes(r.outcome)).length;
    const skipped = cases.filter((r) => r.outcome === 'unknown' || r.outcome === 'flaky' || r.outcome === 'not-run').length;
    return [
      `  <testsuite name="kernel ${esc(k.kernel)}${k.release ? ` (${esc(k.release)})` : ''}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${(k.elapsedMs / 1000).toFixed(3)}">`,
      ...cases.map(testcase),
      '  </testsuite>',
    ].join('\n');
  });
  const t = s.totals;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="ipvs-conform" tests="${s.cases.length}" failures="${t.divergences}" errors="${t.infra + t.kernel + t.modelErrors}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

export async function writeJunit(file: string, s: Summary): Promise<void> {
  await writeFileAtomic(file, junitXml(s));
}
