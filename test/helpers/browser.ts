// Renders a report page in a real headless browser (Debian's chromium, driven by playwright-core)
// and reads its screenshot: what a person opening the page would see, not what the HTML says.
import { chromium, type Browser } from 'playwright-core';
import { PNG } from 'pngjs';
import { expect } from 'vitest';
import { MARK_RGB } from '../../src/report/html/finding-page.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// As root, with no network: no sandbox, nothing in the background that would try to connect.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Rendered {
  png: PNG;
  /** console errors and uncaught exceptions */
  errors: string[];
  /** every URL the page asked for beyond itself */
  requests: string[];
  /** the page's charts: canvas boxes, and the x pixel (in the screenshot) of the marked event */
  charts: { box: { x: number; y: number; width: number; height: number }; markX?: number }[];
  ready: string | undefined;
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

export async function render(browser: Browser, file: string): Promise<Rendered> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 1 });
  const errors: string[] = [];
  const requests: string[] = [];
  const url = `file://${file}`;
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => r.url() !== url && requests.push(r.url()));
  await page.goto(url, { waitUntil: 'load' });
  const ready = await page.evaluate(() => document.body.dataset.charts);
  const charts = await page.evaluate(() =>
    [...document.querySelectorAll('canvas')].map((c, i) => {
      const r = c.getBoundingClientRect();
      // Chart.js's own scale says where an event's index lies on the canvas.
      const chart = (window as unknown as { charts?: { scales: { x: { getPixelForValue(v: number): number } } }[] }).charts?.[i];
      const first = JSON.parse(document.getElementById('timeline')?.textContent ?? '{}').firstDifference as number | undefined;
      const events = JSON.parse(document.getElementById('timeline')?.textContent ?? '{"events":[]}').events.length as number;
      const markX = chart && first !== undefined ? r.left + chart.scales.x.getPixelForValue(Math.min(first, events - 1)) : undefined;
      return { box: { x: r.left, y: r.top, width: r.width, height: r.height }, ...(markX !== undefined ? { markX } : {}) };
    }),
  );
  const png = PNG.sync.read(await page.screenshot());
  await page.close();
  return { png, errors, requests, charts, ready };
}

type Box = Rendered['charts'][number]['box'];

/** Pixels inside `box` for which `match(r, g, b)` holds, counted per screenshot column. */
export function columns(png: PNG, box: Box, match: (r: number, g: number, b: number) => boolean): Map<number, number> {
  const out = new Map<number, number>();
  for (let y = Math.max(0, Math.floor(box.y)); y < Math.min(png.height, box.y + box.height); y++) {
    for (let x = Math.max(0, Math.floor(box.x)); x < Math.min(png.width, box.x + box.width); x++) {
      const i = (y * png.width + x) * 4;
      if (match(png.data[i]!, png.data[i + 1]!, png.data[i + 2]!)) out.set(x, (out.get(x) ?? 0) + 1);
    }
  }
  return out;
}

/** Close to a colour (each channel within `tol`). */
export const near = (rgb: readonly number[], tol = 40) => (r: number, g: number, b: number) =>
  Math.abs(r - rgb[0]!) <= tol && Math.abs(g - rgb[1]!) <= tol && Math.abs(b - rgb[2]!) <= tol;

/** The tallest column of marker-coloured pixels in a chart, and how tall it is relative to the chart. */
export function tallestColumn(r: Rendered, chart: number, rgb: readonly number[]): { x: number; share: number } | undefined {
  const box = r.charts[chart]!.box;
  let best: { x: number; share: number } | undefined;
  for (const [x, n] of columns(r.png, box, near(rgb, 35))) if (!best || n / box.height > best.share) best = { x, share: n / box.height };
  return best;
}

/** Pixels of the given colours inside a chart: the plotted lines. */
export function plotted(r: Rendered, chart: number, colours: readonly (readonly number[])[]): number {
  const box = r.charts[chart]!.box;
  let n = 0;
  for (const c of colours) for (const v of columns(r.png, box, near(c, 30)).values()) n += v;
  return n;
}

const BLUE = [0x1f, 0x77, 0xb4];
const ORANGE = [0xff, 0x7f, 0x0e];

/** The checks every rendered finding page must pass. */
export function expectPlotAndMark(r: Rendered): void {
  expect(r.errors).toEqual([]);
  expect(r.requests).toEqual([]);
  expect(r.ready).toBe('ready');
  expect(r.charts).toHaveLength(2);
  // The plot: the destinations' lines are drawn in the active-connections chart.
  expect(plotted(r, 0, [BLUE, ORANGE])).toBeGreaterThan(300);
  // The mark: a red vertical line across most of each chart, at the first difference's x.
  for (const i of [0, 1]) {
    const col = tallestColumn(r, i, MARK_RGB);
    expect(col, `chart ${i}`).toBeDefined();
    expect(col!.share).toBeGreaterThan(0.5);
    expect(Math.abs(col!.x - r.charts[i]!.markX!)).toBeLessThanOrEqual(3);
  }
}

