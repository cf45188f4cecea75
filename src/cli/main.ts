import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { existsSync } from 'node:fs';
import { loadRulePaths, testFileFor, evaluate, runSuite, formatFinding, ZhiduError, today, type SuiteResult } from '../index.js';
import { formatDecision } from '../decision/format-text.js';
import { evaluateReference } from '../eval/evaluate.js';
import { lintPaths, countSeverities } from '../lint/lint-rule-set.js';
import { diffRuleSets, formatDiff } from '../versions/rule-set-diff.js';
import { resolveVersion } from '../versions/version-spec.js';
import { readPopulation, fileSize } from '../impact/population-reader.js';
import { runImpact, runImpactParallel } from '../impact/run-impact.js';
import { availableParallelism } from 'node:os';
import { formatImpact } from '../impact/format-impact.js';
import { writePopulation } from '../impact/write-population.js';
import { decisionRecords, parseRange } from '../impact/decision-records.js';
import { connect } from '../store/sql-client.js';
import type { PopulationRecord } from '../impact/population-reader.js';
import cliProgress from 'cli-progress';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import { addKeysCommand } from './keys-command.js';
import { addGateCommand } from './gate-command.js';
import { addLogCommand } from './log-command.js';
import { addWorkerCommand } from './worker-command.js';
import { addJobsCommand } from './jobs-command.js';

/**
 * `zhidu` — validate, test and evaluate rule sets from the terminal.
 * Exit codes: 0 ok, 1 findings or failing tests, 2 usage or input errors.
 */
const program = new Command();
program.name('zhidu').description('制度：规则即代码 — validate, test and evaluate rule sets').version('0.1.0');
program.option('--sources <dir>', 'directory of cited source texts', 'rules/sources');

function sourcesDir(): string {
  return resolve(program.opts<{ sources: string }>().sources);
}

program
  .command('validate')
  .description('校验规则文件（file:line:column 报告错误）')
  .argument('[paths...]', 'rule files or directories', ['rules'])
  .option('--json', 'machine-readable findings')
  .action((paths: string[], opts: { json?: boolean }) => {
    const { findings, files, registry } = loadRulePaths(paths, sourcesDir());
    const errors = findings.filter((f) => f.severity === 'error');
    if (opts.json) {
      process.stdout.write(JSON.stringify({ files: files.length, rulesets: registry.ids(), findings }, null, 2) + '\n');
    } else {
      for (const f of findings) process.stdout.write(formatFinding(f) + '\n');
      process.stdout.write(`${files.length} 个文件，${errors.length} 个错误。${errors.length === 0 ? '全部通过。' : ''}\n`);
    }
    process.exitCode = errors.length > 0 ? 1 : 0;
  });

/** `zhidu test --engine reference` runs a suite through json-rules-engine, the reference the compiled path must match. */
export const EVALUATORS: Record<string, typeof evaluate> = { compiled: evaluate, reference: evaluateReference };

