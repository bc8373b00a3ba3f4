// check_report.mjs — checks a report written by `otter tour --out DIR`
// against what the notebook's cells produce, with the real libraries and a
// real browser:
//   - every cell and output listed in DIR/index.json exists, in order, and
//     every output is read for what its cell must show (the properties are
//     the notebook's: a pid for self(), :ponged!, the messages of the
//     ping/pong trace, the keys and sums of :erlang.memory(), ...; never a
//     snapshot of an earlier report); outputs are also checked against each
//     other where the notebook ties them (the supervisor's pid is the root
//     of its tree, the node the cells connect to is node(), the processes
//     listed include the tour's own, ...);
//   - every Mermaid text parses with mermaid (under jsdom), and what it
//     draws (participants, messages, nodes, edges) is read from mermaid's
//     own parse;
//   - every Vega-Lite spec passes the Vega-Lite JSON schema, compiles and
//     renders headlessly, with the notebook's encodings and its data;
//   - DIR/index.html, opened in headless Chromium with every request that
//     is not to a local file blocked, draws every diagram and chart (an
//     SVG each) with no console error; a screenshot is kept as
//     DIR/report.png.
//
//   node tests/tour/check_report.mjs DIR TAPFILE [--expect slug,slug,...]
//
// Writes one TAP line per check to TAPFILE and exits 1 if any failed, 2 if
// the npm packages or Chromium are missing (reported as a failure too). An
// output without a content check here fails too.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { loadMermaid, displayed, checkVegaLite, MissingDeps, webDir } from '../viz/lib.mjs';

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
  process.exit(code ?? (failed || !results.length ? 1 : 0));
}

class Fail extends Error {}
function assert(cond, why) { if (!cond) throw new Fail(why); }
const show = (x) => JSON.stringify(x)?.slice(0, 300);
// JSON with the keys of every object sorted: equal texts, equal values.
const canon = (x) => JSON.stringify(x, (k, v) => (v && typeof v === 'object' && !Array.isArray(v)
  ? Object.fromEntries(Object.keys(v).sort().map((key) => [key, v[key]])) : v));
const same = (a, b) => canon(a) === canon(b);

// ------------------------------------------------------------ Elixir terms

