// lib.mjs — loading the real Mermaid, Vega and Vega-Lite libraries from
// web/node_modules (pinned in web/package-lock.json, installed by
// scripts/deps.sh), and reading what they make of otter's output: the
// actors, messages, nodes and edges Mermaid's parser finds, the text a
// reader would see, and whether a Vega-Lite spec passes the JSON schema,
// compiles and renders.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const sourceDir = process.env.OTTER_SOURCE_DIR ||
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const webDir = path.join(sourceDir, 'web');

// Thrown when the npm packages are not installed: the caller reports it
// and fails (a missing validator must never look like a pass).
export class MissingDeps extends Error {}

const needed = ['mermaid', 'jsdom', 'vega', 'vega-lite', 'ajv', 'ajv-formats'];

function requireFromWeb() {
  const pkg = path.join(webDir, 'package.json');
  if (!fs.existsSync(pkg)) throw new MissingDeps(`${pkg} is missing`);
  for (const name of needed) {
    if (!fs.existsSync(path.join(webDir, 'node_modules', name, 'package.json'))) {
      throw new MissingDeps(
        `web/node_modules/${name} is missing: run scripts/deps.sh ` +
        `(it runs npm ci in web/ to install the pinned packages)`);
    }
  }
  return createRequire(pkg);
}

async function load(req, name) {
  return import(pathToFileURL(req.resolve(name)).href);
}

// ------------------------------------------------------------------ mermaid

let mermaidApi = null;
let domWindow = null;

// The mermaid module, running against a jsdom window (it needs a DOM even
// to parse). The window must exist before mermaid is first imported.
export async function loadMermaid() {
  if (mermaidApi) return mermaidApi;
  const req = requireFromWeb();
  const { JSDOM } = await load(req, 'jsdom');
  const dom = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
  domWindow = dom.window;
  globalThis.window = dom.window;
  globalThis.document = dom.window.document;
  const mod = await load(req, 'mermaid');
  const mermaid = mod.default;
  mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
  const marked = await load(req, createRequire(req.resolve('mermaid')).resolve('marked'));
  mermaidApi = { mermaid, marked: marked.marked || marked };
  return mermaidApi;
}

// Mermaid swaps entities (#35;, #quot;) for private markers before parsing
// and turns them into HTML entities when it draws.
const markerNum = /ﬂ°°(\d+)¶ß/g;
const markerName = /ﬂ°(\w+)¶ß/g;

// What a reader sees for a text Mermaid's parser returned: <br> tags are
// line breaks, entities (Mermaid's and HTML's) are their characters.
export function displayed(text) {
  const lines = String(text).split(/<br\s*\/?>/i);
  const area = domWindow.document.createElement('textarea');
  return lines.map((line) => {
    const html = line.replace(markerNum, '&#$1;').replace(markerName, '&$1;');
    area.innerHTML = html;          // RCDATA: entities decode, tags stay text
    return area.textContent;        // (.value would turn \r into \n)
  }).join('\n');
}

// Text that HTML would read as markup: a '<' opening a tag, or (where
// Mermaid has not already turned the text into HTML itself, as its
// flowchart parser does) a raw '&'.
export function markupIn(text, { html = false } = {}) {
  const lines = String(text).split(/<br\s*\/?>/i);
  for (const line of lines) {
    if (!html && /&/.test(line)) return `raw '&' in ${JSON.stringify(line)}`;
    if (/<[A-Za-z/!?]/.test(line)) return `markup in ${JSON.stringify(line)}`;
  }
  return null;
}

// A "`markdown string`" node text as a reader sees it: one paragraph of
// plain text, then (if present) one line of bold italic text. Returns
// {plain, strongEm} or throws if markdown would format the text otherwise.
export function markdownParts(text, marked) {
  const tokens = marked.lexer(String(text)).filter((t) => t.type !== 'space');
  if (tokens.length !== 1 || tokens[0].type !== 'paragraph')
    throw new Error(`markdown reads ${tokens.map((t) => t.type).join(',')}, not one paragraph`);
  let plain = '';
  let strongEm = null;
  for (const t of tokens[0].tokens) {
    if (t.type === 'text' && strongEm === null) plain += t.text;
    else if (t.type === 'br' && strongEm === null) plain += '\n';
    else if (t.type === 'strong' && t.tokens.length === 1 && t.tokens[0].type === 'em' &&
             t.tokens[0].tokens.every((x) => x.type === 'text'))
      strongEm = t.tokens[0].tokens.map((x) => x.text).join('');
    else throw new Error(`markdown reads a ${t.type} token in ${JSON.stringify(text)}`);
  }
  const decode = (s) => s.replace(markerNum, (_, n) => String.fromCodePoint(Number(n)))
    .replace(markerName, (m, n) => ({ quot: '"', amp: '&', lt: '<', gt: '>' })[n] ?? m);
  if (strongEm !== null) plain = plain.replace(/\n$/, '');
  return { plain: decode(plain), strongEm: strongEm === null ? null : decode(strongEm) };
}

