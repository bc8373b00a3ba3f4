// validate.mjs — checks, in one batch, every Mermaid text and Vega-Lite
// spec that otter's C tests wrote into a directory, with the real
// libraries: Mermaid's parser (under jsdom), the Vega-Lite JSON schema, the
// Vega-Lite compiler and a headless Vega view.
//
//   node tests/viz/validate.mjs DIR
//
// DIR holds pairs NAME.mmd + NAME.json or NAME.vl.json + NAME.json, where
// NAME.json says what must be true:
//   {"kind": "mermaid", "valid": true, "diagram": "sequence",
//    "actors": [[id, text], ...], "messages": [[from, to, text, type], ...],
//    "vertices": [[id, text, class], ...], "markdown": [[id, name, protection]],
//    "edges": [[from, to, kind], ...]}
// and "browser": true to render it in headless Chromium too and find
// every participant's and node's text among the labels drawn;
//   {"kind": "vegalite", "valid": true, "rows": n, "sums": {"field": total},
//    "dataset": "name"}
// A case with "valid": false must fail some check (so a validator that
// accepts anything fails). Prints "ok - NAME" or "not ok - NAME: why" per case and
// a last line "N passed, M failed"; exits 0 only if nothing failed, 2 if
// the npm packages are missing.
import fs from 'node:fs';
import path from 'node:path';
import { MissingDeps, loadMermaid, displayed, markupIn, markdownParts, checkVegaLite,
  renderInBrowser, closeBrowser } from './lib.mjs';

const MAX_TEXT = 50000;   // Mermaid's default maxTextSize

const seqTypes = { 0: 'solid', 1: 'dotted', 2: 'note', 17: 'activate', 18: 'deactivate' };

function same(what, got, want) {
  const g = JSON.stringify(got), w = JSON.stringify(want);
  if (g === w) return;
  if (Array.isArray(got) && Array.isArray(want)) {
    for (let i = 0; i < Math.max(got.length, want.length); i++) {
      const a = JSON.stringify(got[i]), b = JSON.stringify(want[i]);
      if (a !== b) throw new Error(`${what}: item ${i} is ${a}, want ${b} (${got.length} vs ${want.length} items)`);
    }
  }
  throw new Error(`${what}: got ${g}, want ${w}`);
}

// A case marked "valid": false must fail some check.
async function mustFail(check) {
  try {
    await check();
  } catch (e) {
    if (e instanceof MissingDeps) throw e;
    return;
  }
  throw new Error('the libraries accepted a case that must fail');
}

async function checkMermaid(text, want) {
  const { mermaid, marked } = await loadMermaid();
  let parsed;
  try {
    parsed = await mermaid.parse(text);
  } catch (e) {
    throw new Error(`mermaid.parse: ${String(e.message).split('\n').slice(0, 3).join(' | ')}`);
  }
  if (text.length > MAX_TEXT && !want.big) throw new Error(`text is ${text.length} characters (Mermaid's limit is ${MAX_TEXT})`);
  if (want.diagram) same('diagram type', parsed.diagramType, want.diagram);
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  const db = diagram.db;

  if (want.actors) {
    const got = [...db.getActors().entries()].map(([id, a]) => {
      const bad = markupIn(a.description);
      if (bad) throw new Error(`actor ${id}: ${bad}`);
      return [id, displayed(a.description)];
    });
    same('actors', got, want.actors);
  }
  if (want.messages) {
    const got = db.getMessages().map((m) => {
      const type = seqTypes[m.type] ?? `type${m.type}`;
      if (type === 'activate' || type === 'deactivate') return [m.from, '', '', type];
      const bad = markupIn(m.message);
      if (bad) throw new Error(`message: ${bad}`);
      return [m.from, m.to, displayed(m.message), type];
    });
    same('messages', got, want.messages);
  }
  if (want.vertices || want.markdown) {
    const verts = db.getVertices();
    const md = new Map((want.markdown || []).map((m) => [m[0], m]));
    const got = [];
    for (const [id, v] of verts.entries()) {
      if (md.has(id)) {
        if (v.labelType !== 'markdown') throw new Error(`node ${id} is not a markdown string`);
        const parts = markdownParts(v.text, marked);
        same(`markdown node ${id}`, [id, parts.plain, parts.strongEm], md.get(id));
        md.delete(id);
        continue;
      }
      const bad = markupIn(v.text, { html: true });
      if (bad) throw new Error(`node ${id}: ${bad}`);
      got.push([id, displayed(v.text), v.classes[0] ?? '']);
    }
    if (md.size) throw new Error(`markdown nodes missing: ${[...md.keys()].join(',')}`);
    if (want.vertices) same('nodes', got.sort(byIds), [...want.vertices].sort(byIds));
  }
  if (want.edges) {
    const kinds = { 'arrow_point normal ': 'sup', 'arrow_open dotted ': 'link',
                    'arrow_point normal owner': 'owner', 'arrow_point dotted heir': 'heir' };
    const got = db.getEdges().map((e) => {
      const k = `${e.type} ${e.stroke} ${e.text}`;
      const kind = kinds[k] ?? k;
      // a link has no direction
      if (kind === 'link' && Number(e.start) > Number(e.end)) return [e.end, e.start, kind];
      return [e.start, e.end, kind];
    });
    same('edges', got.sort(byIds), [...want.edges].sort(byIds));
  }
}

