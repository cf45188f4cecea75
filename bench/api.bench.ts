/**
 * npm run bench:api — autocannon against POST /v1/rulesets/{id}/evaluate on a
 * real server process (as `npm start` runs it), 50 connections, every decision
 * recorded in the decision log: once with the embedded database (PGlite) and,
 * when DATABASE_URL is set, once with PostgreSQL. After each run the log is
 * verified and its record count compared with the 2xx responses.
 *
 * With PostgreSQL it also runs ZHIDU_WORKERS=BENCH_WORKERS (default 2) processes.
 * BENCH_SECONDS (default 15), BENCH_CONNECTIONS (50), BENCH_RULESET
 * (hukou-settlement, else the committee-subsidy example).
 *
 * The requests cycle through BENCH_POPULATION (default 1,000) different fact
 * sets made by the population generator (as `zhidu gen-population`, seed 1),
 * so the decisions differ as a service window's would: the same facts every
 * time would flatter the decision log, which stores what decisions share only
 * once. BENCH_FACTS=<JSON file> sends that one file instead.
 */
import autocannon from 'autocannon';
import { mkdtempSync, writeFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { hashKey } from '../server/api-keys.js';
import { startServerProcess } from '../test/api/processes.js';
import { connect } from '../src/store/sql-client.js';
import { DecisionLog } from '../src/store/decision-log.js';
import { loadRulePaths } from '../src/load/registry.js';
import { generatePopulation } from '../src/impact/population-generator.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const hukou = existsSync('rules/hukou-settlement.yaml');
const ruleset = process.env.BENCH_RULESET ?? (hukou ? 'hukou-settlement' : 'committee-subsidy-example');
const rulesDir = ruleset === 'committee-subsidy-example' ? 'test/fixtures/good' : 'rules';
const factsFile = process.env.BENCH_FACTS ?? '';
const asOf = '2025-06-01';
const bodies: string[] = factsFile
  ? [JSON.stringify({ facts: JSON.parse(readFileSync(factsFile, 'utf8')), as_of: asOf })]
  : [...generatePopulation(loadRulePaths([rulesDir], 'rules/sources').registry.inForce(ruleset, asOf).definition, Number(process.env.BENCH_POPULATION ?? 1000), { seed: 1, asOf })].map((facts) => JSON.stringify({ facts, as_of: asOf }));
const body = bodies[0] as string;
let next = 0;
/** autocannon request options: each request takes the next fact set in turn. */
const requests: autocannon.Request[] = [{ method: 'POST', setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] as string }) }];

/** CPU time (user + system, all threads) a process has used, from /proc: independent of what else runs on the machine. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of stat; after the command name they are at 11 and 12 (0-based).
  let total = (Number(fields[11]) + Number(fields[12])) / 100;
  // Cluster workers are children of the server process: count them too.
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
    for (const child of children ? children.split(' ') : []) total += cpuSeconds(Number(child));
  }
  return total;
}

const key = `bench_${randomBytes(12).toString('hex')}`;

async function bench(label: string, env: Record<string, string>): Promise<void> {
  const server = await startServerProcess({ ZHIDU_RULES_DIR: rulesDir, ...env });
  try {
    const url = `${server.url}/v1/rulesets/${ruleset}/evaluate`;
    const probe = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
    if (probe.status !== 200) throw new Error(`probe answered ${probe.status}: ${await probe.text()}`);
    const outcome = ((await probe.json()) as { decision: { outcome: { display?: string } } }).decision.outcome.display;
    // Warm-up (JIT, connection pools), not counted.
    await autocannon({ url, method: 'POST', connections, duration: 3, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, requests });
    const load = loadavg()[0]?.toFixed(1);
    const cpuBefore = cpuSeconds(server.child.pid as number);
    const r = await autocannon({ url, method: 'POST', connections, duration: seconds, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, requests });
    const ok = r['2xx'];
    const cpu = cpuSeconds(server.child.pid as number) - cpuBefore;
    const line = `${label}: ${(ok / r.duration).toFixed(0)} decisions/s, server CPU ${((cpu * 1000) / ok).toFixed(2)} ms per decision (all its threads; the PostgreSQL server's own CPU not included) (req/s mean ${r.requests.average.toFixed(0)}), latency p50 ${r.latency.p50} ms, p90 ${r.latency.p90} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms; ${ok} × 2xx, ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts in ${r.duration} s; load average before ${load} (${cpus().length} CPUs); outcome ${outcome}`;
    process.stdout.write(line + '\n');
    server.child.kill('SIGTERM');
    await server.exited;
    const db = await connect(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL, poolSize: 1 } : { dataDir: env.ZHIDU_DATA_DIR as string });
    const result = await (await DecisionLog.open(db, env.ZHIDU_DB_SCHEMA ?? 'zhidu')).verify();
    // 1 probe + the warm-up's 2xx + the measured 2xx: every answered decision is in the chain.
    process.stdout.write(`  log: ${result.ok ? `verified, ${result.records} records` : `BROKEN ${JSON.stringify(result.broken)}`}\n`);
    if (env.DATABASE_URL) await db.query(`DROP SCHEMA IF EXISTS "${env.ZHIDU_DB_SCHEMA}" CASCADE`);
    await db.close();
  } finally {
    server.child.kill('SIGKILL');
  }
}

const dir = mkdtempSync(join(tmpdir(), 'zhidu-bench-'));
const keysFile = join(dir, 'keys.json');
writeFileSync(keysFile, JSON.stringify({ keys: [{ name: 'bench', role: 'system', sha256: hashKey(key), rate_limit: 100_000_000 }] }));
process.stdout.write(`POST /v1/rulesets/${ruleset}/evaluate, ${connections} connections, ${seconds} s, facts ${factsFile || `${bodies.length} generated fact sets in turn`}\n`);
await bench('PGlite (embedded)', { ZHIDU_DATA_DIR: join(dir, 'pglite'), ZHIDU_KEYS_FILE: keysFile, DATABASE_URL: '' });
if (process.env.DATABASE_URL) {
  await bench('PostgreSQL', { ZHIDU_DATA_DIR: dir, ZHIDU_KEYS_FILE: keysFile, DATABASE_URL: process.env.DATABASE_URL, ZHIDU_DB_SCHEMA: `bench_${randomBytes(4).toString('hex')}` });
  const workers = process.env.BENCH_WORKERS ?? '2';
  await bench(`PostgreSQL, ZHIDU_WORKERS=${workers}`, { ZHIDU_DATA_DIR: dir, ZHIDU_KEYS_FILE: keysFile, DATABASE_URL: process.env.DATABASE_URL, ZHIDU_DB_SCHEMA: `bench_${randomBytes(4).toString('hex')}`, ZHIDU_WORKERS: workers });
}