// ------------------------------------------------------------------ vega-lite

let vegaApi = null;

export async function loadVega() {
  if (vegaApi) return vegaApi;
  const req = requireFromWeb();
  const vega = await load(req, 'vega');
  const vl = await load(req, 'vega-lite');
  const Ajv = (await load(req, 'ajv')).default;
  const addFormats = (await load(req, 'ajv-formats')).default;
  const schemaPath = path.join(webDir, 'node_modules', 'vega-lite', 'build', 'vega-lite-schema.json');
  const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
  const ajv = new Ajv({ strict: false, allowUnionTypes: true, allErrors: false, logger: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  vegaApi = { vega, vl, validate };
  return vegaApi;
}

// Checks one Vega-Lite spec with the schema, the compiler and a headless
// Vega view. Returns {ok, why, view, compiled}.
export async function checkVegaLite(spec) {
  const { vega, vl, validate } = await loadVega();
  if (!validate(spec)) {
    const e = validate.errors.slice(0, 3).map((x) => `${x.instancePath || '/'} ${x.message}`);
    return { ok: false, why: `schema: ${e.join('; ')}` };
  }
  const warnings = [];
  const logger = {
    level(l) { return l === undefined ? 2 : this; },
    warn(...a) { warnings.push(a.join(' ')); return this; },
    info() { return this; },
    debug() { return this; },
    error(...a) { throw new Error(a.join(' ')); },
  };
  let compiled;
  try {
    compiled = vl.compile(spec, { logger });
  } catch (e) {
    return { ok: false, why: `compile: ${e.message}` };
  }
  if (warnings.length) return { ok: false, why: `compile warnings: ${warnings.join('; ')}` };
  try {
    const view = new vega.View(vega.parse(compiled.spec), { renderer: 'none' });
    const svg = await view.toSVG();
    if (!svg.startsWith('<svg')) return { ok: false, why: 'vega rendered no SVG' };
    return { ok: true, view, compiled, svg };
  } catch (e) {
    return { ok: false, why: `vega: ${e.message}` };
  }
}

// ------------------------------------------------------------------ chromium

let browserApi = null;

// A headless Chromium page with mermaid loaded from web/node_modules (the
// final word on what a diagram shows). Every request is refused: the page
// must need nothing from the network.
export async function loadBrowser() {
  if (browserApi) return browserApi;
  const req = requireFromWeb();
  const exe = process.env.OTTER_CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(exe)) throw new MissingDeps(`${exe} is missing: run scripts/deps.sh (Debian's chromium)`);
  if (!fs.existsSync(path.join(webDir, 'node_modules', 'playwright-core', 'package.json')))
    throw new MissingDeps('web/node_modules/playwright-core is missing: run scripts/deps.sh');
  const pw = await load(req, 'playwright-core');
  const chromium = pw.chromium || pw.default.chromium;
  const browser = await chromium.launch({
    executablePath: exe, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage();
  await page.route('**/*', (route) => route.abort());
  await page.setContent('<!doctype html><html><body><div id="out"></div></body></html>');
  await page.addScriptTag({ path: path.join(webDir, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js') });
  await page.evaluate(() => window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' }));
  browserApi = { browser, page, n: 0 };
  return browserApi;
}

export async function closeBrowser() {
  if (browserApi) await browserApi.browser.close();
  browserApi = null;
}

// Renders a diagram with mermaid.render in Chromium; returns the text of
// every label drawn (actors, messages, notes, nodes, edge labels).
export async function renderInBrowser(text) {
  const b = await loadBrowser();
  const id = `d${b.n++}`;
  return b.page.evaluate(async ([id, text]) => {
    const out = document.getElementById('out');
    try {
      const { svg } = await window.mermaid.render(id, text);
      out.innerHTML = svg;
    } catch (e) {
      return { error: String(e && e.message || e) };
    }
    const sel = 'text.actor, text.messageText, text.noteText, .nodeLabel, .edgeLabel';
    const labels = [...out.querySelectorAll(sel)].map((e) => e.textContent);
    out.innerHTML = '';
    return { labels };
  }, [id, text]);
}