// Nodes and edges are compared as sets: sorted by their numeric ids.
function byIds(a, b) {
  for (let i = 0; i < 2; i++) {
    const x = Number(a[i]), y = Number(b[i]);
    if (x !== y) return x - y;
  }
  return String(a[2]).localeCompare(String(b[2]));
}

// A drawn label compared without white space and control characters: SVG
// text shows a CR as a space, HTML labels drop it, and white space is
// already compared exactly on the parsed diagram. What this check catches
// is an entity left undecoded, markup taken as markup, or text lost.
const squash = (s) => s.replace(/[\s\u200b\x00-\x1f\x7f]+/g, '');

// Renders in Chromium and looks for every expected text among the labels:
// a sequence diagram draws each line of a name as its own text, a
// flowchart draws a node's lines in one HTML label.
async function checkBrowser(text, want) {
  const r = await renderInBrowser(text);
  if (r.error) throw new Error(`mermaid.render in Chromium: ${r.error}`);
  const drawn = new Set(r.labels.map(squash));
  const expect = [];
  for (const [, t] of want.actors || []) for (const line of t.split('\n')) expect.push(line);
  for (const [, , t, type] of want.messages || [])
    if (type !== 'activate' && type !== 'deactivate') for (const line of t.split('\n')) expect.push(line);
  for (const [, t] of want.vertices || []) expect.push(t.replace(/\n/g, ''));
  for (const [, n, p] of want.markdown || []) expect.push(n.replace(/\n/g, '') + (p ?? ''));
  for (const t of expect) {
    if (!drawn.has(squash(t)))
      throw new Error(`Chromium drew no label ${JSON.stringify(t)} (drawn: ${JSON.stringify([...drawn].slice(0, 12))})`);
  }
}

function sumField(rows, field) {
  let s = 0;
  for (const r of rows) s += Number(r[field]);
  return s;
}

async function checkSpec(spec, want) {
  const r = await checkVegaLite(spec);
  if (!r.ok) throw new Error(r.why);
  const values = spec.data && spec.data.values;
  if (want.rows !== undefined) {
    if (!Array.isArray(values)) throw new Error('spec has no data.values');
    same('rows', values.length, want.rows);
    const name = want.dataset || 'source_0';
    same(`rows in Vega dataset ${name}`, r.view.data(name).length, want.rows);
  }
  for (const [field, total] of Object.entries(want.sums || {})) {
    const got = sumField(values, field);
    if (Math.abs(got - total) > 1e-9 * Math.max(1, Math.abs(total)))
      throw new Error(`sum of ${field}: got ${got}, want ${total}`);
  }
}

async function main() {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node tests/viz/validate.mjs DIR');
    process.exit(2);
  }
  const names = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.vl.json'))
    .map((f) => f.slice(0, -5)).sort();
  let passed = 0, failed = 0;
  for (const name of names) {
    const want = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
    try {
      let check;
      if (want.kind === 'mermaid') {
        const text = fs.readFileSync(path.join(dir, `${name}.mmd`), 'utf8');
        check = async () => {
          await checkMermaid(text, want);
          if (want.browser) await checkBrowser(text, want);
        };
      } else if (want.kind === 'vegalite') {
        const spec = JSON.parse(fs.readFileSync(path.join(dir, `${name}.vl.json`), 'utf8'));
        check = () => checkSpec(spec, want);
      } else {
        throw new Error(`unknown kind ${JSON.stringify(want.kind)}`);
      }
      await (want.valid === false ? mustFail(check) : check());
      passed++;
      console.log(`ok - ${name}`);
    } catch (e) {
      if (e instanceof MissingDeps) throw e;
      failed++;
      console.log(`not ok - ${name}: ${e.message}`);
    }
  }
  await closeBrowser();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed || passed === 0 ? 1 : 0);
}

main().catch((e) => {
  if (e instanceof MissingDeps) {
    console.log(`not ok - cannot validate: ${e.message}`);
    process.exit(2);
  }
  console.log(`not ok - validator crashed: ${e.stack}`);
  process.exit(1);
});
