// otter dashboard — the page's behaviour. Plain browser JavaScript, no build
// step: vega, vega-lite, vega-embed and mermaid are globals loaded by
// index.html from the node itself.
//
// Data: each view asks its JSON endpoint (/api/...); live updates come over
// ONE server-sent-events stream (/events) whose events are named for what
// they update: hello, overview, chart, traces, source, sampling, reset.
'use strict';

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

const state = {
  hello: null,
  view: null,
  ps: { sort: 'memory', dir: 'desc', offset: 0, limit: 50, q: '', timer: null, selected: null },
  charts: {},          // chart id -> { view, spec, count }
};

// ------------------------------------------------------------------ helpers

async function api(path, opts = {}) {
  const init = { method: opts.method || 'GET', headers: {} };
  if (init.method !== 'GET') init.headers['X-Otter-Dashboard'] = '1';
  const r = await fetch(path, init);
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  if (!r.ok) throw new Error((body && body.error) || `${r.status} ${r.statusText}`);
  return body;
}

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}

function bytes(n) {
  if (n == null) return '';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0, v = Number(n);
  while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
  return (i ? v.toFixed(1) : String(v)) + ' ' + u[i];
}
const int = (n) => (n == null ? '' : Number(n).toLocaleString('en-US'));
function duration(ms) {
  let s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400); s %= 86400;
  const h = Math.floor(s / 3600); s %= 3600;
  const m = Math.floor(s / 60); s %= 60;
  return (d ? d + 'd ' : '') + (d || h ? h + 'h ' : '') + (d || h || m ? m + 'm ' : '') + s + 's';
}
function usec(us) {
  if (us == null) return '';
  if (us < 1000) return us + ' µs';
  if (us < 1e6) return (us / 1000).toFixed(1) + ' ms';
  return (us / 1e6).toFixed(2) + ' s';
}

function setState(view, s) { $('#view-' + view).dataset.state = s; }
function unavailable(view, reason) {
  const box = $('#view-' + view + ' .unavailable');
  if (box) { box.hidden = false; box.textContent = reason || 'not available'; }
  setState(view, 'unavailable');
}

// ------------------------------------------------------------------ routing

const loaders = {
  overview: loadOverview, processes: loadProcesses, scatter: loadScatter, memory: showMemory,
  applications: loadApplications, ets: loadEts, traces: loadTraces, connect: loadConnect,
};

function route() {
  const name = (location.hash || '#overview').slice(1).split('?')[0];
  const view = loaders[name] ? name : 'overview';
  state.view = view;
  $$('.view').forEach((v) => v.classList.toggle('active', v.id === 'view-' + view));
  $$('#tabs a').forEach((a) => a.classList.toggle('active', a.dataset.view === view));
  clearInterval(state.ps.timer);
  state.ps.timer = null;
  loaders[view]().catch((e) => showError(view, e));
}

function showError(view, e) {
  const sec = $('#view-' + view);
  let box = $('.view-error', sec);
  if (!box) { box = el('p', { class: 'error view-error' }); sec.append(box); }
  box.textContent = 'Error: ' + e.message;
  sec.dataset.state = 'error';
}

// ------------------------------------------------------------------ overview

const MEM_ORDER = ['total', 'processes', 'processes_used', 'system', 'atom', 'atom_used', 'binary', 'code', 'ets'];

function renderOverview(o) {
  $('#ov-node').textContent = o.node;
  $('#ov-uptime').textContent = o.uptime_ms != null ? duration(o.uptime_ms) : '–';
  $('#ov-schedulers').textContent = o.schedulers ?? '–';
  $('#ov-processes').textContent = int(o.process_count);
  $('#ov-atoms').textContent = int(o.atom_count);
  $('#ov-longsched').textContent = o.long_schedules ?? '–';
  const mem = o.memory || {};
  const total = mem.total || 1;
  const body = $('#ov-memory tbody');
  body.replaceChildren(...MEM_ORDER.filter((k) => k in mem).map((k) => {
    const bar = el('div', { class: 'bar' });
    bar.style.width = Math.max(1, Math.round(300 * mem[k] / total)) + 'px';
    return el('tr', {}, el('td', {}, k), el('td', { class: 'num' }, bytes(mem[k])), el('td', {}, bar));
  }));
  setState('overview', 'ready');
}