program
  .command('test')
  .description('运行规则集旁的测试用例，并报告未被覆盖的规则与条件')
  .argument('[paths...]', 'rule files or directories', ['rules'])
  .option('--json', 'machine-readable results')
  .option('--engine <engine>', 'evaluator: compiled (production) | reference (json-rules-engine)', 'compiled')
  .action(async (paths: string[], opts: { json?: boolean; engine: string }) => {
    const evaluator = EVALUATORS[opts.engine];
    if (!evaluator) {
      process.stderr.write('用法错误：--engine 应为 compiled 或 reference\n');
      process.exitCode = 2;
      return;
    }
    const { registry, findings, files } = loadRulePaths(paths, sourcesDir());
    const errors = findings.filter((f) => f.severity === 'error');
    for (const f of errors) process.stderr.write(formatFinding(f) + '\n');
    const results: SuiteResult[] = [];
    for (const file of files) {
      const testFile = testFileFor(file);
      if (existsSync(testFile)) results.push(await runSuite(testFile, registry, { evaluator }));
    }
    let failed = 0;
    let passed = 0;
    const report: string[] = [];
    for (const r of results) {
      for (const f of r.findings) report.push(formatFinding(f));
      for (const c of r.cases) {
        if (c.ok) passed += 1;
        else {
          failed += 1;
          report.push(`✘ ${r.file}:${c.line} ${c.name}`);
          for (const msg of c.failures) report.push(`    ${msg}`);
        }
      }
      const neverTrue = [...r.coverage.rules].filter(([, v]) => !v.true).map(([k]) => k);
      const neverFalse = [...r.coverage.rules].filter(([, v]) => !v.false).map(([k]) => k);
      const conds = [...r.coverage.conditions.values()];
      const condGaps = conds.filter((c) => !c.true || !c.false);
      report.push(
        `${r.file}: ${r.cases.filter((c) => c.ok).length}/${r.cases.length} 通过；规则覆盖 ${r.coverage.rules.size - neverTrue.length}/${r.coverage.rules.size} 成立过，条件覆盖 ${conds.length - condGaps.length}/${conds.length} 真假皆有`,
      );
      if (neverTrue.length) report.push(`    从未成立的规则：${neverTrue.join(', ')}`);
      if (neverFalse.length) report.push(`    从未不成立的规则：${neverFalse.join(', ')}`);
      for (const c of condGaps) report.push(`    条件未覆盖（${!c.true ? '从未为真' : ''}${!c.true && !c.false ? '、' : ''}${!c.false ? '从未为假' : ''}）：${c.rule}：${c.text}`);
      for (const m of r.missingAmbiguityTests) report.push(`    歧义所指的测试不存在：${m}`);
      if (r.findings.length || r.missingAmbiguityTests.length) failed += r.findings.length + r.missingAmbiguityTests.length;
    }
    if (opts.json) {
      process.stdout.write(
        JSON.stringify(
          results.map((r) => ({
            file: r.file,
            ruleset: r.ruleset,
            findings: r.findings,
            cases: r.cases.map((c) => ({ name: c.name, ok: c.ok, failures: c.failures, line: c.line })),
            coverage: { rules: Object.fromEntries(r.coverage.rules), conditions: Object.fromEntries(r.coverage.conditions) },
            missingAmbiguityTests: r.missingAmbiguityTests,
          })),
          null,
          2,
        ) + '\n',
      );
    } else {
      process.stdout.write(report.join('\n') + '\n');
      process.stdout.write(`${passed} passed, ${failed} failed\n`);
    }
    process.exitCode = failed > 0 || errors.length > 0 ? 1 : 0;
  });

const SEVERITY_RANK = { info: 0, warning: 1, error: 2 } as const;

program
  .command('lint')
  .description('检查规则集：区间重叠/空档、永不成立或总是成立的规则、矛盾条件、无从产生的输出、未用或未测的事实、引用与歧义、测试覆盖')
  .argument('[paths...]', 'rule files or directories', ['rules'])
  .option('--json', 'machine-readable report')
  .option('--max-warnings <n>', 'fail (exit 1) when there are more warnings than this', (v) => Number.parseInt(v, 10))
  .option('--severity <level>', 'lowest severity to print: error | warning | info', 'info')
  .action(async (paths: string[], opts: { json?: boolean; maxWarnings?: number; severity: string }) => {
    if (!(opts.severity in SEVERITY_RANK) || (opts.maxWarnings !== undefined && !(opts.maxWarnings >= 0))) {
      process.stderr.write('用法错误：--severity 应为 error、warning 或 info；--max-warnings 应为非负整数\n');
      process.exitCode = 2;
      return;
    }
    const reports = await lintPaths(paths, sourcesDir());
    const all = reports.flatMap((r) => r.findings);
    const counts = countSeverities(all);
    const tooManyWarnings = opts.maxWarnings !== undefined && counts.warning > opts.maxWarnings;
    if (opts.json) {
      const body = reports.map(({ prepared: _prepared, ...r }) => r);
      process.stdout.write(JSON.stringify({ counts, reports: body }, null, 2) + '\n');
    } else {
      const floor = SEVERITY_RANK[opts.severity as keyof typeof SEVERITY_RANK];
      for (const f of all) {
        if (SEVERITY_RANK[f.severity] < floor) continue;
        process.stdout.write(formatFinding(f) + (f.rules?.length ? `  〔${f.rules.join(', ')}〕` : '') + '\n');
      }
      process.stdout.write(`${reports.length} 个规则文件：${counts.error} 个错误，${counts.warning} 个警告，${counts.info} 个提示。${tooManyWarnings ? `警告超过上限 ${opts.maxWarnings}。` : ''}\n`);
    }
    process.exitCode = counts.error > 0 || tooManyWarnings ? 1 : 0;
  });

