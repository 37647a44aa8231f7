// One finding as a page: each destination's active and inactive counts event by event, kernel
// (solid) against model (dashed), the first difference marked by a red line; the events with
// each side's choice; the listings side by side; the diff and the replay command.
import type { CaseFile } from '../../casefile/casefile.js';
import { eventText } from '../../scenario.js';
import { timelineOf, type Timeline } from '../timeline.js';
import { chartScripts } from './assets.js';
import { esc, jsonBlock, page } from './page.js';

/** The colour of the first-difference marker; no destination's colour is red. */
export const MARK_RGB = [220, 0, 0] as const;
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

// Runs in the browser: builds the two charts from the JSON block.
const CHARTS = `
const d = JSON.parse(document.getElementById('timeline').textContent);
Chart.register(window['chartjs-plugin-annotation']);
const palette = ${JSON.stringify(PALETTE)};
const mark = 'rgb(${MARK_RGB.join(',')})';
window.charts = ['active', 'inactive'].map((key) => {
  const datasets = d.dests.flatMap((dest, i) => {
    const c = palette[i % palette.length];
    const one = (side, dash) => ({ label: dest + ' ' + side, data: d[side][key][dest], borderColor: c, backgroundColor: c,
      borderDash: dash, borderWidth: 2, pointRadius: 2, stepped: 'before' });
    return d.model ? [one('kernel', []), one('model', [6, 4])] : [one('kernel', [])];
  });
  const annotations = {};
  if (d.firstDifference !== undefined) {
    const x = Math.min(d.firstDifference, d.events.length - 1);
    annotations.first = { type: 'line', xMin: x, xMax: x, borderColor: mark, borderWidth: 3,
      label: { display: true, content: d.firstDifference < d.events.length ? 'first difference: event ' + x : 'first difference: final listings',
        position: 'start', backgroundColor: mark, color: '#fff' } };
  }
  return new Chart(document.getElementById('chart-' + key), {
    type: 'line',
    data: { labels: d.events.map((_, i) => String(i)), datasets },
    options: { animation: false, responsive: true, maintainAspectRatio: false,
      plugins: { annotation: { annotations }, legend: { position: 'right' },
        tooltip: { callbacks: { title: (items) => items[0].dataIndex + ' ' + d.events[items[0].dataIndex] } } },
      scales: { x: { offset: true, title: { display: true, text: 'event' } },
        y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: key + ' connections' } } } },
  });
});
document.body.dataset.charts = 'ready';
`;

function choice(t: Timeline, side: 'kernel' | 'model', i: number): string {
  const s = t[side];
  if (!s) return '';
  const c = s.chosen[i];
  return s.errors[i] ?? (c === undefined ? '' : c === null ? '(none)' : c);
}

function eventsTable(t: Timeline): string {
  const rows = t.events.map((e, i) => {
    const k = choice(t, 'kernel', i);
    const m = choice(t, 'model', i);
    const bad = t.model && k !== m ? ' class="bad"' : '';
    return `<tr${t.firstDifference === i ? ' class="first" id="first"' : ''}><td class="n">${i}</td><td><code>${esc(e)}</code></td><td${bad}>${esc(k)}</td><td${bad}>${esc(m)}</td></tr>`;
  });
  return `<table><tr><th>#</th><th>event</th><th>kernel chose</th><th>model chose</th></tr>${rows.join('')}</table>`;
}

/** Two listings side by side, lines that differ highlighted. */
function listingPair(title: string, model: string | undefined, kernel: string | undefined): string {
  const m = (model ?? '').split('\n');
  const k = (kernel ?? '').split('\n');
  const lines = (a: string[], b: string[]) => a.map((l, i) => (l.trimEnd() !== (b[i] ?? '').trimEnd() ? `<span class="diffline">${esc(l)}</span>` : esc(l))).join('\n');
  return `<h3>${esc(title)}</h3><div class="pair"><div><b>model</b><pre>${lines(m, k)}</pre></div><div><b>kernel</b><pre>${lines(k, m)}</pre></div></div>`;
}

function sizes(c: CaseFile): string {
  const s = c.shrink;
  if (!s) return '';
  const r = s.reduce;
  const reduce = r ? ` → ${r.toEvents} events (reduction pass: ${r.runs} kernel runs${r.oneMinimal ? ', 1-minimal' : ''})` : '';
  return `<p>Size: ${s.originalEvents} events → ${r ? r.fromEvents : s.minimalEvents} (fast-check's shrinker: ${s.tried} kernel runs)${reduce}.</p>`;
}

export function findingPage(c: CaseFile, links: { index: string; yaml: string }): string {
  const k = c.observed?.kernel;
  const m = c.observed?.model;
  const title = `${c.kernel.name} / ${c.scheduler}: ${c.finding === 'kernel' ? 'kernel finding' : c.verdict ? `${c.verdict.what} differs after event ${c.verdict.stepIndex}` : c.finding}`;
  const t = k ? timelineOf(c.scenario, k, m, c.verdict ? { kind: 'diverge', ...c.verdict, diff: c.diff ?? '' } : undefined) : undefined;
  const parts = [
    `<p><a href="${esc(links.index)}">← report</a> · <a href="${esc(links.yaml)}">case file</a></p>`,
    `<h1>${esc(title)}</h1>`,
    c.verdict ? `<p>At <code>${esc(c.verdict.event)}</code>: model expected <b>${esc(c.verdict.expected)}</b>, kernel gave <b>${esc(c.verdict.got)}</b>.</p>` : '',
    `<p class="muted">kernel ${esc(c.kernel.name)} (${esc(c.kernel.release ?? '?')}), model semantics ${esc(c.semantics)}, backend ${esc(c.backend)}</p>`,
    sizes(c),
    `<pre>${esc(c.replay)}</pre>`,
  ];
  if (t) {
    parts.push('<h2>Counters, event by event (kernel solid, model dashed)</h2>', '<div class="chart"><canvas id="chart-active"></canvas></div>', '<div class="chart"><canvas id="chart-inactive"></canvas></div>');
    parts.push('<h2>Events</h2>', eventsTable(t));
  } else {
    parts.push('<h2>Events</h2>', `<pre>${esc(c.scenario.events.map((e, i) => `${i} ${eventText(e)}`).join('\n'))}</pre>`);
  }
  if (k?.listings) {
    parts.push('<h2>Listings after the last event</h2>');
    for (const [key, name] of [['list', 'ipvsadm -L -n'], ['thresholds', 'ipvsadm -L -n --thresholds'], ['persistent', 'ipvsadm -L -n --persistent-conn']] as const) parts.push(listingPair(name, m?.listings?.[key], k.listings[key]));
  }
  if (c.diff) parts.push('<h2>First difference</h2>', `<pre>${esc(c.diff)}</pre>`);
  if (c.consoleLog) parts.push('<h2>Console log</h2>', `<pre>${esc(c.consoleLog)}</pre>`);
  const script = t ? `${jsonBlock('timeline', t)}\n<script>${chartScripts()}</script>\n<script>${CHARTS}</script>` : '';
  return page(title, parts.join('\n'), script);
}
