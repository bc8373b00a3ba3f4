// check_report.mjs — checks a report written by `otter tour --out DIR`
// with the real libraries and a real browser:
//   - every cell and output listed in DIR/index.json exists, in order;
//   - every Mermaid text parses with mermaid (under jsdom);
//   - every Vega-Lite spec passes the Vega-Lite JSON schema, compiles and
//     renders headlessly;
//   - DIR/index.html, opened in headless Chromium with every request that
//     is not to a local file blocked, draws every diagram and chart (an
//     SVG each) with no console error; a screenshot is kept as
//     DIR/report.png.
//
//   node tests/tour/check_report.mjs DIR TAPFILE [--expect slug,slug,...]
//
// Writes one TAP line per check to TAPFILE and exits 1 if any failed, 2 if
// the npm packages or Chromium are missing (reported as a failure too).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { loadMermaid, checkVegaLite, MissingDeps, webDir } from '../viz/lib.mjs';

const [dir, tapFile, ...rest] = process.argv.slice(2);
if (!dir || !tapFile) {
  console.error('usage: check_report.mjs DIR TAPFILE [--expect slug,...]');
  process.exit(2);
}
const expectArg = rest.indexOf('--expect');
const expected = expectArg >= 0 ? rest[expectArg + 1].split(',') : [];

const results = [];
const ok = (name, pass, why = '') => results.push({ name, pass, why });

function finish(code) {
  const lines = ['TAP version 13', `1..${results.length}`];
  results.forEach((r, i) =>
    lines.push(`${r.pass ? 'ok' : 'not ok'} ${i + 1} - ${r.name}${r.pass ? '' : `\n  # ${r.why}`}`));
  fs.writeFileSync(tapFile, lines.join('\n') + '\n');
  for (const r of results) if (!r.pass) console.error(`not ok - ${r.name}: ${r.why}`);
  const failed = results.filter((r) => !r.pass).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exit(code ?? (failed ? 1 : 0));
}

const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
const outputs = index.cells.flatMap((c) => c.outputs.map((o) => ({ ...o, cell: c.title })));
ok('index.json lists cells with code and outputs',
   index.cells.length > 0 && index.cells.every((c) => c.section && c.title && Array.isArray(c.outputs)));
for (const slug of expected) {
  ok(`the report has the cell output ${slug}`,
     outputs.some((o) => o.file.replace(/^\d+-/, '').startsWith(slug + '.')), 'missing');
}

try {
  const { mermaid } = await loadMermaid();
  for (const o of outputs) {
    const text = fs.readFileSync(path.join(dir, o.file), 'utf8');
    if (text !== o.content) ok(`${o.file} matches index.json`, false, 'differs');
    if (o.kind === 'mermaid') {
      try {
        await mermaid.parse(text);
        ok(`${o.file} parses with mermaid`, true);
      } catch (e) {
        ok(`${o.file} parses with mermaid`, false, String(e.message || e).split('\n')[0]);
      }
    } else if (o.kind === 'vega-lite') {
      const r = await checkVegaLite(JSON.parse(text));
      ok(`${o.file} is valid Vega-Lite and renders`, r.ok, r.why);
    } else if (o.kind === 'json') {
      try { JSON.parse(text); ok(`${o.file} is JSON`, true); }
      catch (e) { ok(`${o.file} is JSON`, false, e.message); }
    }
  }
} catch (e) {
  ok('the validators load', false, e instanceof MissingDeps ? e.message : String(e));
  finish(2);
}

// ------------------------------------------------------------ the browser
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!fs.existsSync(chromiumPath)) {
  ok('headless Chromium is installed', false,
     `${chromiumPath} is missing: run scripts/deps.sh (Debian package chromium)`);
  finish(2);
}
const req = createRequire(path.join(webDir, 'package.json'));
const pw = await import(pathToFileURL(req.resolve('playwright-core')).href);
const chromium = pw.chromium || pw.default.chromium;
const browser = await chromium.launch({
  executablePath: chromiumPath, headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run',
         '--allow-file-access-from-files'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const blocked = [], errors = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file://')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(pathToFileURL(path.resolve(dir, 'index.html')).href);
  await page.waitForSelector('body[data-done="yes"]', { timeout: 60000 });
  const drawn = await page.evaluate(() => ({
    drawn: Number(document.body.dataset.drawn), failed: Number(document.body.dataset.failed),
    boxes: [...document.querySelectorAll('.out')].map((b) => ({
      kind: b.dataset.kind, drawn: b.dataset.drawn, svg: !!b.querySelector('svg'),
      file: b.querySelector('.file').textContent })),
  }));
  ok('the page draws every output', drawn.failed === 0 && drawn.drawn === outputs.length,
     `${drawn.drawn} drawn, ${drawn.failed} failed of ${outputs.length}`);
  for (const b of drawn.boxes) {
    if (b.kind === 'mermaid' || b.kind === 'vega-lite')
      ok(`the page draws ${b.file} as SVG`, b.drawn === 'yes' && b.svg, `drawn=${b.drawn} svg=${b.svg}`);
  }
  ok('the page asks for nothing but local files', blocked.length === 0, blocked.join(' '));
  ok('the page logs no errors', errors.length === 0, errors.slice(0, 3).join(' | '));
  await page.screenshot({ path: path.join(dir, 'report.png'), fullPage: true });
} catch (e) {
  ok('the report opens in Chromium', false, String(e.message || e));
} finally {
  await browser.close();
}
finish();
