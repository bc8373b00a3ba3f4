// browser_test.mjs — the dashboard in a real headless Chromium.
//
//   node tests/web/browser_test.mjs SERVE_PROGRAM ARTIFACT_DIR [TAP_FILE]
//
// Starts SERVE_PROGRAM (tests/web/serve_dashboard.c: a small otter node
// serving the dashboard on an ephemeral port, tour mode), opens the page in
// Debian's chromium driven by playwright-core, with every request that is
// not to 127.0.0.1 blocked (so a CDN dependency fails loudly), and checks
// that each view renders, that the memory chart receives new points, that a
// page opened later starts with the points the node kept, that the binary
// spike moves the chart, that killing a process works, and that no console
// error appeared. Screenshots go to ARTIFACT_DIR. Prints TAP (also to
// TAP_FILE) and a closing "N passed, M failed" line; exits 1 on any failure,
// including a missing chromium or web/node_modules (never skips).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const [serveProgram, artifactDir, tapFile] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.resolve(here, '..', '..', 'web');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

const results = [];
function report(name, ok, detail = '') {
  results.push({ name, ok, detail });
  console.log(`${ok ? 'ok' : 'not ok'} ${results.length} - ${name}${detail ? '\n  # ' + detail.replace(/\n/g, '\n  # ') : ''}`);
}
function finish() {
  const passed = results.filter((r) => r.ok).length, failed = results.length - passed;
  const tap = ['TAP version 13', `1..${results.length}`,
    ...results.map((r, i) => `${r.ok ? 'ok' : 'not ok'} ${i + 1} - ${r.name}` + (r.detail ? '\n  # ' + r.detail.replace(/\n/g, '\n  # ') : ''))];
  if (tapFile) fs.writeFileSync(tapFile, tap.join('\n') + '\n');
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed || !results.length ? 1 : 0);
}

// ------------------------------------------------------------------ prerequisites

if (!serveProgram || !artifactDir) {
  console.error('usage: browser_test.mjs SERVE_PROGRAM ARTIFACT_DIR [TAP_FILE]');
  process.exit(2);
}
if (!fs.existsSync(chromiumPath)) {
  report('chromium is installed', false, `${chromiumPath} not found: run scripts/deps.sh (Debian package chromium), or set CHROMIUM`);
  finish();
}
let chromium;
try {
  const require = createRequire(path.join(webDir, 'package.json'));
  ({ chromium } = require('playwright-core'));
} catch (e) {
  report('playwright-core is installed', false, `web/node_modules/playwright-core missing (${e.message}): run scripts/deps.sh`);
  finish();
}
fs.mkdirSync(artifactDir, { recursive: true });

// ------------------------------------------------------------------ the node

function startNode(args) {
  const child = spawn(serveProgram, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the node printed no URL in 30 s')), 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/^URL (\S+)$/m);
      if (m) { clearTimeout(timer); resolve({ child, url: m[1] }); }
    });
    child.on('exit', (code, sig) => { clearTimeout(timer); if (code) console.log(`# the node exited: ${code} ${sig}`); reject(new Error(`the node exited with ${code} before serving`)); });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function check(name, fn) {
  try {
    const detail = await fn();
    report(name, true, typeof detail === 'string' ? detail : '');
  } catch (e) {
    report(name, false, e.stack || String(e));
  }
}

function assert(cond, msg) { if (!cond) throw new Error(msg); }

