import { describe, it, expect } from 'vitest';
import { mkdtempSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { startTestApp, as, uniqueSchema, EVALUATE } from './api/harness.js';
import { connect } from '../src/store/sql-client.js';
import { parseRange } from '../src/impact/decision-records.js';

describe('zhidu impact --decisions (re-deciding recorded facts)', () => {
  it.each([
    ['2025-01-01..2025-07-01', { from: '2025-01-01', to: '2025-07-01' }],
    ['..2025-07-01', { to: '2025-07-01' }],
    ['2025-01-01..', { from: '2025-01-01' }],
    ['2025-01-01', undefined],
  ])('parses the range %s', (text, range) => expect(parseRange(text)).toEqual(range));

  it('reads the facts of recorded decisions from the log and compares the versions on each decision’s date', async () => {
    const rules = mkdtempSync(join(tmpdir(), 'zhidu-rules-'));
    copyFileSync('test/fixtures/good/committee-subsidy.yaml', join(rules, 'committee-subsidy.yaml'));
    const data = mkdtempSync(join(tmpdir(), 'zhidu-data-'));
    const schema = uniqueSchema('zt_dec');
    const db = await connect({ dataDir: data });
    const server = await startTestApp({ rulesDir: rules, db, env: { ZHIDU_DB_SCHEMA: schema, ZHIDU_VERSION_POLL_MS: '0' } });
    const people = [
      { role: 'secretary_or_director', terms_reelected: 0 },
      { role: 'deputy_director', terms_reelected: 0 },
      { role: 'member', terms_reelected: 0, birth_date: '1958-01-01' },
    ];
    for (const facts of people) {
      const res = await server.app.inject(as('caseworker', { method: 'POST', url: EVALUATE, payload: { facts, as_of: '2025-03-01' } }));
      expect(res.statusCode).toBe(200);
    }
    await server.app.close();
    const run = spawnSync(
      process.execPath,
      ['bin/zhidu.js', 'impact', 'committee-subsidy-example', '--rules', rules, '--from', '1.0.0', '--to', 'test/fixtures/versions/committee-subsidy-v1.1.yaml', '--decisions', '2000-01-01..', '--data-dir', data, '--db-schema', schema, '--json'],
      { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } },
    );
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ records: 3, changed: 3, outcome: { newly_eligible: 1, no_longer_eligible: 1 } });
    expect(report.amounts[0].total_change).toBe('200');
  }, 300_000);
});
