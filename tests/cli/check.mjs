// check.mjs DIR — checks what tests/cli/run.sh saved: *.json parse as JSON
// (with the properties below), *.vl.json pass the Vega-Lite schema, compiler
// and a headless Vega view, *.mmd parse with Mermaid, and every X.svg (from
// --format svg) is well-formed SVG that draws exactly the nodes (their
// labels) and as many edges as mermaid's parser finds in X.mmd, the
// Mermaid text of the same command. Prints ok / not ok lines; exits 1 if
// any failed.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { checkVegaLite, displayed, loadMermaid, webDir } from '../viz/lib.mjs';

const dir = process.argv[2];
let failed = 0;
const report = (ok, what, why = '') => {
  console.log(`${ok ? 'ok' : 'not ok'} - ${what}${why ? ': ' + why : ''}`);
  if (!ok) failed++;
};

// Properties of the JSON outputs, by file name prefix.
const props = {
  'ps-': (v) => Array.isArray(v) && v.length > 0 &&
    v.every((p) => typeof p.pid === 'string' && Number.isInteger(p.memory) && Number.isInteger(p.reductions) &&
      Number.isInteger(p.message_queue_len) && typeof p.status === 'string'),
  'ps-top3-': (v) => v.length === 3 && v.every((p, i) => i === 0 || v[i - 1].memory >= p.memory),
  'ps-reds-': (v) => v.every((p, i) => i === 0 || v[i - 1].reductions >= p.reductions),
  'ps-cpu-': (v) => v.every((p, i) => Number.isInteger(p.cpu_time_us) && (i === 0 || v[i - 1].cpu_time_us >= p.cpu_time_us)),
  'memory-': (v) => Array.isArray(v) && v.length === 2 && v[0].iter === 1 && v[1].iter === 2 &&
    v.every((s) => ['total', 'processes', 'atom', 'binary', 'code', 'ets'].every((k) => Number.isInteger(s[k]) && s[k] >= 0) &&
      s.total >= s.processes),
  'apps-beam': (v) => Array.isArray(v) && ['kernel', 'stdlib', 'elixir'].every((a) => v.some((x) => x.name === a && x.version)),
  'apps-otter': (v) => Array.isArray(v) && v.every((x) => typeof x.name === 'string' && typeof x.version === 'string'),
};

// A node in the Mermaid text each tree must show, by file name prefix.
const treeHas = { 'sup-tree-beam': 'cli_agent', 'sup-tree-lr-beam': 'cli_agent', 'app-tree-beam': 'Logger',
                  'sup-tree-otter': 'Agent' };

// A label compared without white space: a node's lines are separate
// <tspan>s in the SVG and <br/>-separated in the Mermaid text.
const squash = (s) => s.replace(/[\s\u200b\x00-\x1f\x7f]+/g, '');
const sorted = (a) => [...a].sort();

// Checks X.svg against X.mmd: throws with the reason if they differ.
async function checkSvg(svgText, mmdText) {
  const { mermaid } = await loadMermaid();
  const req = createRequire(path.join(webDir, 'package.json'));
  const { JSDOM } = await import(pathToFileURL(req.resolve('jsdom')).href);
  let doc;
  try {
    doc = new JSDOM(svgText, { contentType: 'image/svg+xml' }).window.document;
  } catch (e) {
    throw new Error(`not well-formed XML: ${String(e.message || e).split('\n')[0]}`);
  }
  const root = doc.documentElement;
  if (root.localName !== 'svg' || root.namespaceURI !== 'http://www.w3.org/2000/svg')
    throw new Error(`the root element is ${root.namespaceURI} ${root.localName}, not an SVG <svg>`);
  if (!/^(-?[\d.]+ ){3}[\d.]+$/.test(root.getAttribute('viewBox') || ''))
    throw new Error(`no viewBox (${root.getAttribute('viewBox')})`);
  const db = (await mermaid.mermaidAPI.getDiagramFromText(mmdText)).db;
  const want = [...db.getVertices().values()].map((v) => squash(displayed(v.text)));
  const drawn = [...root.querySelectorAll('g.node')].map((g) => squash(g.textContent));
  if (want.length < 2) throw new Error(`the Mermaid text has ${want.length} nodes`);
  if (JSON.stringify(sorted(drawn)) !== JSON.stringify(sorted(want)))
    throw new Error(`nodes drawn ${JSON.stringify(sorted(drawn))}, the Mermaid text has ${JSON.stringify(sorted(want))}`);
  const edges = root.querySelectorAll('path.flowchart-link').length;
  if (edges !== db.getEdges().length)
    throw new Error(`${edges} edges drawn, the Mermaid text has ${db.getEdges().length}`);
  return want.length;
}

const files = fs.readdirSync(dir).sort();
for (const f of files) {
  const text = fs.readFileSync(path.join(dir, f), 'utf8');
  if (f.endsWith('.vl.json')) {
    let spec;
    try { spec = JSON.parse(text); } catch (e) { report(false, f, e.message); continue; }
    const r = await checkVegaLite(spec);
    const values = spec.data?.values ?? spec.datasets?.[spec.data?.name] ?? [];
    report(r.ok && values.length > 0, f, r.ok ? (values.length ? '' : 'no data') : r.why);
  } else if (f.endsWith('.json')) {
    let v;
    try { v = JSON.parse(text); } catch (e) { report(false, f, e.message); continue; }
    const fails = Object.entries(props).filter(([p, check]) => f.startsWith(p) && !check(v)).map(([p]) => p);
    report(fails.length === 0, f, fails.length ? `property ${fails.join(', ')}` : '');
  } else if (f.endsWith('.mmd')) {
    const { mermaid } = await loadMermaid();
    try {
      await mermaid.parse(text);
      const expect = treeHas[f.replace(/\.mmd$/, '')] ?? '';
      report(text.includes(expect), f, text.includes(expect) ? '' : `no ${expect} in the tree`);
    } catch (e) {
      report(false, f, String(e.message || e).split('\n')[0]);
    }
  } else if (f.endsWith('.svg')) {
    const mmd = f.replace(/\.svg$/, '.mmd');
    if (!files.includes(mmd)) { report(false, f, `no ${mmd} to compare with`); continue; }
    try {
      const n = await checkSvg(text, fs.readFileSync(path.join(dir, mmd), 'utf8'));
      report(true, `${f} draws the ${n} nodes and the edges of ${mmd}`);
    } catch (e) {
      report(false, f, String(e.message || e));
    }
  }
}
console.log(`# ${files.length} files, ${failed} failed`);
process.exit(failed ? 1 : 0);