async function loadOverview() { renderOverview(await api('/api/overview')); }

// ------------------------------------------------------------------ processes

function psQuery() {
  const p = state.ps;
  const qs = new URLSearchParams({ sort: p.sort, dir: p.dir, offset: p.offset, limit: p.limit });
  if (p.q) qs.set('q', p.q);
  return '/api/processes?' + qs;
}

async function loadProcesses() {
  await refreshProcesses();
  state.ps.timer = setInterval(() => {
    if ($('#ps-auto').checked && state.view === 'processes') refreshProcesses().catch(() => {});
  }, 2000);
}

async function refreshProcesses() {
  const r = await api(psQuery());
  const p = state.ps;
  $$('#ps-table th').forEach((th) => {
    th.classList.toggle('sorted-desc', th.dataset.col === p.sort && p.dir === 'desc');
    th.classList.toggle('sorted-asc', th.dataset.col === p.sort && p.dir === 'asc');
  });
  const rows = r.rows.map((x) => {
    const tr = el('tr', { 'data-pid': x.pid },
      el('td', { class: 'mono' }, x.pid),
      el('td', {}, x.name || x.label || ''),
      el('td', { class: 'mono' }, x.initial_call || ''),
      el('td', { class: 'num' }, int(x.reductions)),
      el('td', { class: 'num' }, x.reductions_delta == null ? '' : int(x.reductions_delta)),
      el('td', { class: 'num' }, bytes(x.memory)),
      el('td', { class: 'num' }, int(x.message_queue_len)),
      el('td', { class: 'num' }, usec(x.cpu_time)),
      el('td', {}, x.status),
      el('td', { class: 'mono' }, x.current_function || ''));
    if (x.pid === p.selected) tr.classList.add('selected');
    tr.addEventListener('click', () => openProcess(x.pid));
    return tr;
  });
  $('#ps-table tbody').replaceChildren(...rows);
  const last = Math.min(r.offset + r.rows.length, r.matched);
  $('#ps-page').textContent = r.matched ? `${int(r.offset + 1)}–${int(last)} of ${int(r.matched)}` +
    (r.matched !== r.total ? ` (of ${int(r.total)} processes)` : '') : 'no process matches';
  $('#ps-prev').disabled = r.offset === 0;
  $('#ps-next').disabled = last >= r.matched;
  $('#ps-took').textContent = `answered in ${usec(r.took_us)}`;
  setState('processes', 'ready');
}

async function openProcess(pid) {
  state.ps.selected = pid;
  $$('#ps-table tbody tr').forEach((tr) => tr.classList.toggle('selected', tr.dataset.pid === pid));
  const d = await api('/api/process?pid=' + encodeURIComponent(pid));
  const aside = $('#ps-detail');
  aside.hidden = false;
  aside.dataset.pid = pid;
  $('#pd-title').textContent = pid;
  $('#pd-confirm').hidden = true;
  $('#pd-kill').hidden = false;
  $('#pd-msg').textContent = '';
  if (!d.alive) {
    $('#pd-info tbody').replaceChildren(el('tr', {}, el('td', {}, 'status'), el('td', {}, 'not alive')));
    ['#pd-links', '#pd-monitors', '#pd-monitored-by'].forEach((s) => $(s).replaceChildren());
    $('#pd-kill').hidden = true;
    return;
  }
  $('#pd-info tbody').replaceChildren(...d.info.map((f) => el('tr', {}, el('td', {}, f.key), el('td', {}, f.value))));
  const pidLinks = (list) => (list && list.length ? list.map((p) =>
    el('a', { href: '#processes', onclick: (ev) => { ev.preventDefault(); openProcess(p); } }, p)) : ['none']);
  $('#pd-links').replaceChildren(...pidLinks(d.links));
  $('#pd-monitors').replaceChildren(...pidLinks(d.monitors));
  $('#pd-monitored-by').replaceChildren(...pidLinks(d.monitored_by));
}

