/**
 * A synthetic population of N applicants for a rule set, from its input schema,
 * deterministic for a seed — the same generator as `zhidu gen-population`.
 *
 *   npx tsx scripts/gen-population.ts <rule-set id | rule file> <count> [seed] [out.ndjson|out.csv] [as-of]
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadRulePaths, loadRuleSet, SourceTexts } from '../src/index.js';
import { writePopulation } from '../src/impact/write-population.js';

const [spec, countText, seedText = '1', out, asOf = '2024-12-31'] = process.argv.slice(2);
const count = Number.parseInt(countText ?? '', 10);
const seed = Number.parseInt(seedText, 10);
if (!spec || !(count >= 0) || !Number.isFinite(seed)) {
  process.stderr.write('usage: tsx scripts/gen-population.ts <rule-set id | rule file> <count> [seed] [out] [as-of]\n');
  process.exit(2);
}
let definition;
if (existsSync(spec)) {
  const loaded = loadRuleSet(spec, readFileSync(spec, 'utf8'), { sources: new SourceTexts('rules/sources') });
  if (!loaded.ok) throw new Error(`${spec} does not load: ${loaded.findings.map((f) => f.message).join('; ')}`);
  definition = loaded.ruleSet.definition;
} else {
  const latest = loadRulePaths(['rules'], 'rules/sources').registry.latest(spec);
  if (!latest) throw new Error(`no rule set ${spec} under rules/`);
  definition = latest.definition;
}
await writePopulation(definition, count, seed, out, asOf);
