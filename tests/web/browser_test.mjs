// browser_test.mjs — the dashboard in a real headless Chromium.
//
//   node tests/web/browser_test.mjs SERVE_PROGRAM ARTIFACT_DIR [TAP_FILE]
//
// Starts SERVE_PROGRAM (tests/web/serve_dashboard.c: a small otter node
// serving the dashboard on an ephemeral port, tour mode), opens the page in
// Debian's chromium driven by playwright-core, with every request that is
// not to 127.0.0.1 blocked (so a CDN dependency fails loudly), and checks
// that each view renders (the node's own applications and ETS tables
// included: it runs otter's application and owns a table), that the memory chart receives new points, that a
// page opened later starts with the points the node kept, that the binary
// spike moves the chart, that killing a process works, and that no console
// error appeared. The node is distributed (--sname), and two real Elixir
// nodes started here (`elixir --sname ... --cookie ...`, each with a cookie
// of its own) are what the Connect view switches to: every view must follow
// to the Elixir node, a rejected cookie must say so and change nothing, and
// the way back must work. Screenshots go to ARTIFACT_DIR. Prints TAP (also
// to TAP_FILE) and a closing "N passed, M failed" line; exits 1 on any
// failure, including a missing chromium, elixir or web/node_modules (never
// skips).
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

// A real Elixir node with a cookie of its own, a named ETS table and a
// registered process to look for; it prints its node() once it is
// registered with epmd and halts when its standard input closes.
const ELIXIR_SCRIPT = `
  :ets.new(:otter_connect_probe, [:named_table, :public])
  Process.register(self(), :otter_connect_probe)
  IO.puts("READY #{node()}")
  IO.read(:stdio, :line)
  System.halt()`;