function wireProcesses() {
  $$('#ps-table th').forEach((th) => th.addEventListener('click', () => {
    const p = state.ps;
    if (p.sort === th.dataset.col) p.dir = p.dir === 'desc' ? 'asc' : 'desc';
    else { p.sort = th.dataset.col; p.dir = ['pid', 'name', 'initial_call', 'status', 'current_function'].includes(p.sort) ? 'asc' : 'desc'; }
    p.offset = 0;
    refreshProcesses().catch((e) => showError('processes', e));
  }));
  let t = null;
  $('#ps-search').addEventListener('input', () => {
    clearTimeout(t);
    t = setTimeout(() => { state.ps.q = $('#ps-search').value.trim(); state.ps.offset = 0;
      refreshProcesses().catch((e) => showError('processes', e)); }, 250);
  });
  $('#ps-limit').addEventListener('change', () => { state.ps.limit = Number($('#ps-limit').value); state.ps.offset = 0;
    refreshProcesses().catch((e) => showError('processes', e)); });
  $('#ps-prev').addEventListener('click', () => { state.ps.offset = Math.max(0, state.ps.offset - state.ps.limit);
    refreshProcesses().catch((e) => showError('processes', e)); });
  $('#ps-next').addEventListener('click', () => { state.ps.offset += state.ps.limit;
    refreshProcesses().catch((e) => showError('processes', e)); });
  $('#pd-close').addEventListener('click', () => { $('#ps-detail').hidden = true; state.ps.selected = null; });
  $('#pd-kill').addEventListener('click', () => {
    $('#pd-confirm-pid').textContent = $('#ps-detail').dataset.pid;
    $('#pd-confirm').hidden = false;
    $('#pd-kill').hidden = true;
  });
  $('#pd-kill-no').addEventListener('click', () => { $('#pd-confirm').hidden = true; $('#pd-kill').hidden = false; });
  $('#pd-kill-yes').addEventListener('click', async () => {
    const pid = $('#ps-detail').dataset.pid;
    $('#pd-confirm').hidden = true;
    try {
      await api('/api/process/kill?pid=' + encodeURIComponent(pid), { method: 'POST' });
      $('#pd-msg').textContent = `${pid} was sent an exit signal :kill.`;
      await refreshProcesses();
      await openProcess(pid);
      $('#pd-msg').textContent = `${pid} was sent an exit signal :kill.`;
    } catch (e) { $('#pd-msg').textContent = 'Error: ' + e.message; }
  });
  $('#pd-tree').addEventListener('click', () => {
    $('#sup-pid').value = $('#ps-detail').dataset.pid;
    location.hash = '#applications';
    setTimeout(() => showSupTree($('#sup-pid').value), 0);
  });
}

// ------------------------------------------------------------------ scatter

let scatterView = null;

async function loadScatter() {
  const r = await api('/api/scatter?max=10000');
  let spec;
  const base = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', width: 600, height: 400 };
  const log = { type: 'log', base: 10 };
  if (r.mode === 'points') {
    // Log scales cannot show 0: such values are drawn at 1.
    const values = r.values.map((v) => ({ ...v, reductions: Math.max(1, v.reductions), memory: Math.max(1, v.memory) }));
    spec = { ...base, data: { values }, mark: { type: 'point', tooltip: true },
      encoding: {
        x: { field: 'reductions', type: 'quantitative', scale: log },
        y: { field: 'memory', type: 'quantitative', scale: log },
        color: { field: 'status', type: 'nominal' },
        tooltip: { field: 'pid', type: 'nominal' } } };
    $('#sc-info').textContent = `${int(r.total)} processes (answered in ${usec(r.took_us)})`;
  } else {
    spec = { ...base, data: { values: r.bins }, mark: { type: 'point', filled: true, opacity: 0.7, tooltip: true },
      encoding: {
        x: { field: 'reductions', type: 'quantitative', scale: log, title: 'reductions (bin centre)' },
        y: { field: 'memory', type: 'quantitative', scale: log, title: 'memory (bin centre)' },
        color: { field: 'status', type: 'nominal' },
        size: { field: 'count', type: 'quantitative', scale: { type: 'sqrt' } },
        tooltip: [{ field: 'count', type: 'quantitative' }, { field: 'status', type: 'nominal' },
          { field: 'r0', title: 'reductions from', format: '.3s' }, { field: 'r1', title: 'reductions to', format: '.3s' },
          { field: 'm0', title: 'memory from', format: '.3s' }, { field: 'm1', title: 'memory to', format: '.3s' }] } };
    $('#sc-info').textContent = `${int(r.total)} processes in ${r.bins.length} bins (answered in ${usec(r.took_us)})`;
  }
  if (scatterView) scatterView.finalize();
  const res = await vegaEmbed('#scatter-chart', spec, embedOpts());
  scatterView = res.view;
  setState('scatter', 'ready');
}