program
  .command('diff')
  .description('比较同一规则集的两个版本：新增/删除的规则，门槛、金额、取值与引用的改变（旧 → 新）')
  .argument('<from>', 'rule file, or id@version')
  .argument('<to>', 'rule file, or id@version')
  .option('--rules <dir>', 'rules directory (for id@version)', 'rules')
  .option('--json', 'machine-readable diff')
  .action((from: string, to: string, opts: { rules: string; json?: boolean }) => {
    const { registry } = loadRulePaths(existsSync(opts.rules) ? [opts.rules] : [], sourcesDir());
    const a = resolveVersion(from, registry, registry.sources);
    const b = resolveVersion(to, registry, registry.sources, a.ok ? a.ruleSet.id : undefined);
    for (const r of [a, b]) {
      if (r.ok) continue;
      process.stderr.write(`错误：${r.message}\n`);
      for (const f of r.findings) process.stderr.write(formatFinding(f) + '\n');
      process.exitCode = 2;
      return;
    }
    if (!a.ok || !b.ok) return;
    if (a.ruleSet.id !== b.ruleSet.id) process.stderr.write(`注意：比较的是两个不同的规则集（${a.ruleSet.id} 与 ${b.ruleSet.id}）\n`);
    const diff = diffRuleSets(a.ruleSet.definition, b.ruleSet.definition);
    process.stdout.write(opts.json ? JSON.stringify(diff, null, 2) + '\n' : formatDiff(diff) + '\n');
    process.exitCode = 0;
  });

/** A rule set named on the command line: a file, or an id (the version in force on `asOf`, or the latest). */
function ruleSetArg(spec: string, rulesDir: string, asOf?: string): PreparedRuleSet | undefined {
  const { registry } = loadRulePaths(existsSync(rulesDir) ? [rulesDir] : [], sourcesDir());
  if (existsSync(spec)) {
    const r = resolveVersion(spec, registry, registry.sources);
    if (r.ok) return r.ruleSet;
    process.stderr.write(`错误：${r.message}\n`);
    for (const f of r.findings) process.stderr.write(formatFinding(f) + '\n');
    return undefined;
  }
  try {
    if (asOf) return registry.inForce(spec, asOf);
    const latest = registry.latest(spec);
    if (latest) return latest;
    throw new ZhiduError('RULESET_NOT_FOUND', { key: spec });
  } catch (err) {
    if (!(err instanceof ZhiduError)) throw err;
    process.stderr.write(`错误 [${err.code}]：${err.messageZh}\n`);
    return undefined;
  }
}

program
  .command('gen-population')
  .description('按规则集的输入定义生成合成人群（NDJSON，或 .csv），同一种子结果相同')
  .argument('<ruleset>', 'rule-set id, or path to a rule file')
  .requiredOption('--count <n>', 'number of records', (v) => Number.parseInt(v, 10))
  .option('--seed <n>', 'random seed', (v) => Number.parseInt(v, 10), 1)
  .option('--out <file>', 'output file (.ndjson or .csv); default stdout')
  .option('--as-of <date>', 'decision date the population is for (dates behind ages and periods cluster around their thresholds)', '2024-12-31')
  .option('--rules <dir>', 'rules directory', 'rules')
  .action(async (ruleset: string, opts: { count: number; seed: number; out?: string; asOf: string; rules: string }) => {
    if (!(opts.count >= 0) || !Number.isFinite(opts.seed)) {
      process.stderr.write('用法错误：--count 与 --seed 应为整数\n');
      process.exitCode = 2;
      return;
    }
    const rs = ruleSetArg(ruleset, opts.rules);
    if (!rs) {
      process.exitCode = 2;
      return;
    }
    await writePopulation(rs.definition, opts.count, opts.seed, opts.out, opts.asOf);
  });

const SMALL_POPULATION_BYTES = 1 << 20;