async function waitFor(fn, what, ms = 20000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

// ------------------------------------------------------------------ the tests

const { child, url } = await startNode(['--tour', '--procs', '300']);
const origin = new URL(url).origin;
const browser = await chromium.launch({
  executablePath: chromiumPath, headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const consoleErrors = [];
const blocked = [];

async function openPage(label) {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await ctx.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.hostname === '127.0.0.1') return route.continue();
    blocked.push(u.href);
    return route.abort();
  });
  const page = await ctx.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${label}: ${m.text()}`); });
  page.on('pageerror', (e) => consoleErrors.push(`${label}: page error: ${e.message}`));
  return page;
}

const viewState = (page, view) => page.$eval('#view-' + view, (e) => e.dataset.state);
async function showView(page, view, states = ['ready']) {
  await page.evaluate((v) => { location.hash = '#' + v; }, view);
  return waitFor(async () => { const s = await viewState(page, view); return states.includes(s) && s; }, `view ${view} (${states})`);
}
const shot = (page, name) => page.screenshot({ path: path.join(artifactDir, name + '.png'), fullPage: true });
const memPoints = (page) => page.evaluate(() => (state.charts.memory && state.charts.memory.view
  ? state.charts.memory.view.data('memory').length : 0));
const memMax = (page, field) => page.evaluate((f) => Math.max(0, ...state.charts.memory.view.data('memory').map((d) => d[f])), field);
const memLastIter = (page) => page.evaluate(() => { const d = state.charts.memory.view.data('memory'); return d.length ? d.at(-1).iter : -1; });

let page;
try {
  page = await openPage('page 1');
  let mainResponse;
  await check('the page loads with a Content-Security-Policy of self', async () => {
    mainResponse = await page.goto(url);
    const csp = mainResponse.headers()['content-security-policy'] || '';
    assert(/default-src 'self'/.test(csp) && /script-src 'self'/.test(csp) && !/unsafe-eval/.test(csp), 'CSP: ' + csp);
  });

  await check('overview renders node, schedulers, processes and memory', async () => {
    await showView(page, 'overview');
    const procs = await page.textContent('#ov-processes');
    const rows = await page.$$eval('#ov-memory tbody tr', (r) => r.length);
    assert(Number(procs.replace(/,/g, '')) > 300, 'process count ' + procs);
    assert(rows >= 7, 'memory rows ' + rows);
    assert((await page.textContent('#ov-node')) === 'nonode@nohost', 'node name');
    await shot(page, 'overview');
  });

  await check('processes: sorted by memory, re-sorted by queue, searched, paged', async () => {
    await showView(page, 'processes');
    const n = await page.$$eval('#ps-table tbody tr', (r) => r.length);
    assert(n === 50, 'rows ' + n);
    await page.click('#ps-table th[data-col="message_queue_len"]');
    await waitFor(async () => (await page.$eval('#ps-table tbody tr td:nth-child(7)', (td) => td.textContent)) === '500', 'hoarder first');
    await page.fill('#ps-search', 'tour_registry');
    await waitFor(async () => (await page.$$eval('#ps-table tbody tr', (r) => r.length)) === 1, 'one match');
    await page.fill('#ps-search', '');
    await page.selectOption('#ps-limit', '25');
    await waitFor(async () => (await page.$$eval('#ps-table tbody tr', (r) => r.length)) === 25, '25 rows');
    const first = await page.$eval('#ps-table tbody tr', (tr) => tr.dataset.pid);
    await page.click('#ps-next');
    await waitFor(async () => (await page.textContent('#ps-page')).startsWith('26–'), 'second page');
    const second = await page.$eval('#ps-table tbody tr', (tr) => tr.dataset.pid);
    assert(first !== second, 'pages differ');
    await page.click('#ps-prev');
    await shot(page, 'processes');
  });

  await check('process detail and kill with confirmation', async () => {
    await page.fill('#ps-search', 'worker');
    await waitFor(async () => (await page.$$eval('#ps-table tbody tr', (r) => r.length)) === 1, 'the labelled worker');
    await page.click('#ps-table tbody tr');
    await waitFor(() => page.isVisible('#ps-detail'), 'detail panel');
    const info = await page.textContent('#pd-info');
    assert(info.includes('{:worker, 1}') && info.includes('tour:worker') === false && info.includes('initial_call'), 'info: ' + info);
    await shot(page, 'process-detail');
    await page.click('#pd-kill');
    assert(await page.isVisible('#pd-confirm'), 'asks first');
    await page.click('#pd-kill-yes');
    await waitFor(async () => (await page.textContent('#pd-info')).includes('not alive'), 'process gone');
    await page.fill('#ps-search', '');
  });

  await check('scatter renders the notebook chart', async () => {
    await showView(page, 'scatter');
    await page.waitForSelector('#scatter-chart canvas');
    const info = await page.textContent('#sc-info');
    assert(/processes/.test(info), info);
    await shot(page, 'scatter');
  });

  let p1count = 0;
  await check('memory chart receives new points over the event stream', async () => {
    await showView(page, 'memory');
    await page.waitForSelector('#memory-chart canvas');
    const a = await waitFor(async () => { const n = await memLastIter(page); return n >= 3 && n; }, 'three points');
    const b = await waitFor(async () => { const n = await memLastIter(page); return n >= a + 5 && n; }, 'five more points');
    p1count = await memPoints(page);
    return `iter ${a} -> ${b}, ${p1count} points`;
  });

  await check('a page opened later starts with the stored points', async () => {
    const before = await memPoints(page);
    const late = await openPage('page 2');
    await late.goto(url + '#memory');
    await waitFor(async () => (await viewState(late, 'memory')) === 'ready', 'late page memory view');
    const n = await waitFor(() => memPoints(late), 'points on the late page');
    assert(n >= before, `late page has ${n} points, the first had ${before}`);
    await shot(late, 'memory-late-page');
    await late.context().close();
    return `${n} points at once (first page had ${before})`;
  });

  await check('the binary spike moves the memory chart', async () => {
    await page.waitForSelector('#spike-binary', { state: 'visible' });
    const before = await memMax(page, 'binary');
    await page.click('#spike-binary');
    const peak = await waitFor(async () => { const m = await memMax(page, 'binary'); return m > before + 50 && m; }, 'binary above +50 MB', 30000);
    await sleep(500);
    await shot(page, 'memory-spike');
    return `binary ${before.toFixed(1)} -> ${peak.toFixed(1)} MB`;
  });

  await check('the sampling interval can be changed', async () => {
    await page.selectOption('#mem-interval', '100');
    const a = await memLastIter(page);
    await waitFor(async () => (await memLastIter(page)) >= a + 5, 'points at 100 ms');
    await page.selectOption('#mem-interval', '200');
  });

  await check('traces: the recorded trace shows and the ping/pong is recorded anew', async () => {
    await showView(page, 'traces');
    const n0 = Number(await page.$eval('#traces-list', (e) => e.dataset.count));
    assert(n0 >= 1, 'recorded traces ' + n0);
    await page.click('#trace-pingpong');
    await waitFor(async () => Number(await page.$eval('#traces-list', (e) => e.dataset.count)) === n0 + 1, 'one more trace');
    const diagrams = await page.$$eval('#traces-list .diagram', (d) => d.map((x) => (x.querySelector('svg') ? 'svg' : x.textContent.slice(0, 80))));
    await shot(page, 'traces');
    return diagrams.join(' | ');
  });

  await check('mermaid renders a Kino-style tree under the page\'s policy', async () => {
    const n = await page.evaluate(async () => {
      const text = 'graph LR;\n0(my_sup):::root ---> 1("Agent<br/><0.201.0>"):::worker\n' +
        'classDef root fill:#c4b5fd, stroke:#374151, stroke-width:4px;\nclassDef worker fill:#66c2a5, stroke:#374151;';
      const box = document.createElement('div');
      box.id = 'mermaid-probe';
      document.body.append(box);
      await renderMermaid(box, text);
      const n = box.querySelectorAll('svg g.node').length;
      box.remove();
      return n;
    });
    assert(n === 2, 'nodes drawn: ' + n);
  });

  for (const view of ['applications', 'ets']) {
    await check(`${view} renders (or says it is not available)`, async () => {
      const s = await showView(page, view, ['ready', 'unavailable']);
      if (s === 'unavailable') {
        const text = await page.textContent(`#view-${view} .unavailable`);
        assert(/not available/.test(text), text);
      }
      await shot(page, view);
      return s;
    });
  }

  await check('connect shows the node and cookie inputs, defaulting to this node', async () => {
    await showView(page, 'connect');
    assert((await page.inputValue('#cn-node')) === 'nonode@nohost', 'default node');
    await page.click('#connect-form button');
    await waitFor(async () => (await page.textContent('#cn-msg')).length > 0, 'an answer');
    await shot(page, 'connect');
  });

  await check('no request left this machine', async () => { assert(blocked.length === 0, blocked.join('\n')); });
  await check('no console errors', async () => { assert(consoleErrors.length === 0, consoleErrors.join('\n')); });
} catch (e) {
  report('browser session', false, e.stack || String(e));
} finally {
  await browser.close().catch(() => {});
  child.stdin.end();
  await Promise.race([new Promise((r) => child.on('exit', r)), sleep(10000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}
finish();
