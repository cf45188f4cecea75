import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, stopTestApp, as, EVALUATE, type TestServer } from './harness.js';

/** The example rule set plus a rule of equal priority that sets the director's subsidy differently. */
function conflictingRules(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zhidu-conflict-'));
  const text = readFileSync('test/fixtures/good/committee-subsidy.yaml', 'utf8').replace(
    '  - id: member_subsidy',
    `  - id: director_flat_rate
    title: 书记、主任补贴（另一读法）
    when:
      all:
        - { fact: role, operator: equal, value: secretary_or_director }
    then:
      monthly_subsidy: { formula: "800" }
    citation: { file: 004_44ebc9396ef4097f.txt, lines: [37, 43], clause: 第2篇 二(二) }
    reason: 按固定标准 800 元。
  - id: member_subsidy`,
  );
  writeFileSync(join(dir, 'committee-subsidy.yaml'), text);
  return dir;
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestApp({ rulesDir: conflictingRules() });
});
afterAll(async () => stopTestApp(server));

describe('facts valid but undecidable', () => {
  it('answers 422 with the conflict, and records nothing', async () => {
    expect(server.app.zhidu.ruleFindings.filter((f) => f.severity === 'error')).toEqual([]);
    const res = await server.app.inject(as('caseworker', { method: 'POST', url: EVALUATE, payload: { facts: { role: 'secretary_or_director', terms_reelected: 1 } } }));
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'OUTPUT_CONFLICT', status: 422 });
    expect(res.json().detail_en).toMatch(/monthly_subsidy/);
    const { rows } = await server.app.zhidu.log.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM "${server.app.zhidu.log.schema}".log`);
    expect(Number(rows[0]?.n)).toBe(0);
    // A member is still decided: the conflict concerns only directors.
    const ok = await server.app.inject(as('caseworker', { method: 'POST', url: EVALUATE, payload: { facts: { role: 'member', birth_date: '1980-01-01', terms_reelected: 0 } } }));
    expect(ok.statusCode).toBe(200);
  });
});