program
  .command('impact')
  .description('影响分析：在人群上比较两个版本的决定（新增/不再符合、金额升降及合计、按规则分组、示例案例）')
  .argument('<ruleset>', 'rule-set id (versions from --rules), or a rule file')
  .requiredOption('--to <version|file>', 'the new version: a version of the rule set, or a draft file')
  .option('--from <version|file>', 'the old version (default: the version in force on --as-of)')
  .option('--population <file>', 'population: .ndjson (one JSON object of facts a line) or .csv with a header')
  .option('--decisions <from..to>', 're-decide the facts of decisions recorded in this time range (from inclusive, to exclusive; either end optional)')
  .option('--database-url <url>', 'decision log on PostgreSQL (default $DATABASE_URL; otherwise PGlite in --data-dir)')
  .option('--data-dir <dir>', 'PGlite data directory (default $ZHIDU_DATA_DIR or data)')
  .option('--db-schema <name>', 'schema of the decision log (default $ZHIDU_DB_SCHEMA or zhidu)')
  .option('--as-of <date>', 'decision date for both versions (default: the new version\'s effective date, or today)')
  .option('--rules <dir>', 'rules directory', 'rules')
  .option('--concurrency <n>', 'cases per batch (each worker holds at most two batches)', (v) => Number.parseInt(v, 10), 64)
  .option('--workers <n>', 'worker threads (default: the number of CPUs, at most 8, or 1 for a file under 1 MB and for --decisions; 1 = this thread only)', (v) => Number.parseInt(v, 10))
  .option('--sample <n>', 'changed cases to show', (v) => Number.parseInt(v, 10), 3)
  .option('--json', 'machine-readable report')
  .option('--no-progress', 'no progress bar')
  .action(async (ruleset: string, opts: { to: string; from?: string; population?: string; decisions?: string; databaseUrl?: string; dataDir?: string; dbSchema?: string; asOf?: string; rules: string; concurrency: number; workers?: number; sample: number; json?: boolean; progress: boolean }) => {
    const { registry } = loadRulePaths(existsSync(opts.rules) ? [opts.rules] : [], sourcesDir());
    const base = existsSync(ruleset) ? ruleSetArg(ruleset, opts.rules) : undefined;
    const id = base?.id ?? ruleset;
    const to = resolveVersion(opts.to, registry, registry.sources, id);
    if (!to.ok) {
      process.stderr.write(`错误：${to.message}\n`);
      for (const f of to.findings) process.stderr.write(formatFinding(f) + '\n');
      process.exitCode = 2;
      return;
    }
    const asOf = opts.asOf ?? to.ruleSet.effectiveFrom ?? today();
    let from: PreparedRuleSet | undefined;
    if (opts.from) {
      const r = resolveVersion(opts.from, registry, registry.sources, id);
      if (!r.ok) {
        process.stderr.write(`错误：${r.message}\n`);
        process.exitCode = 2;
        return;
      }
      from = r.ruleSet;
    } else {
      // The version that would otherwise be in force on that date (not the draft itself).
      from = registry.inForceOther(id, asOf, to.ruleSet.hash) ?? base;
    }
    if (!from) {
      process.stderr.write(`错误：规则集 ${id} 在 ${asOf} 没有可比较的旧版本，请用 --from 指定\n`);
      process.exitCode = 2;
      return;
    }
    const range = opts.decisions !== undefined ? parseRange(opts.decisions) : undefined;
    if ((!opts.population && !range) || (opts.population && opts.decisions) || (opts.decisions !== undefined && !range)) {
      process.stderr.write('用法错误：需要 --population <file> 或 --decisions <from>..<to>（二者取一；日期为 YYYY-MM-DD）\n');
      process.exitCode = 2;
      return;
    }
    const db = range ? await connect({ databaseUrl: opts.databaseUrl ?? process.env.DATABASE_URL, dataDir: opts.dataDir ?? process.env.ZHIDU_DATA_DIR ?? 'data' }) : undefined;
    const total = opts.population ? fileSize(opts.population) : 0;
    const bar =
      opts.progress && process.stderr.isTTY
        ? new cliProgress.SingleBar({ format: total ? '影响分析 |{bar}| {percentage}% | {records} 条 | {speed} 条/秒 | 剩余约 {eta_formatted}' : '影响分析 | {records} 条 | {speed} 条/秒', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
        : undefined;
    let bytes = 0;
    const started = performance.now();
    bar?.start(total || 1, 0, { records: 0, speed: 0 });
    const records: AsyncIterable<PopulationRecord> =
      db && range ? decisionRecords(db, opts.dbSchema ?? process.env.ZHIDU_DB_SCHEMA ?? 'zhidu', { ruleset: id, ...range }) : readPopulation(opts.population as string, from, (n) => (bytes += n));
    // Starting a worker thread (loading both versions again) costs more than a small file takes on this one.
    // Recorded decisions are read page by page from one connection, which one thread keeps up with.
    const small = opts.population === undefined || total < SMALL_POPULATION_BYTES;
    const workers = Math.max(1, Math.min(8, opts.workers ?? (small ? 1 : availableParallelism())));
    const impactOptions = {
      from,
      to: to.ruleSet,
      asOf,
      concurrency: opts.concurrency,
      sampleSize: Math.max(opts.sample, 10),
      onProgress: (n: number) => {
        if (n % 1024 < opts.concurrency) bar?.update(total ? bytes : 0, { records: n, speed: Math.round(n / ((performance.now() - started) / 1000)) });
      },
    };
    const report = await (workers > 1 ? runImpactParallel(records, { ...impactOptions, workers, sourcesDir: sourcesDir() }) : runImpact(records, impactOptions)).finally(() => db?.close());
    bar?.update(total || 1, { records: report.records, speed: report.records_per_second });
    bar?.stop();
    process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatImpact(report, { sample: opts.sample }) + '\n');
  });

program
  .command('eval')
  .description('对一组事实作出决定并解释（中文）')
  .argument('<ruleset>', 'rule-set id, or path to a rule file')
  .requiredOption('--facts <file|->', 'facts as JSON (file path, or - for stdin)')
  .option('--rules <dir>', 'rules directory', 'rules')
  .option('--as-of <date>', 'decision date YYYY-MM-DD (default today)')
  .option('--json', 'print the decision as JSON')
  .option('--trace', 'show every rule and condition')
  .action(async (ruleset: string, opts: { facts: string; rules: string; asOf?: string; json?: boolean; trace?: boolean }) => {
    const isFile = ruleset.endsWith('.yaml') || ruleset.endsWith('.yml');
    const { registry, findings } = loadRulePaths([isFile ? ruleset : opts.rules], sourcesDir());
    const errors = findings.filter((f) => f.severity === 'error');
    if (isFile && errors.length > 0) {
      for (const f of errors) process.stderr.write(formatFinding(f) + '\n');
      process.exitCode = 1;
      return;
    }
    const id = isFile ? (registry.ids()[0] ?? '') : ruleset;
    const text = opts.facts === '-' ? readFileSync(0, 'utf8') : readFileSync(opts.facts, 'utf8');
    let facts: unknown;
    try {
      facts = JSON.parse(text);
    } catch (err) {
      process.stderr.write(`事实不是有效的 JSON：${(err as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    const asOf = opts.asOf ?? today();
    try {
      const rs = registry.inForce(id, asOf);
      const decision = await evaluate(rs, facts, { asOf });
      process.stdout.write(opts.json ? JSON.stringify(decision, null, 2) + '\n' : formatDecision(decision, { trace: opts.trace ?? false, frame: rs.definition.inputs.required ?? [] }) + '\n');
    } catch (err) {
      if (!(err instanceof ZhiduError)) throw err;
      if (opts.json) process.stdout.write(JSON.stringify({ code: err.code, message: err.messageZh, message_en: err.message, violations: err.violations }, null, 2) + '\n');
      else {
        process.stderr.write(`错误 [${err.code}]：${err.messageZh}\n`);
        for (const v of err.violations) process.stderr.write(`  ${v.pointer}: ${v.message}\n`);
      }
      process.exitCode = 2;
    }
  });

addLogCommand(program, sourcesDir);
addKeysCommand(program);
addGateCommand(program, sourcesDir);
addWorkerCommand(program, sourcesDir);
addJobsCommand(program);

export { program };

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]).replace(/\.ts$/, '') === resolve(join(import.meta.dirname ?? '', 'main'));
if (isMain || process.env.ZHIDU_CLI === '1') {
  await program.parseAsync(process.argv);
}
