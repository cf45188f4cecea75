import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { startTestApp, stopTestApp, as, openDb, uniqueSchema, copyRules as rulesDir, RULESET, SUBSIDY_FILES, V11, V11_TESTS, type TestServer } from './api/harness.js';
import { compileCount } from '../src/eval/compile.js';
import { loadRuleSet } from '../src/load/load-rule-set.js';
import { SourceTexts } from '../src/load/source-texts.js';

/**
 * One compile per publish: the draft the editor's route probes, the gate
 * validates, lint checks, the suite runs, the database records and the
 * registries serve is one compiled version; a second server in the process
 * that picks the version up from the database does not compile it again.
 * Counted through compileCount(), which compileRuleSet increments.
 */
const [V1] = SUBSIDY_FILES;

const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers.reverse()) await s.app.close();
});

describe('one compile per publish', () => {
  it('compiles a published draft once for the route, gate, lint, tests, registry and every server in the process', async () => {
    const dir = rulesDir();
    const env = { ZHIDU_VERSION_POLL_MS: '0', ZHIDU_DB_SCHEMA: uniqueSchema('zt_once') };
    const db = await openDb('pglite');
    const a = await startTestApp({ rulesDir: dir, env, db });
    servers.push(a);
    const b = await startTestApp({ rulesDir: dir, env, db });
    servers.push(b);

    // A text no test has loaded yet in this process (the cache would otherwise hide the count).
    const draft = V11.replace(/^title: (.*)$/m, 'title: $1（一次编译）');
    const before = compileCount();
    const res = await a.app.inject(as('editor', { method: 'POST', url: `/v1/rulesets/${RULESET}/versions`, payload: { yaml: draft, tests: V11_TESTS } }));
    expect(res.statusCode, res.body).toBe(201);
    expect(compileCount() - before).toBe(1);

    // The other server adopts it from the database: same compiled program, no new compile.
    await b.app.zhidu.live.poll();
    const onA = a.app.zhidu.registry.get(RULESET, '1.1.0');
    const onB = b.app.zhidu.registry.get(RULESET, '1.1.0');
    expect(onB?.hash).toBe(onA?.hash);
    expect(onB?.compiled).toBe(onA?.compiled);
    expect(compileCount() - before).toBe(1);

    // Publishing the same content again is a no-op, and compiles nothing.
    const again = await a.app.inject(as('editor', { method: 'POST', url: `/v1/rulesets/${RULESET}/versions`, payload: { yaml: draft, tests: V11_TESTS } }));
    expect(again.statusCode).toBe(200);
    expect(compileCount() - before).toBe(1);
    await stopTestApp(a).catch(() => undefined);
  });

  it('does not compile the same text twice, under any file label, and keeps each label', () => {
    const sources = new SourceTexts('rules/sources');
    const text = readFileSync(V1, 'utf8').replace(/^title: (.*)$/m, 'title: $1（标签）');
    const before = compileCount();
    const first = loadRuleSet('one.yaml', text, { sources });
    const second = loadRuleSet('two.yaml', text, { sources: new SourceTexts('rules/sources') });
    expect(compileCount() - before).toBe(1);
    if (!first.ok || !second.ok) throw new Error('fixture does not load');
    expect(second.ruleSet.compiled).toBe(first.ruleSet.compiled);
    expect([first.ruleSet.file, second.ruleSet.file]).toEqual(['one.yaml', 'two.yaml']);
    // Other content is another version: compiled.
    loadRuleSet('three.yaml', text.replace('（标签）', '（另一版本）'), { sources });
    expect(compileCount() - before).toBe(2);
  });
});