// A reader for the terms the cells print, in inspect/2's syntax: lists
// (keyword lists included), tuples, maps, atoms, integers, floats,
// strings, charlists ('...' or ~c"...") and pids. Returns plain values:
// {atom}, {tuple: [...]}, {map: [[k, v], ...]}, {pid}, {string},
// {charlist}, numbers, arrays; throws on anything else.
function parseTerm(text) {
  const s = text;
  let i = 0;
  const fail = (what) => { throw new Fail(`not an Elixir term (${what} at ${i}: ${show(s.slice(i, i + 40))})`); };
  const ws = () => { while (i < s.length && /\s/.test(s[i])) i++; };
  const ident = /^[A-Za-z_][A-Za-z0-9_@]*[?!]?/;
  function quoted(q) {
    let out = '';
    i++;
    while (i < s.length && s[i] !== q) {
      if (s[i] === '\\') { out += s[i + 1]; i += 2; } else out += s[i++];
    }
    if (s[i] !== q) fail('an unterminated quote');
    i++;
    return out;
  }
  function items(close) {
    const out = [];
    ws();
    if (s[i] === close) { i++; return out; }
    for (;;) {
      ws();
      const key = ident.exec(s.slice(i));
      if (key && s[i + key[0].length] === ':' && /\s/.test(s[i + key[0].length + 1] ?? '')) {
        i += key[0].length + 1;                      // key: value (a keyword pair)
        out.push({ tuple: [{ atom: key[0] }, value()], pair: true });
      } else {
        const v = value();
        ws();
        if (s.startsWith('=>', i)) { i += 2; out.push({ tuple: [v, value()], pair: true }); }
        else out.push(v);
      }
      ws();
      if (s[i] === ',') { i++; continue; }
      if (s[i] === close) { i++; return out; }
      fail(`expected , or ${close}`);
    }
  }
  function value() {
    ws();
    const rest = s.slice(i);
    let m;
    if ((m = /^#PID<(\d+)\.(\d+)\.(\d+)>/.exec(rest))) { i += m[0].length; return { pid: m[0], node: Number(m[1]) }; }
    if (rest.startsWith('%{')) {
      i += 2;
      const kv = items('}');
      if (!kv.every((x) => x.pair)) fail('a map entry without a key');
      return { map: kv.map((x) => x.tuple) };
    }
    if (s[i] === '[') { i++; return items(']'); }
    if (s[i] === '{') { i++; return { tuple: items('}') }; }
    if (s[i] === '"') return { string: quoted('"') };
    if (s[i] === "'") return { charlist: quoted("'") };
    if (rest.startsWith('~c"')) { i += 2; return { charlist: quoted('"') }; }
    if (rest.startsWith(':"')) { i++; return { atom: quoted('"') }; }
    if ((m = /^:([A-Za-z_][A-Za-z0-9_@.]*[?!]?)/.exec(rest))) { i += m[0].length; return { atom: m[1] }; }
    if ((m = /^(true|false|nil)\b/.exec(rest))) { i += m[0].length; return { atom: m[1] }; }
    if ((m = /^-?\d+\.\d+(e[-+]?\d+)?/.exec(rest))) { i += m[0].length; return { float: Number(m[0]) }; }
    if ((m = /^-?\d+/.exec(rest))) {
      i += m[0].length;
      const n = Number(m[0]);
      if (!Number.isSafeInteger(n)) fail('an integer beyond 2^53');
      return n;
    }
    return fail('an unknown term');
  }
  const v = value();
  ws();
  if (i !== s.length) fail('text after the term');
  return v;
}

const isAtom = (v, name) => v && typeof v.atom === 'string' && (name === undefined || v.atom === name);
const isInt = (v) => Number.isSafeInteger(v);
const localPid = /^#PID<0\.\d+\.\d+>$/;
const isLocalPid = (v) => v && typeof v.pid === 'string' && localPid.test(v.pid);
// A keyword list as [[key, value], ...], or a failure.
function keywords(v, what) {
  assert(Array.isArray(v) && v.every((x) => x.tuple && x.tuple.length === 2 && isAtom(x.tuple[0])),
         `${what} is not a keyword list: ${show(v)}`);
  return v.map((x) => [x.tuple[0].atom, x.tuple[1]]);
}

// ------------------------------------------------------------ mermaid

let mermaidApi = null;
// What mermaid makes of a text: its diagram type, and the participants and
// messages (sequence diagrams) or direction, nodes and edges (flowcharts),
// as displayed (entities decoded, <br/> as a line break).
async function readMermaid(text) {
  const { mermaid } = mermaidApi;
  const parsed = await mermaid.parse(text);
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  const db = diagram.db;
  const out = { type: parsed.diagramType };
  if (out.type === 'sequence') {
    out.actors = [...db.getActors().entries()].map(([id, a]) => [id, displayed(a.description)]);
    out.messages = db.getMessages().map((m) => ({ from: m.from, to: m.to, text: m.message ? displayed(m.message) : '', type: m.type }));
  } else {
    out.direction = db.getDirection();
    out.vertices = [...db.getVertices().entries()].map(([id, v]) => ({ id, text: displayed(v.text), classes: v.classes }));
    out.edges = db.getEdges().map((e) => ({ from: e.start, to: e.end, kind: `${e.type} ${e.stroke}`, text: e.text }));
  }
  return out;
}

const SOLID = 0, DOTTED = 1, ACTIVATE = 17, DEACTIVATE = 18;
const arrows = (d) => d.messages.filter((m) => m.type === SOLID || m.type === DOTTED);

// Sequence-diagram activations as Kino draws them: a participant is
// activated right after a SPAWN to it, never twice, and deactivated only
// while active.
function checkActivations(d) {
  const active = new Set();
  let last = null;
  for (const m of d.messages) {
    if (m.type === ACTIVATE) {
      assert(last && last.text === 'SPAWN' && last.to === m.from, `activate ${m.from} does not follow a SPAWN to it`);
      assert(!active.has(m.from), `${m.from} activated twice`);
      active.add(m.from);
    } else if (m.type === DEACTIVATE) {
      assert(active.has(m.from), `deactivate ${m.from}, which is not active`);
      active.delete(m.from);
    } else {
      last = m;
    }
  }
}

// ------------------------------------------------------------ the report

const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
const outputs = index.cells.flatMap((c) => c.outputs.map((o) => ({
  ...o, cell: c.title, slug: o.file.replace(/^\d+-/, '').replace(/\.(txt|mmd|vl\.json|json)$/, '') })));
ok('index.json lists cells with their code and outputs',
   index.cells.length > 0 && index.cells.every((c) => c.section && c.title && typeof c.code === 'string' &&
     c.code.length > 0 && Array.isArray(c.outputs)) && outputs.length > 0,
   show(index.cells.map((c) => [c.title, (c.code || '').length, c.outputs?.length])));

const bySlug = new Map(outputs.map((o) => [o.slug, o]));
// The text of another output, for the checks that tie outputs together.
function textOf(slug) {
  const o = bySlug.get(slug);
  assert(o, `no output ${slug} to compare with`);
  return fs.readFileSync(path.join(dir, o.file), 'utf8');
}
const memo = new Map();
function once(key, fn) {
  if (!memo.has(key)) {
    try { memo.set(key, { v: fn() }); } catch (e) { memo.set(key, { e }); }
  }
  const r = memo.get(key);
  if (r.e) throw new Fail(`${key}: ${r.e.message}`);
  return r.v;
}
const vegaResults = new Map();

// Values other checks use, each read from its own output.
const ctx = {
  selfPid: () => once('self', () => { const v = parseTerm(textOf('self').trim()); assert(isLocalPid(v), 'not a pid'); return v.pid; }),
  supPid: () => once('supervisor', () => {
    const v = parseTerm(textOf('supervisor').trim());
    assert(v.tuple && v.tuple.length === 2 && isAtom(v.tuple[0], 'ok') && isLocalPid(v.tuple[1]), `not {:ok, pid}: ${show(v)}`);
    return v.tuple[1].pid;
  }),
  node: () => once('node', () => {
    const t = textOf('node').trim();
    assert(/^[A-Za-z0-9_-]+@[A-Za-z0-9_.-]+$/.test(t), `not name@host: ${show(t)}`);
    return t;
  }),
  app: () => once('the app-tree cell', () => {
    const m = /render_app_tree\(:([a-z_][a-z0-9_]*)\)/.exec(bySlug.get('app-tree')?.cell || '');
    assert(m, 'no render_app_tree(:app) cell');
    return m[1];
  }),
  processes: () => once('processes', () => {
    const v = parseTerm(textOf('processes').trim());
    assert(Array.isArray(v), 'not a list');
    return v.map((row, n) => {
      assert(row.map, `item ${n} is not a map: ${show(row)}`);
      const keys = row.map.map(([k]) => k.atom);
      assert(same(keys, ['memory', 'pid', 'reductions', 'status']),
             `item ${n} has the keys ${show(keys)}, not memory, pid, reductions, status`);
      return Object.fromEntries(row.map.map(([k, x]) => [k.atom, x]));
    });
  }),
  // pids from the trees: the supervisor's children, the application's
  // master and ancestor (what their checks found)
  treePids: new Set(),
};
// Is the node the cells connect to this one (the notebook's default)?
const selfConnected = () => textOf('connect').trim() === `Node.connect(${ctx.node()}): true`;

const STATUSES = ['running', 'runnable', 'waiting', 'suspended', 'garbage_collecting', 'exiting'];
const MEMORY_KEYS = ['total', 'processes', 'processes_used', 'system', 'atom', 'atom_used', 'binary', 'code', 'ets'];

// One check per output: what the notebook's cell must show. Each gets the
// output's text (and, for Mermaid and Vega-Lite, what the libraries made
// of it), throws Fail with the reason, or returns a note.
const checks = {
  self: ['self() is a pid of this node, #PID<0.N.M>', (t) => {
    assert(localPid.test(t.trim()), `not a local pid: ${show(t)}`);
  }],

  ponged: ['the ping/pong cell returns :ponged!', (t) => {
    assert(t.trim() === ':ponged!', `got ${show(t)}`);
  }],

  'seq-trace-ping-pong': ['the ping/pong trace: self() spawns the child, sends :ping, the child answers :pong', (t, d) => {
    assert(d.type === 'sequence', `a ${d.type} diagram`);
    assert(d.actors.length === 2 && same(d.actors[0], ['0', 'self()']) && d.actors[1][0] === '1' &&
           localPid.test(d.actors[1][1]), `participants ${show(d.actors)}`);
    assert(d.actors[1][1] !== ctx.selfPid(), 'the child is self()');
    const got = arrows(d).map((m) => `${m.from}->${m.to} ${m.text}`);
    assert(same(got, ['0->1 SPAWN', '0->1 INFO: ping', '1->0 INFO: pong']), `messages ${show(got)}`);
    checkActivations(d);
    assert(d.messages.some((m) => m.type === ACTIVATE && m.from === '1'), 'the child is never activated');
  }],

  'seq-trace-async-stream': ['the async_stream trace: four tasks spawned by self(), each sends its result to self() and ends normally', (t, d) => {
    assert(d.type === 'sequence', `a ${d.type} diagram`);
    assert(same(d.actors[0], ['0', 'self()']), `first participant ${show(d.actors[0])}`);
    const pids = d.actors.slice(1).map(([, x]) => x);
    assert(pids.every((p) => localPid.test(p)) && new Set(pids).size === pids.length, `participants ${show(d.actors)}`);
    const ms = arrows(d);
    const ids = new Set(d.actors.map(([id]) => id));
    assert(ms.every((m) => ids.has(m.from) && ids.has(m.to)), 'a message between undeclared participants');
    const spawned = [...new Set(ms.filter((m) => m.text === 'SPAWN').map((m) => m.to))];
    const tasks = spawned.filter((p) => {
      const mine = ms.filter((m) => m.from === p);
      const end = mine.findIndex((m) => /^(EXIT|DOWN): /.test(m.text));
      const result = mine.findIndex((m) => m.to === '0' && /^(INFO|REPLY): /.test(m.text));
      return result >= 0 && end > result && /: normal$/.test(mine[end].text);
    });
    assert(tasks.length >= 4, `${tasks.length} spawned processes send a result to self() and then end normally ` +
           `(spawned: ${show(spawned)})`);
    const bad = ms.filter((m) => /^(EXIT|DOWN): (?!normal$)/.test(m.text));
    assert(bad.length === 0, `ends that are not normal: ${show(bad)}`);
    checkActivations(d);
    return `${tasks.length} tasks`;
  }],

  'async-stream-time': ['the four tasks of 100..300 ms took at least 100 ms together', (t) => {
    const m = /^4 tasks of 100\.\.300 ms each took (\d+) ms together$/.exec(t.trim());
    assert(m, `got ${show(t)}`);
    assert(Number(m[1]) >= 100, `${m[1]} ms: a task sleeps at least 100 ms`);
  }],

  supervisor: ['Supervisor.start_link returns {:ok, pid}', () => { ctx.supPid(); }],

  'sup-tree': ['the supervision tree (left to right): the supervisor\'s pid at the root, its Agent and Task children with their pids', (t, d) => {
    assert(d.type.startsWith('flowchart'), `a ${d.type} diagram`);
    assert(d.direction === 'LR', `direction ${d.direction}`);
    const root = d.vertices.find((v) => v.id === '0');
    assert(root && root.classes.includes('root'), `no root node 0: ${show(d.vertices)}`);
    assert(root.text === ctx.supPid(), `the root shows ${show(root.text)}, the supervisor is ${ctx.supPid()}`);
    const kids = d.vertices.filter((v) => v.id !== '0');
    assert(kids.length === 2 && kids.every((v) => same(v.classes, ['worker'])), `children ${show(kids)}`);
    const names = kids.map((v) => /^(Agent|Task)\n(<0\.\d+\.\d+>)$/.exec(v.text));
    assert(names.every(Boolean), `the children read ${show(kids.map((v) => v.text))}, not Agent<br/><pid> and Task<br/><pid>`);
    assert(same(names.map((m) => m[1]).sort(), ['Agent', 'Task']), `children ${show(kids.map((v) => v.text))}`);
    const pids = names.map((m) => '#PID' + m[2]);
    assert(new Set([...pids, ctx.supPid()]).size === 3, `pids ${show(pids)}`);
    pids.forEach((p) => ctx.treePids.add(p));
    const edges = d.edges.map((e) => `${e.from}->${e.to} ${e.kind}${e.text}`).sort();
    assert(same(edges, kids.map((v) => `0->${v.id} arrow_point normal`).sort()), `edges ${show(edges)}`);
  }],

  'app-tree': ['the application tree: master and ancestor (pids), the registered root supervisor, its children', (t, d) => {
    assert(d.type.startsWith('flowchart'), `a ${d.type} diagram`);
    assert(d.direction === 'TB', `direction ${d.direction} (Kino's default is top-down)`);
    const v = new Map(d.vertices.map((x) => [x.id, x]));
    for (const id of ['application_master', 'supervisor_ancestor']) {
      assert(v.has(id) && localPid.test(v.get(id).text) && v.get(id).classes.includes('supervisor'), `${id}: ${show(v.get(id))}`);
      ctx.treePids.add(v.get(id).text);
    }
    const root = v.get('0');
    assert(root && root.classes.includes('root') && /^[a-z][A-Za-z0-9_.]*$/.test(root.text),
           `the root supervisor is not shown by its registered name: ${show(root)}`);
    const edges = new Set(d.edges.map((e) => `${e.from}->${e.to} ${e.kind}`));
    assert(edges.has('application_master->supervisor_ancestor arrow_point normal') &&
           edges.has('supervisor_ancestor->0 arrow_point normal'), `edges ${show([...edges])}`);
    const kids = d.vertices.filter((x) => !['application_master', 'supervisor_ancestor', '0'].includes(x.id));
    assert(kids.length >= 1, 'the root supervisor has no children');
    // every child hangs from the root, directly or through supervisors
    const reach = new Set(['0']);
    for (let grew = true; grew;) {
      grew = false;
      for (const e of d.edges)
        if (reach.has(e.from) && !reach.has(e.to) && e.kind === 'arrow_point normal') { reach.add(e.to); grew = true; }
    }
    for (const k of kids) {
      assert(reach.has(k.id), `${k.id} (${k.text}) is not under the root`);
      assert(k.classes.some((c) => ['worker', 'supervisor', 'notstarted'].includes(c)), `${k.id} has the classes ${show(k.classes)}`);
    }
    return `${ctx.app()}: ${root.text} with ${kids.map((k) => k.text.split('\n')[0]).join(', ')}`;
  }],

  'started-applications': ['the started applications: {name, description, vsn} tuples, with the application whose tree is drawn', (t) => {
    const v = parseTerm(t.trim());
    assert(Array.isArray(v) && v.length > 0, `not a non-empty list: ${show(v)}`);
    for (const a of v) {
      assert(a.tuple && a.tuple.length === 3 && isAtom(a.tuple[0]) && typeof a.tuple[1].charlist === 'string' &&
             typeof a.tuple[2].charlist === 'string', `not {:name, 'description', 'vsn'}: ${show(a)}`);
      assert(/^\d+(\.\d+)*/.test(a.tuple[2].charlist), `version ${show(a.tuple[2].charlist)}`);
    }
    const names = v.map((a) => a.tuple[0].atom);
    assert(new Set(names).size === names.length, `listed twice: ${show(names)}`);
    assert(names.includes(ctx.app()), `${ctx.app()} (its tree is drawn) is not among ${show(names)}`);
    return names.join(', ');
  }],

  node: ['IO.puts node(): name@host (short names: this host), without the colon of an atom', (t) => {
    const host = ctx.node().split('@')[1];
    assert(host === os.hostname().split('.')[0], `host ${host}, this host is ${os.hostname()}`);
  }],

  cookie: ['IO.puts Node.get_cookie(): the cookie of ~/.erlang.cookie, without the colon of an atom', (t) => {
    const file = path.join(os.homedir(), '.erlang.cookie');
    assert(fs.existsSync(file), `${file} is missing (the node's default cookie)`);
    const want = fs.readFileSync(file, 'utf8').trim();
    assert(t.trim() === want, `got ${show(t)}, ${file} holds another cookie`);
  }],

  connect: ['Node.connect(node) with node() as the default: true', (t) => {
    assert(t.trim() === `Node.connect(${ctx.node()}): true`, `got ${show(t)} (node() is ${ctx.node()})`);
  }],

  'node-spawn': ['Node.spawn(node, fn -> IO.inspect(node()) end): the process prints :node, the cell returns its pid', (t) => {
    const lines = t.trim().split('\n');
    assert(lines.length === 2, `got ${show(t)}`);
    assert(lines[0] === `:${ctx.node()}`, `printed ${show(lines[0])}, not :${ctx.node()}`);
    const pid = parseTerm(lines[1]);
    assert(pid.pid, `returned ${show(lines[1])}, not a pid`);
    if (selfConnected()) assert(pid.node === 0, `a pid of another node, ${pid.pid}, for a process on this one`);
  }],

  'process-count': ['the number of processes listed, on the node connected to', (t) => {
    const m = /^(\d+) processes on (\S+)$/.exec(t.trim());
    assert(m, `got ${show(t)}`);
    assert(m[2] === ctx.node(), `on ${m[2]}, not on ${ctx.node()}`);
    assert(Number(m[1]) === ctx.processes().length, `${m[1]} processes, ${ctx.processes().length} listed`);
  }],

  processes: ['the processes: %{memory, pid, reductions, status} maps, this node\'s own processes among them', (t) => {
    const rows = ctx.processes();
    assert(rows.length > 0, 'no processes');
    for (const r of rows) {
      assert(typeof r.pid.string === 'string' && localPid.test(r.pid.string), `pid ${show(r.pid)} is not inspect(pid)`);
      assert(isInt(r.memory) && r.memory > 0, `memory ${show(r.memory)} of ${r.pid.string}`);
      assert(isInt(r.reductions) && r.reductions >= 0, `reductions ${show(r.reductions)} of ${r.pid.string}`);
      assert(isAtom(r.status) && STATUSES.includes(r.status.atom), `status ${show(r.status)} of ${r.pid.string}`);
    }
    const pids = new Set(rows.map((r) => r.pid.string));
    assert(pids.size === rows.length, 'a pid listed twice');
    if (selfConnected()) {
      // the cells' own processes, alive on this node
      const want = [ctx.selfPid(), ctx.supPid(), ...ctx.treePids];
      const missing = want.filter((p) => !pids.has(p));
      assert(missing.length === 0, `not listed: ${show(missing)}`);
      assert(ctx.treePids.size === 4, `the trees gave ${ctx.treePids.size} pids to look for, not 4`);
    }
    return `${rows.length} processes`;
  }],

  'process-scatter': ['the scatter plot: points with the notebook\'s log-scaled encodings, one per process listed', (t, r) => {
    const spec = JSON.parse(t);
    assert(spec.width === 600 && spec.height === 400, `size ${spec.width}x${spec.height}`);
    assert(spec.mark && spec.mark.type === 'point' && spec.mark.tooltip === true, `mark ${show(spec.mark)}`);
    const e = spec.encoding || {};
    const log = { type: 'log', base: 10 };
    assert(e.x?.field === 'reductions' && e.x.type === 'quantitative' && same(e.x.scale, log), `x ${show(e.x)}`);
    assert(e.y?.field === 'memory' && e.y.type === 'quantitative' && same(e.y.scale, log), `y ${show(e.y)}`);
    assert(e.color?.field === 'status' && e.color.type === 'nominal', `color ${show(e.color)}`);
    assert(e.tooltip?.field === 'pid' && e.tooltip.type === 'nominal', `tooltip ${show(e.tooltip)}`);
    const values = spec.data?.values;
    assert(Array.isArray(values) && values.length > 0, 'no data values');
    for (const p of values) {
      assert(localPid.test(p.pid) && isInt(p.memory) && p.memory > 0 && isInt(p.reductions) && p.reductions >= 0 &&
             STATUSES.includes(p.status), `point ${show(p)}`);
    }
    assert(r.view.data('source_0').length === values.length, `Vega holds ${r.view.data('source_0').length} of ${values.length} points`);
    if (selfConnected()) {
      const pids = new Set(values.map((p) => p.pid));
      const missing = [ctx.selfPid(), ctx.supPid()].filter((p) => !pids.has(p));
      assert(missing.length === 0, `no point for ${show(missing)}`);
    }
    return `${values.length} points`;
  }],

  memory: [':erlang.memory(): its nine keys in order, integers, total = processes + system', (t) => {
    const kw = keywords(parseTerm(t.trim()), ':erlang.memory()');
    assert(same(kw.map(([k]) => k), MEMORY_KEYS), `keys ${show(kw.map(([k]) => k))}`);
    const m = Object.fromEntries(kw);
    for (const k of MEMORY_KEYS) assert(isInt(m[k]) && m[k] >= 0, `${k}: ${show(m[k])}`);
    assert(m.total > 0, 'total is 0');
    assert(m.total === m.processes + m.system, `total ${m.total} is not processes + system (${m.processes + m.system})`);
    assert(m.processes_used <= m.processes, `processes_used ${m.processes_used} > processes ${m.processes}`);
    assert(m.atom_used <= m.atom, `atom_used ${m.atom_used} > atom ${m.atom}`);
    assert(m.atom + m.binary + m.code + m.ets <= m.system, `atom + binary + code + ets > system ${m.system}`);
  }],

  'memory-listen': ['Kino.listen(200, fn) is listening', (t) => {
    assert(/^sampling memory every 200 ms \((listener started|the dashboard's sampler)\)$/.test(t.trim()), `got ${show(t)}`);
  }],

  'binary-spike': ['the binary spike: the 10,000 binaries (150 MB) are counted while held and freed after', (t) => {
    const m = /^binary: (\d+\.\d) MB before, (\d+\.\d) MB with the 10,000 binaries, (\d+\.\d) MB after$/.exec(t.trim());
    assert(m, `got ${show(t)}`);
    const [before, during, after] = m.slice(1).map(Number);
    const held = 3 * (10000 * 10001 / 2) / 1e6;   // String.duplicate("cat", i) for i in 1..10,000
    assert(during - before >= held - 0.1, `binary grew by ${(during - before).toFixed(1)} MB, the binaries hold ${held.toFixed(1)} MB`);
    assert(during - after >= held - 0.1, `binary fell by only ${(during - after).toFixed(1)} MB after`);
  }],

  'ets-spike': ['the ETS spike: a table of 1,000,000 objects, at least their size, counted in ets memory', (t) => {
    const m = /^ets: (\d+\.\d) MB before, (\d+\.\d) MB with (\d+) objects \((\d+\.\d) MB in the table\)$/.exec(t.trim());
    assert(m, `got ${show(t)}`);
    const [before, during, objects, table] = m.slice(1).map(Number);
    assert(objects === 1000000, `${objects} objects`);
    // each object holds its integer key (8 bytes) and "User #{i}"
    let names = 0;
    for (let i = 1; i <= 1000000; i++) names += 5 + String(i).length;
    const payload = (8 * 1000000 + names) / 1e6;
    assert(table >= payload - 0.1, `the table takes ${table} MB, its objects hold ${payload.toFixed(1)} MB`);
    assert(during - before >= table - 0.15, `ets grew by ${(during - before).toFixed(1)} MB, the table takes ${table} MB`);
  }],

  'memory-chart': ['the live memory chart: the notebook\'s repeated layers, points in MB with consecutive measurements', (t, r) => {
    const spec = JSON.parse(t);
    assert(same(spec.repeat, { layer: ['total', 'processes', 'atom', 'binary', 'code', 'ets'] }), `repeat ${show(spec.repeat)}`);
    assert(spec.width === 600 && spec.height === 400 || spec.spec?.width === 600 && spec.spec?.height === 400, 'not 600x400');
    assert(spec.padding === 20, `padding ${spec.padding}`);
    const inner = spec.spec || {};
    assert(inner.mark === 'line' || inner.mark?.type === 'line', `mark ${show(inner.mark)}`);
    const e = inner.encoding || {};
    assert(e.x?.field === 'iter' && e.x.type === 'quantitative' && e.x.title === 'Measurement', `x ${show(e.x)}`);
    assert(same(e.y?.field, { repeat: 'layer' }) && e.y.type === 'quantitative' && e.y.title === 'Memory usage (MB)', `y ${show(e.y)}`);
    assert(same(e.color?.datum, { repeat: 'layer' }) && e.color.type === 'nominal', `color ${show(e.color)}`);
    const name = spec.data?.name;
    const points = name && spec.datasets?.[name] ? spec.datasets[name] : spec.data?.values;
    assert(Array.isArray(points) && points.length > 0, 'no points');
    assert(points.length <= 1000, `${points.length} points, the window is 1000`);
    points.forEach((p, k) => {
      assert(isInt(p.iter) && (k === 0 || p.iter === points[k - 1].iter + 1), `measurement ${show(p.iter)} after ${show(points[k - 1]?.iter)}`);
      for (const key of MEMORY_KEYS) assert(typeof p[key] === 'number' && p[key] >= 0, `point ${p.iter}: ${key} ${show(p[key])}`);
      assert(Math.abs(p.total - (p.processes + p.system)) < 1e-5, `point ${p.iter}: total ${p.total} MB is not processes + system`);
    });
    // in MB: the first point is of the same order as :erlang.memory() in bytes
    const bytes = Object.fromEntries(keywords(parseTerm(textOf('memory').trim()), ':erlang.memory()')).total;
    const ratio = points[0].total * 1e6 / bytes;
    assert(ratio > 0.5 && ratio < 2, `the first point's total is ${points[0].total} MB, :erlang.memory() said ${bytes} bytes`);
    const shown = r.view.data(name || 'source_0').length;
    assert(shown === points.length, `Vega holds ${shown} of ${points.length} points`);
    return `${points.length} points, measurements ${points[0].iter}..${points.at(-1).iter}`;
  }],
};

for (const slug of expected) {
  if (!bySlug.has(slug)) ok(`the report has the cell output ${slug}`, false, 'missing');
}

try {
  mermaidApi = await loadMermaid();
  for (const o of outputs) {
    const text = fs.readFileSync(path.join(dir, o.file), 'utf8');
    if (text !== o.content) ok(`${o.file} matches index.json`, false, 'differs');
    let read = null;
    if (o.kind === 'mermaid') {
      try {
        read = await readMermaid(text);
        ok(`${o.file} parses with mermaid`, true);
      } catch (e) {
        ok(`${o.file} parses with mermaid`, false, String(e.message || e).split('\n')[0]);
      }
    } else if (o.kind === 'vega-lite') {
      let spec = null;
      try { spec = JSON.parse(text); } catch (e) { ok(`${o.file} is JSON`, false, e.message); }
      if (spec) {
        const r = await checkVegaLite(spec);
        ok(`${o.file} is valid Vega-Lite and renders`, r.ok, r.why);
        if (r.ok) read = r;
      }
    } else if (o.kind === 'json') {
      try { JSON.parse(text); ok(`${o.file} is JSON`, true); }
      catch (e) { ok(`${o.file} is JSON`, false, e.message); }
    }
    const c = checks[o.slug];
    if (!c) {
      ok(`${o.file}: has a content check`, false, `no check in check_report.mjs for the output ${o.slug}`);
      continue;
    }
    const [what, fn] = c;
    if ((o.kind === 'mermaid' || o.kind === 'vega-lite') && !read) {
      ok(`${o.file}: ${what}`, false, 'not read: it did not parse');
      continue;
    }
    try {
      const note = fn(text, read);
      ok(`${o.file}: ${what}${note ? ` (${note})` : ''}`, true);
    } catch (e) {
      if (!(e instanceof Fail)) throw e;
      ok(`${o.file}: ${what}`, false, e.message);
    }
  }
} catch (e) {
  ok('the validators load', false, e instanceof MissingDeps ? e.message : String(e.stack || e));
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
      file: b.querySelector('.file').textContent, text: b.textContent })),
  }));
  ok('the page draws every output', drawn.failed === 0 && drawn.drawn === outputs.length,
     `${drawn.drawn} drawn, ${drawn.failed} failed of ${outputs.length}`);
  for (const b of drawn.boxes) {
    if (b.kind === 'mermaid' || b.kind === 'vega-lite')
      ok(`the page draws ${b.file} as SVG`, b.drawn === 'yes' && b.svg, `drawn=${b.drawn} svg=${b.svg}`);
  }
  const texts = outputs.filter((o) => o.kind === 'text');
  const missing = texts.filter((o) => {
    const b = drawn.boxes.find((x) => x.file === o.file);
    return !b || !b.text.replace(/\s+/g, ' ').includes(o.content.trim().replace(/\s+/g, ' '));
  });
  ok('the page shows every text output as written', texts.length > 0 && missing.length === 0,
     `not shown: ${missing.map((o) => o.file).join(', ')}`);
  ok('the page asks for nothing but local files', blocked.length === 0, blocked.join(' '));
  ok('the page logs no errors', errors.length === 0, errors.slice(0, 3).join(' | '));
  await page.screenshot({ path: path.join(dir, 'report.png'), fullPage: true });
} catch (e) {
  ok('the report opens in Chromium', false, String(e.message || e));
} finally {
  await browser.close();
}
finish();
