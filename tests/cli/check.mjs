// check.mjs DIR — checks what tests/cli/run.sh saved: *.json parse as JSON
// (with the properties below), *.vl.json pass the Vega-Lite schema, compiler
// and a headless Vega view, *.mmd parse with Mermaid. Prints ok / not ok
// lines; exits 1 if any failed.
import fs from 'node:fs';
import path from 'node:path';
import { checkVegaLite, loadMermaid } from '../viz/lib.mjs';

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
      const expect = f.startsWith('sup-tree') ? 'cli_agent' : f.startsWith('app-tree') ? 'Logger' : '';
      report(text.includes(expect), f, text.includes(expect) ? '' : `no ${expect} in the tree`);
    } catch (e) {
      report(false, f, String(e.message || e).split('\n')[0]);
    }
  }
}
console.log(`# ${files.length} files, ${failed} failed`);
process.exit(failed ? 1 : 0);