function embedOpts() {
  // The interpreter (ast) keeps Vega from compiling expressions with eval,
  // which the Content-Security-Policy forbids; canvas needs no inline styles.
  return { renderer: 'canvas', actions: false, ast: true, defaultStyle: false };
}

// ------------------------------------------------------------------ memory (live chart)

// Applies a push to a named dataset honouring the window: window 0 clears,
// no window only inserts, otherwise at most `win` points stay (oldest go).
function pushChangeset(view, name, rows, win) {
  const cur = view.data(name);
  if (win === 0) return vega.changeset().remove(vega.truthy);
  if (!win) return vega.changeset().insert(rows);
  const ins = rows.slice(-win);
  const excess = Math.max(cur.length + ins.length - win, 0);
  return vega.changeset().remove(cur.slice(0, excess)).insert(ins);
}

function chartFor(id) {
  if (!state.charts[id]) state.charts[id] = { view: null, spec: null, count: 0 };
  return state.charts[id];
}

// A chart is embedded when its first data arrive (spec + the points the
// node kept, or the first push), so that Vega never lays out an empty
// dataset; later events are applied as changesets.
async function applyChartEvent(ev) {
  const c = chartFor(ev.chart);
  if (ev.chart !== 'memory') return;
  if (ev.kind === 'spec') {
    if (c.view) { c.view.finalize(); c.view = null; }
    c.spec = ev.spec;
    return;
  }
  if (!c.view) {
    if (!c.spec || ev.kind === 'clear') return;
    const name = ev.dataset || 'memory';
    const rows = ev.window ? ev.rows.slice(-ev.window) : ev.rows;
    const spec = { ...c.spec, data: { name, values: rows } };
    const res = await vegaEmbed('#memory-chart', spec, embedOpts());
    c.view = res.view;
    showCount(c, name);
    setState('memory', 'ready');
    return;
  }
  applyData(c, ev);
  await c.view.runAsync();
}

function applyData(c, ev) {
  const v = c.view;
  const name = ev.dataset || 'memory';
  if (ev.kind === 'reset') {
    v.change(name, vega.changeset().remove(vega.truthy).insert(ev.window ? ev.rows.slice(-ev.window) : ev.rows));
  } else if (ev.kind === 'push') {
    v.change(name, pushChangeset(v, name, ev.rows, ev.window));
  } else if (ev.kind === 'clear') {
    v.change(name, vega.changeset().remove(vega.truthy));
  }
  showCount(c, name);
}

function showCount(c, name) {
  const v = c.view;
  c.count = v.data(name).length;
  const last = v.data(name).at(-1);
  $('#mem-count').textContent = `${int(c.count)} points` + (last ? ` · last: total ${last.total.toFixed(2)} MB, binary ${last.binary.toFixed(2)} MB` : '');
  $('#memory-chart').dataset.points = c.count;
  if (last) $('#memory-chart').dataset.lastIter = last.iter;
}

async function showMemory() {
  if (chartFor('memory').view) setState('memory', 'ready');
}

function wireMemory() {
  $('#mem-interval').addEventListener('change', async () => {
    try { await api('/api/memory/interval?ms=' + $('#mem-interval').value, { method: 'POST' }); }
    catch (e) { $('#mem-count').textContent = 'Error: ' + e.message; }
  });
  for (const kind of ['binary', 'ets']) {
    $('#spike-' + kind).addEventListener('click', async () => {
      try {
        await api('/api/spike?kind=' + kind, { method: 'POST' });
        $('#spike-msg').textContent = `${kind} spike started: watch the ${kind} line`;
      } catch (e) { $('#spike-msg').textContent = 'Error: ' + e.message; }
    });
  }
}

// ------------------------------------------------------------------ diagrams

let diagramSeq = 0;
async function renderMermaid(target, text) {
  const { svg } = await mermaid.render('mmd' + (++diagramSeq), text);
  target.innerHTML = svg;
}

// ------------------------------------------------------------------ applications and trees

