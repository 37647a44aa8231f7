// The shell every report page shares: one self-contained HTML file. A Content-Security-Policy
// forbids every fetch, so a page that opens at all opens without a network.
export const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON for a <script type="application/json"> block ("<" escaped, so no tag can close it). */
export const jsonBlock = (id: string, v: unknown): string => `<script type="application/json" id="${id}">${JSON.stringify(v).replace(/</g, '\\u003c')}</script>`;

const CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 1200px; padding: 0 1em; color: #1b1f24; }
h1 { font-size: 1.35em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #d0d7de; padding: .2em .6em; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.first td { background: #ffe3e3; font-weight: 600; }
td.bad { color: #b00020; font-weight: 600; }
pre, code { font: 12.5px/1.35 ui-monospace, monospace; } pre { background: #f6f8fa; padding: .6em; overflow-x: auto; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; } .pair pre { margin: 0; }
.diffline { background: #ffe3e3; display: block; }
.chart { position: relative; height: 320px; }
.muted { color: #57606a; }
`;

export function page(title: string, body: string, script = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body}
${script}
</body>
</html>
`;
}
