// mermaid-svg.mjs — draws a Mermaid diagram as a standalone SVG file with
// the project's pinned mermaid (web/node_modules, installed by
// scripts/deps.sh) in headless Chromium, driven by playwright-core. The
// otter command runs it for `--format svg` (tools/otter/render.c).
//
//   node web/render/mermaid-svg.mjs [--browser PATH] < diagram.mmd > diagram.svg
//
// Reads the Mermaid text on stdin and writes the SVG (well-formed XML, one
// trailing newline) on stdout. The browser is --browser PATH, else
// $OTTER_CHROMIUM, else /usr/bin/chromium. The page loads nothing: the
// mermaid bundle is read from web/node_modules and injected as the page's
// script, and every request the page makes is refused.
//
// Exit codes: 0 drawn; 1 the diagram does not parse or could not be drawn
// (the first line of mermaid's error on stderr); 2 bad arguments, or the
// packages or the browser are missing (stderr says what to install).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (msg) => process.stderr.write(`${msg}\n`);

function fail(code, msg) {
  say(msg);
  process.exit(code);
}

let browserPath = process.env.OTTER_CHROMIUM || '/usr/bin/chromium';
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--browser' && i + 1 < args.length) browserPath = args[++i];
  else fail(2, `mermaid-svg: unexpected argument ${JSON.stringify(args[i])} ` +
                '(usage: mermaid-svg.mjs [--browser PATH] < in.mmd > out.svg)');
}

const bundle = path.join(webDir, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js');
const pwPackage = path.join(webDir, 'node_modules', 'playwright-core', 'package.json');
for (const f of [bundle, pwPackage]) {
  if (!fs.existsSync(f)) fail(2, `mermaid-svg: ${f} is missing: run scripts/deps.sh (it installs web/node_modules)`);
}
if (!fs.existsSync(browserPath)) fail(2, `mermaid-svg: no browser at ${browserPath}: run scripts/deps.sh (Debian's chromium)`);

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const text = Buffer.concat(chunks).toString('utf8');
if (!text.trim()) fail(1, 'mermaid-svg: no diagram on stdin');

const req = createRequire(path.join(webDir, 'package.json'));
const pw = await import(pathToFileURL(req.resolve('playwright-core')).href);
const chromium = pw.chromium || pw.default.chromium;

let browser;
try {
  browser = await chromium.launch({
    executablePath: browserPath, headless: true, timeout: 45_000,   // within otter's 60 s
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
} catch (e) {
  fail(2, `mermaid-svg: cannot start ${browserPath}: ${String(e.message || e).split('\n')[0]}`);
}

let result;
try {
  const page = await browser.newPage();
  await page.route('**/*', (route) => route.abort());
  await page.setContent('<!doctype html><html><body><div id="out"></div></body></html>');
  await page.addScriptTag({ content: fs.readFileSync(bundle, 'utf8') });
  result = await page.evaluate(async (text) => {
    const mermaid = window.mermaid;
    // Limits well above what otter draws (10,000 processes): the defaults
    // (50,000 characters, 500 edges) would cut a big tree short.
    mermaid.initialize({
      startOnLoad: false, securityLevel: 'strict', maxTextSize: 10_000_000, maxEdges: 100_000,
      htmlLabels: false, flowchart: { htmlLabels: false },
    });
    try {
      await mermaid.parse(text);
    } catch (e) {
      return { parse: String(e && e.message || e) };
    }
    const out = document.getElementById('out');
    try {
      const { svg } = await mermaid.render('otter-diagram', text, out);
      out.innerHTML = svg;
      const el = out.querySelector('svg');
      if (!el) return { render: 'mermaid drew no <svg>' };
      return { svg: new XMLSerializer().serializeToString(el) };
    } catch (e) {
      return { render: String(e && e.message || e) };
    }
  }, text);
} catch (e) {
  result = { render: String(e.message || e) };
} finally {
  await browser.close();
}

// Mermaid's message, at most four lines (a parse error's are: where, the
// line, a caret under the place, what was expected).
const some = (s) => s.split('\n').filter((l) => l.trim()).slice(0, 4).join('\n');
if (result.parse !== undefined) fail(1, `mermaid-svg: the diagram does not parse: ${some(result.parse)}`);
if (result.render !== undefined) fail(1, `mermaid-svg: mermaid could not draw the diagram: ${some(result.render)}`);
process.stdout.write(`${result.svg}\n`, () => process.exit(0));