async function loadApplications() {
  const r = await api('/api/apps');
  if (!r.available) { unavailable('applications', r.reason); return; }
  $('#apps-list').replaceChildren(...r.applications.map((a) =>
    el('li', { title: a.description, onclick: () => showAppTree(a.name) }, `${a.name} ${a.vsn}`)));
  setState('applications', 'ready');
  if (r.applications.length && !$('#tree-diagram').innerHTML) await showAppTree(r.applications[0].name);
}

async function showTree(url, title) {
  const r = await api(url);
  if (!r.available) { unavailable('applications', r.reason); return; }
  $('#tree-title').textContent = title;
  await renderMermaid($('#tree-diagram'), r.mermaid);
}
const showAppTree = (app) => showTree('/api/apps/tree?app=' + encodeURIComponent(app), 'application ' + app)
  .catch((e) => showError('applications', e));
const showSupTree = (pid) => showTree('/api/suptree?pid=' + encodeURIComponent(pid), 'supervisor ' + pid)
  .catch((e) => showError('applications', e));

// ------------------------------------------------------------------ ets

async function loadEts() {
  const r = await api('/api/ets');
  if (!r.available) { unavailable('ets', r.reason); return; }
  $('#ets-table tbody').replaceChildren(...r.tables.map((t) => el('tr', {},
    el('td', {}, t.name ?? ''), el('td', { class: 'mono' }, t.id ?? ''), el('td', { class: 'num' }, int(t.size)),
    el('td', { class: 'num' }, bytes(t.memory)), el('td', { class: 'mono' }, t.owner ?? ''),
    el('td', { class: 'mono' }, t.heir ?? ''), el('td', {}, t.type ?? ''), el('td', {}, t.protection ?? ''))));
  setState('ets', 'ready');
}

// ------------------------------------------------------------------ traces

async function loadTraces() {
  const r = await api('/api/traces');
  const list = $('#traces-list');
  const items = [];
  for (const t of r.traces) {
    const box = el('div', { class: 'trace', 'data-trace': t.id }, el('h3', {}, `#${t.id} ${t.title}`),
      el('p', { class: 'help' }, `${t.events} events`));
    const diagram = el('div', { class: 'diagram' });
    box.append(diagram);
    if (t.mermaid) {
      items.push(box);
      await renderMermaid(diagram, t.mermaid).catch((e) => { diagram.textContent = 'Mermaid: ' + e.message; });
    } else {
      // No renderer in this build: the recorded events as a table.
      diagram.append(el('p', { class: 'unavailable' }, t.error || 'diagram not available'));
      const evs = (t.record && t.record.events) || [];
      diagram.append(el('table', { class: 'grid' },
        el('thead', {}, el('tr', {}, el('th', {}, 'type'), el('th', {}, 'from'), el('th', {}, 'to'), el('th', {}, 'message'))),
        el('tbody', {}, ...evs.map((e) => el('tr', {}, el('td', {}, e.type), el('td', { class: 'mono' }, e.from),
          el('td', { class: 'mono' }, e.to), el('td', { class: 'mono' }, JSON.stringify(e.msg)))))));
      items.push(box);
    }
  }
  list.replaceChildren(...(items.length ? items : [el('p', { class: 'help' }, 'No trace recorded yet.')]));
  list.dataset.count = r.traces.length;
  setState('traces', 'ready');
}

function wireTraces() {
  $('#trace-pingpong').addEventListener('click', async () => {
    try {
      await api('/api/traces/pingpong', { method: 'POST' });
      $('#trace-msg').textContent = 'recording…';
    } catch (e) { $('#trace-msg').textContent = 'Error: ' + e.message; }
  });
}

// ------------------------------------------------------------------ connect

// The Connect view: the notebook's node and cookie inputs. The node field
// defaults to this node itself; connecting switches every view (the node
// answers with a `source` event, which resets and reloads them).
async function loadConnect() {
  const r = await api('/api/node');
  state.node = r;
  if (!$('#cn-node').value) $('#cn-node').value = r.local_node;
  $('#cn-current').textContent = r.node;
  $('#cn-kind').textContent = r.source;
  $('#cn-local').textContent = r.local_node;
  $('#cn-back').disabled = r.local;
  if (!r.connect_available) connectMessage(r.reason, false);
  setState('connect', 'ready');
}

