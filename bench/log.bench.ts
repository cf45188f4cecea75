/**
 * The decision log's record: stored bytes per decision on a generated
 * population, and what preparing a record costs (the digest's canonical JSON
 * against canonicalText and plain JSON.stringify, in alternating rounds).
 *
 *   npm run bench:log [-- --ruleset hukou-settlement --count 2000 --rounds 5]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { loadRulePaths } from '../src/load/registry.js';
import { evaluateCompact, explain } from '../src/eval/evaluate.js';
import { generatePopulation } from '../src/impact/population-generator.js';
import { ZhiduError } from '../src/errors/finding.js';
import { canonicalText, decisionContent, newId } from '../src/store/log-record.js';
import { canonicalExplanation } from '../src/store/canonical-explanation.js';
import type { Decision } from '../src/generated/decision.js';

const { values: args } = parseArgs({ options: { ruleset: { type: 'string', default: 'hukou-settlement' }, count: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '5' }, 'as-of': { type: 'string', default: '2024-06-01' } } });
const asOf = args['as-of'] as string;
const { registry } = loadRulePaths(['rules'], 'rules/sources');
const rs = registry.inForce(args.ruleset as string, asOf);
const decided: Array<{ facts: Record<string, unknown>; decision: Decision; codes: Uint8Array }> = [];
for (const facts of generatePopulation(rs.definition, Number(args.count), { seed: 1, asOf })) {
  try {
    const compact = evaluateCompact(rs, facts, { asOf });
    decided.push({ facts, decision: explain(rs, compact), codes: compact.codes });
  } catch (err) {
    if (!(err instanceof ZhiduError)) throw err;
  }
}
const sizes = decided.map((d) => Buffer.byteLength(canonicalText(decisionContent(newId(), new Date().toISOString(), 'bench', d.facts, d.decision, d.codes))));
sizes.sort((a, b) => a - b);
const explanationBytes = decided.reduce((n, d) => n + Buffer.byteLength(canonicalText(d.decision)), 0) / decided.length;
const at = (q: number) => sizes[Math.min(sizes.length - 1, Math.floor(q * sizes.length))] as number;
console.log(`${rs.id}@${rs.version}: ${decided.length} decisions of ${args.count} generated (as_of ${asOf})`);
console.log(`stored record bytes: mean ${(sizes.reduce((a, b) => a + b, 0) / sizes.length).toFixed(0)}, p50 ${at(0.5)}, p99 ${at(0.99)}, max ${sizes[sizes.length - 1]} (the explanation itself: mean ${explanationBytes.toFixed(0)} bytes)`);

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const ways: Record<string, (d: Decision) => unknown> = {
  'canonicalExplanation + sha256 (the digest)': (d) => sha(canonicalExplanation(d)),
  'canonicalText + sha256': (d) => sha(canonicalText(d)),
  'JSON.stringify + sha256 (not canonical)': (d) => sha(JSON.stringify(d)),
  'canonicalExplanation alone': (d) => canonicalExplanation(d),
  'JSON.stringify alone': (d) => JSON.stringify(d),
  'evaluateCompact + explain()': () => undefined,
};
const total: Record<string, number> = {};
const rounds = Number(args.rounds);
for (let r = 0; r < rounds; r++) {
  for (const [name, fn] of Object.entries(ways)) {
    const t = process.hrtime.bigint();
    if (name === 'evaluateCompact + explain()') for (const d of decided) explain(rs, evaluateCompact(rs, d.facts, { asOf }));
    else for (const d of decided) fn(d.decision);
    total[name] = (total[name] ?? 0) + Number(process.hrtime.bigint() - t);
  }
}
const base = total['JSON.stringify alone'] as number;
console.log(`per decision, mean of ${rounds} alternating rounds (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}):`);
for (const [name, ns] of Object.entries(total)) console.log(`  ${name.padEnd(44)} ${(ns / rounds / decided.length / 1000).toFixed(1).padStart(8)} µs  (${(ns / base).toFixed(2)}× JSON.stringify)`);