const elixirChildren = [];
function startElixir(name, cookie) {
  const child = spawn('elixir', ['--sname', name, '--cookie', cookie, '-e', ELIXIR_SCRIPT],
    { stdio: ['pipe', 'pipe', 'pipe'] });
  elixirChildren.push(child);
  return new Promise((resolve, reject) => {
    let out = '', err = '';
    const timer = setTimeout(() => reject(new Error(`elixir node ${name} not READY in 60 s: ${err}`)), 60000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/^READY (\S+)$/m);
      if (m) { clearTimeout(timer); resolve({ child, node: m[1], cookie }); }
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', (e) => { clearTimeout(timer); reject(new Error(`cannot run elixir (${e.message}): install it (scripts/deps.sh)`)); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`elixir node ${name} exited with ${code}: ${err}`)); });
  });
}
async function stopChild(c) {
  if (c.exitCode !== null || c.signalCode !== null) return;
  c.stdin.end();
  await Promise.race([new Promise((r) => c.on('exit', r)), sleep(10000)]);
  if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

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

const tag = process.pid;
const dashName = `otter_dash_${tag}`;
// Both Elixir nodes start while the rest of the test runs.
const elixirs = Promise.all([startElixir(`dash_beam_a_${tag}`, `cookie_a_${tag}`),
  startElixir(`dash_beam_b_${tag}`, `cookie_b_${tag}`)]);
elixirs.catch(() => {});   // reported by the connect checks
const { child, url } = await startNode(['--tour', '--procs', '300', '--sname', dashName, '--cookie', `dash_cookie_${tag}`]);
const origin = new URL(url).origin;
const localNode = (await (await fetch(origin + '/api/node')).json()).local_node;
const browser = await chromium.launch({
  executablePath: chromiumPath, headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const consoleErrors = [];
const blocked = [];
let connectFailuresExpected = 0;

async function openPage(label) {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await ctx.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.hostname === '127.0.0.1') return route.continue();
    blocked.push(u.href);
    return route.abort();
  });
  const page = await ctx.newPage();
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // A connect the test makes fail on purpose answers 4xx/5xx, which
    // Chromium logs; only those, and only as many as expected, are allowed.
    if (connectFailuresExpected > 0 && /^Failed to load resource/.test(m.text()) &&
        /\/api\/connect\?/.test(m.location().url)) { connectFailuresExpected--; return; }
    consoleErrors.push(`${label}: ${m.text()}`);
  });
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
    assert(localNode.startsWith(dashName + '@'), 'local node ' + localNode);
    assert((await page.textContent('#ov-node')) === localNode, 'node name');
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

  const text = (sel) => page.textContent(sel);
  // The node runs otter's application and owns the table tour_users
  // (tests/web/serve_dashboard.c): its own views must show them.
  await check('applications: otter\'s application and its tree, from the application master down', async () => {
    const s = await showView(page, 'applications', ['ready', 'unavailable', 'error']);
    assert(s === 'ready', `the view is ${s}: ${(await text('#view-applications')).replace(/\s+/g, ' ').slice(0, 300)}`);
    const apps = await page.$$eval('#apps-list li', (l) => l.map((x) => [x.textContent, x.title]));
    assert(apps.some(([t, d]) => /^otter \d+\.\d+\.\d+$/.test(t) && d === 'otter runtime services'),
      'applications listed: ' + JSON.stringify(apps));
    await waitFor(async () => (await page.$$('#tree-diagram svg')).length > 0, 'the application tree drawn');
    assert((await text('#tree-title')) === 'application otter', 'tree title ' + await text('#tree-title'));
    const labels = await page.$$eval('#tree-diagram svg .nodeLabel', (l) => l.map((x) => x.textContent));
    for (const want of ['otter_sup', 'otter_logger'])
      assert(labels.includes(want), `no node ${want} among ${JSON.stringify(labels)}`);
    assert(labels.filter((l) => /^#PID<0\.\d+\.\d+>$/.test(l)).length === 2,
      `the application master and the supervisor's ancestor drawn as pids: ${JSON.stringify(labels)}`);
    await shot(page, 'applications');
    return apps.map(([t]) => t).join(', ');
  });

  const etsRows = () => page.$$eval('#ets-table tbody tr', (r) => r.map((tr) => [...tr.cells].map((c) => c.textContent)));
  await check('ets: the node\'s table tour_users with its size, owner, type and protection', async () => {
    const s = await showView(page, 'ets', ['ready', 'unavailable', 'error']);
    assert(s === 'ready', `the view is ${s}: ${(await text('#view-ets')).replace(/\s+/g, ' ').slice(0, 300)}`);
    const rows = await etsRows();
    const row = rows.find((r) => r[0] === 'tour_users');
    assert(row, 'no row tour_users: ' + JSON.stringify(rows));
    // name, id, size, memory, owner, heir, type, protection
    assert(row[2] === '100', 'size ' + row[2]);
    assert(/\d/.test(row[3]) && !/^0( |$)/.test(row[3]), 'memory ' + row[3]);
    assert(/^#PID<0\.\d+\.\d+>$/.test(row[4]), 'owner ' + row[4]);
    assert(row[5] === 'none', 'heir ' + row[5]);
    assert(row[6] === 'set' && row[7] === 'public', `type ${row[6]}, protection ${row[7]}`);
    await shot(page, 'ets');
    return row.join(' | ');
  });

  // ---------------------------------------------------------------- connect

  const names = () => page.$$eval('#ps-table tbody tr td:nth-child(2)', (r) => r.map((x) => x.textContent));
  const connectForm = async (node, cookie) => {
    await showView(page, 'connect');
    await page.fill('#cn-node', node);
    await page.fill('#cn-cookie', cookie);
    await page.click('#cn-submit');
  };
  let beamA, beamB;

  await check('connect: node and cookie inputs, defaulting to this node', async () => {
    await showView(page, 'connect');
    assert((await page.inputValue('#cn-node')) === localNode, 'default node ' + await page.inputValue('#cn-node'));
    assert((await text('#cn-local')) === localNode && (await text('#cn-current')) === localNode, 'this node shown');
    assert(await page.isHidden('#node-back'), 'no way back needed while this node is shown');
    await shot(page, 'connect');
  });

  await check('two Elixir nodes are up (elixir --sname, cookies of their own)', async () => {
    [beamA, beamB] = await elixirs;
    return `${beamA.node}, ${beamB.node}`;
  });

  await check('connect: a node that does not exist says epmd does not know it; nothing changes', async () => {
    const host = localNode.split('@')[1];
    connectFailuresExpected++;
    await connectForm(`nobody_${tag}@${host}`, '');
    const want = `no node nobody_${tag}@${host} registered with epmd on host ${host}`;
    await waitFor(async () => (await text('#cn-msg')).includes(want), 'the epmd message');
    assert((await page.getAttribute('#cn-msg', 'class')) === 'error', 'shown as an error');
    assert((await text('#node-name')) === localNode, 'still this node');
  });

  await check('connect switches every view to the Elixir node', async () => {
    assert(beamA, 'no Elixir node');
    const itersBefore = await memLastIter(page);
    await connectForm(beamA.node, beamA.cookie);
    await waitFor(async () => (await text('#cn-msg')) === `now showing ${beamA.node} (beam node)`, 'connected');
    await waitFor(async () => (await text('#node-name')) === beamA.node, 'the header names the Elixir node');
    assert((await text('#node-source')) === 'beam', 'kind ' + await text('#node-source'));
    assert(await page.isVisible('#node-back'), 'a way back');
    await shot(page, 'connect-beam');

    await showView(page, 'overview');
    await waitFor(async () => (await text('#ov-node')) === beamA.node, 'overview: the Elixir node');
    const procs = Number((await text('#ov-processes')).replace(/,/g, ''));
    assert(procs > 20 && procs < 300, 'an Elixir node has a few dozen processes, not ours: ' + procs);
    await shot(page, 'connect-beam-overview');

    await showView(page, 'processes');
    await page.fill('#ps-search', 'code_server');
    await waitFor(async () => (await names()).includes('code_server'), 'code_server in the table')
      .catch(async (e) => { throw new Error(`${e.message}; the view: ${(await text('#view-processes')).replace(/\s+/g, ' ').slice(0, 600)}`); });
    await page.fill('#ps-search', 'otter_connect_probe');
    await waitFor(async () => (await names()).join() === 'otter_connect_probe', 'the probe process');
    await page.click('#ps-table tbody tr');
    await waitFor(async () => (await page.isVisible('#ps-detail')) &&
      (await text('#pd-info')).includes(':otter_connect_probe'), 'the Elixir process in detail');
    await shot(page, 'connect-beam-processes');
    await page.click('#pd-close');
    await page.fill('#ps-search', '');

    await showView(page, 'memory');
    const pts = await waitFor(async () => {
      const d = await page.evaluate(() => state.charts.memory.view.data('memory').map((p) => p.iter));
      return d.length >= 3 && d[0] === 0 && d;
    }, 'the chart starting over at measurement 0');
    assert(itersBefore > pts.length, `the chart was reset (${itersBefore} measurements before, ${pts.length} now)`);

    await showView(page, 'applications');
    await waitFor(async () => (await page.$$eval('#apps-list li', (l) => l.map((x) => x.textContent))).some((t) => t.startsWith('elixir ')), 'elixir among the applications');
    await waitFor(async () => (await page.$$('#tree-diagram svg')).length > 0, 'an application tree of the Elixir node');
    await shot(page, 'connect-beam-applications');

    await showView(page, 'ets');
    await waitFor(async () => (await text('#ets-table tbody')).includes('otter_connect_probe'), 'the Elixir node\'s table');
    return `processes ${procs}, chart restarted (${pts.length} points)`;
  });

  await check('a rejected cookie says so; the dashboard keeps showing the Elixir node', async () => {
    assert(beamB, 'no second Elixir node');
    connectFailuresExpected++;
    await connectForm(beamB.node, 'not_the_cookie');
    await waitFor(async () => (await text('#cn-msg')).includes(`cookie rejected by ${beamB.node}`), 'the cookie message');
    assert((await page.getAttribute('#cn-msg', 'class')) === 'error', 'shown as an error');
    assert((await text('#node-name')) === beamA.node, 'header: ' + await text('#node-name'));
    const ov = await page.evaluate(() => api('/api/overview'));
    assert(ov.node === beamA.node, 'overview now: ' + ov.node);
    await shot(page, 'connect-cookie-rejected');
  });

  await check('back to this node: every view follows', async () => {
    await page.click('#node-back');
    await waitFor(async () => (await text('#node-name')) === localNode, 'the header names this node');
    await showView(page, 'overview');
    await waitFor(async () => (await text('#ov-node')) === localNode, 'overview: this node');
    await showView(page, 'processes');
    await page.fill('#ps-search', 'tour_registry');
    await waitFor(async () => (await page.$$eval('#ps-table tbody tr', (r) => r.length)) === 1, 'our own registry process');
    await page.fill('#ps-search', 'otter_connect_probe');
    await waitFor(async () => (await page.$$eval('#ps-table tbody tr', (r) => r.length)) === 0, 'no Elixir process');
    await page.fill('#ps-search', '');
    await showView(page, 'ets');
    await waitFor(async () => (await etsRows()).some((r) => r[0] === 'tour_users'), 'our own table tour_users');
    assert(!(await text('#ets-table tbody')).includes('otter_connect_probe'), 'the Elixir table is gone');
    await showView(page, 'applications');
    await waitFor(async () => (await page.$$eval('#apps-list li', (l) => l.map((x) => x.textContent))).some((t) => t.startsWith('otter ')), 'otter among the applications');
    assert(!(await page.$$eval('#apps-list li', (l) => l.map((x) => x.textContent))).some((t) => t.startsWith('elixir ')), 'the Elixir node\'s applications are gone');
    assert(await page.isHidden('#node-back'), 'no way back needed');
    await shot(page, 'connect-back');
  });

  await check('the failures asked for were the only failed requests', async () => {
    assert(connectFailuresExpected === 0, `${connectFailuresExpected} expected failure(s) were not logged`);
  });

  await check('no request left this machine', async () => { assert(blocked.length === 0, blocked.join('\n')); });
  await check('no console errors', async () => { assert(consoleErrors.length === 0, consoleErrors.join('\n')); });
} catch (e) {
  report('browser session', false, e.stack || String(e));
} finally {
  await browser.close().catch(() => {});
  await Promise.all([child, ...elixirChildren].map(stopChild));
}
finish();