function connectMessage(text, isError) {
  const m = $('#cn-msg');
  m.textContent = text;
  m.className = isError ? 'error' : 'help';
}

// POST /api/connect; node '' is this node. Errors (unknown node, cookie
// rejected, ...) say what to do; the views keep showing the node they showed.
async function connectTo(node, cookie) {
  const qs = new URLSearchParams({ node, cookie });
  $('#cn-submit').disabled = true;
  connectMessage(node ? `connecting to ${node}…` : 'back to this node…', false);
  try {
    const r = await api('/api/connect?' + qs, { method: 'POST' });
    if (r.available === false) connectMessage(r.reason, true);
    else connectMessage(r.local ? `now showing this node, ${r.node}` : `now showing ${r.node} (${r.source} node)`, false);
  } catch (e) {
    connectMessage('Error: ' + e.message, true);
  } finally {
    $('#cn-submit').disabled = false;
  }
  if (state.view === 'connect') await loadConnect().catch((e) => showError('connect', e));
}

function wireConnect() {
  $('#connect-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    connectTo($('#cn-node').value.trim(), $('#cn-cookie').value);
  });
  $('#cn-back').addEventListener('click', () => connectTo('', ''));
  $('#node-back').addEventListener('click', () => connectTo('', ''));
}

// Another node: what the views kept of the previous one goes (the selected
// process, the page of the table, the drawn tree, the memory chart's points).
function resetForNewNode() {
  state.ps.offset = 0;
  state.ps.selected = null;
  $('#ps-detail').hidden = true;
  $('#tree-title').textContent = '';
  $('#tree-diagram').replaceChildren();
  $('#apps-list').replaceChildren();
  $('#ets-table tbody').replaceChildren();
  $$('.view .unavailable').forEach((b) => { b.hidden = true; });
  $$('.view-error').forEach((b) => b.remove());
  $$('.view').forEach((v) => { v.dataset.state = 'loading'; });
  const c = state.charts.memory;
  if (c && c.view) {
    c.view.change('memory', vega.changeset().remove(vega.truthy));
    c.view.runAsync().then(() => showCount(c, 'memory')).catch(() => {});
  }
}

// ------------------------------------------------------------------ the event stream

function applyHello(h) {
  state.hello = h;
  $('#node-name').textContent = h.node;
  $('#node-source').textContent = h.source;
  $('#node-back').hidden = h.source === 'local' || !(h.available && h.available.connect);
  $('#mem-interval').value = String(h.sample_ms);
  $('#spikes').hidden = !h.tour;
  $('#spike-ets').disabled = !(h.available && h.available.ets_spike);
  if (!(h.available && h.available.ets_spike)) $('#spike-ets').title = 'not available: this build has no ETS';
}

function connectStream() {
  const es = new EventSource('/events');
  const status = $('#stream-state');
  es.onopen = () => { status.textContent = 'live'; status.className = 'pill live'; };
  es.onerror = () => { status.textContent = 'reconnecting'; status.className = 'pill down'; };
  es.addEventListener('hello', (e) => applyHello(JSON.parse(e.data)));
  es.addEventListener('overview', (e) => { if (state.view === 'overview') renderOverview(JSON.parse(e.data)); });
  let chain = Promise.resolve();
  es.addEventListener('chart', (e) => {
    const ev = JSON.parse(e.data);
    chain = chain.then(() => applyChartEvent(ev)).catch((err) => showError('memory', err));
  });
  es.addEventListener('traces', () => {
    $('#trace-msg').textContent = '';
    if (state.view === 'traces') loadTraces().catch((err) => showError('traces', err));
  });
  es.addEventListener('sampling', (e) => { $('#mem-interval').value = String(JSON.parse(e.data).sample_ms); });
  es.addEventListener('source', (e) => {
    // Another node: every view starts over and the one on screen reloads.
    chain = chain.then(() => { resetForNewNode(); applyHello(JSON.parse(e.data)); route(); })
      .catch((err) => showError(state.view, err));
  });
  return es;
}

// ------------------------------------------------------------------ start

mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'default' });
wireProcesses();
wireMemory();
wireTraces();
wireConnect();
$('#sup-show').addEventListener('click', () => showSupTree($('#sup-pid').value.trim()));
window.addEventListener('hashchange', route);
connectStream();
route();
