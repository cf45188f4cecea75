/**
 * npm run bench:startup — time from starting the server process (as
 * `npm start` runs it, every rule set in rules/, embedded PGlite) until GET
 * /ready answers 200, and until it listens: a restart, on a data directory a
 * first (unmeasured) start of the same checkout created; the first start,
 * which also creates the database, is reported on its own line.
 *
 *   npm run bench:startup                      # this checkout, BENCH_RUNS (5) starts
 *   npm run bench:startup -- . /tmp/old-tree   # alternate starts of several checkouts
 *
 * With several checkouts the starts alternate (A, B, A, B, …) so that each
 * sees about the same machine, and the medians are reported side by side; the
 * load average is printed with every start. Polling /ready every 10 ms is the
 * measurement's resolution.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { hashKey } from '../server/api-keys.js';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const roots = (process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['.']).map((r) => resolve(r));

interface Start {
  readonly listening: number;
  readonly ready: number;
  /** CPU seconds the server process had used (user + system, all threads) when /ready first answered 200. */
  readonly cpu: number;
  readonly rulesets: number;
}

/** CPU time of a process from /proc: unlike the wall time, it hardly depends on what else the machine runs. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const dirs = new Map<string, string>();

/** One data directory (and keys file) per checkout, kept across its starts. */
function dataDir(root: string): string {
  let dir = dirs.get(root);
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'zhidu-startup-'));
    writeFileSync(join(dir, 'keys.json'), JSON.stringify({ keys: [{ name: 'bench', role: 'admin', sha256: hashKey(`bench_${randomBytes(8).toString('hex')}`) }] }));
    dirs.set(root, dir);
  }
  return dir;
}

async function startOnce(root: string): Promise<Start> {
  const dir = dataDir(root);
  const keysFile = join(dir, 'keys.json');
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ZHIDU_RULES_DIR: 'rules', ZHIDU_DATA_DIR: join(dir, 'data'), ZHIDU_KEYS_FILE: keysFile, DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    const { url, listening } = await new Promise<{ url: string; listening: number }>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no listening line after 120 s:\n${out}`)), 120_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/[^\s]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          res({ url: m[1] as string, listening: performance.now() - t0 });
        }
      });
      child.on('exit', (code) => rej(new Error(`server exited with ${code}:\n${out}`)));
    });
    for (;;) {
      const r = await fetch(`${url}/ready`).catch(() => undefined);
      if (r?.status === 200) {
        const body = (await r.json()) as { rulesets?: unknown };
        const rulesets = Array.isArray(body.rulesets) ? body.rulesets.length : typeof body.rulesets === 'number' ? body.rulesets : Object.keys((body.rulesets as object) ?? {}).length;
        return { listening, ready: performance.now() - t0, cpu: cpuSeconds(child.pid as number), rulesets };
      }
      await new Promise((r2) => setTimeout(r2, 10));
    }
  } finally {
    child.kill('SIGKILL');
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const results = new Map<string, Start[]>(roots.map((r) => [r, []]));
process.stdout.write(`node ${process.version}, ${cpus().length} CPUs, ${runs} restarts per checkout, alternating\n`);
for (const root of roots) {
  const s = await startOnce(root);
  process.stdout.write(`  ${root}: first start (creates the database): /ready ${s.ready.toFixed(0)} ms, server CPU ${s.cpu.toFixed(2)} s (not in the table)\n`);
}
for (let i = 0; i < runs; i++) {
  for (const root of roots) {
    const load = loadavg()[0]?.toFixed(1);
    const s = await startOnce(root);
    (results.get(root) as Start[]).push(s);
    process.stdout.write(`  ${root}: listening ${s.listening.toFixed(0)} ms, /ready ${s.ready.toFixed(0)} ms, server CPU ${s.cpu.toFixed(2)} s, ${s.rulesets} rule sets (load average ${load})\n`);
  }
}
process.stdout.write('\n| checkout | rule sets | median to listening | median to /ready | min to /ready | median server CPU to /ready |\n| --- | ---: | ---: | ---: | ---: | ---: |\n');
for (const [root, list] of results) {
  process.stdout.write(`| ${root} | ${list[0]?.rulesets ?? 0} | ${median(list.map((s) => s.listening)).toFixed(0)} ms | ${median(list.map((s) => s.ready)).toFixed(0)} ms | ${Math.min(...list.map((s) => s.ready)).toFixed(0)} ms | ${median(list.map((s) => s.cpu)).toFixed(2)} s |\n`);
}
