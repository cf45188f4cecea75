import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect, type SqlClient } from '../../src/store/sql-client.js';
import { DecisionLog } from '../../src/store/decision-log.js';
import { createHash } from 'node:crypto';
import { pending, newId, canonicalText, linkHash, decisionContent, type DecisionContent, type DeterminationContent } from '../../src/store/log-record.js';
import { loadRulePaths } from '../../src/index.js';
import { evaluateCompact, explain } from '../../src/eval/evaluate.js';
import { rederive, type VersionLookup } from '../../src/store/rederive.js';
import type { Decision } from '../../src/generated/decision.js';
import { canonicalJson } from '../../src/load/canonical-json.js';
import { BACKENDS, uniqueSchema } from './harness.js';

const run = promisify(execFile);

/** A hundred settlement decisions from the rule set's own test cases, of every outcome. */
async function decisions(): Promise<Array<{ decision: Decision; codes: Uint8Array }>> {
  const { registry } = loadRulePaths(['rules/hukou-settlement.yaml'], 'rules/sources');
  const { parse } = await import('yaml');
  const suite = parse((await import('node:fs')).readFileSync('rules/hukou-settlement.test.yaml', 'utf8')) as { cases: Array<{ facts: unknown; as_of?: string }> };
  const out: Array<{ decision: Decision; codes: Uint8Array }> = [];
  for (const c of suite.cases) {
    const asOf = c.as_of ?? '2024-01-01';
    try {
      const rs = registry.inForce('hukou-settlement', asOf);
      const compact = evaluateCompact(rs, c.facts, { asOf });
      out.push({ decision: explain(rs, compact), codes: compact.codes });
    } catch {
      // an error case: nothing to record
    }
  }
  return out;
}

function determination(decisionId: string, n: number): DeterminationContent {
  return { kind: 'determination', id: newId(), time: new Date(Date.UTC(2024, 0, 1, 0, 0, n)).toISOString(), caller: `tester-${n}`, decision_id: decisionId, agree: n % 2 === 0, reason: n % 2 === 0 ? null : `理由 ${n}`, supersedes: null };
}

async function openLog(backend: 'pglite' | 'postgres', dataDir: string, schema: string): Promise<{ db: SqlClient; log: DecisionLog }> {
  const db = await connect(backend === 'postgres' ? { databaseUrl: process.env.DATABASE_URL, poolSize: 4 } : { dataDir });
  return { db, log: await DecisionLog.open(db, schema) };
}

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, ['bin/zhidu.js', ...args], { env: { ...process.env, DATABASE_URL: '', ...env } });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe.each(BACKENDS)('the decision log on %s', (backend) => {
  const cliEnv = (dataDir: string, schema: string): Record<string, string> =>
    backend === 'postgres' ? { DATABASE_URL: process.env.DATABASE_URL as string, ZHIDU_DB_SCHEMA: schema } : { ZHIDU_DATA_DIR: dataDir, ZHIDU_DB_SCHEMA: schema };

  it('chains concurrent appends, refuses updates, and `zhidu log verify` finds a record edited by hand', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zhidu-log-'));
    const schema = uniqueSchema('zl');
    const { db, log } = await openLog(backend, dataDir, schema);
    const s = `"${schema}"`;
    try {
      const subject = newId();
      const refs = await Promise.all(Array.from({ length: 40 }, (_, i) => log.append(pending(determination(subject, i)))));
      expect(new Set(refs.map((r) => r.seq)).size).toBe(40);
      expect(await log.verify()).toMatchObject({ ok: true, records: 40 });

      // The table itself refuses edits and deletions.
      await expect(db.query(`UPDATE ${s}.log SET caller = 'mallory' WHERE seq = 7`)).rejects.toThrow(/append-only/);
      await expect(db.query(`DELETE FROM ${s}.log WHERE seq = 7`)).rejects.toThrow(/append-only/);
      await db.close();

      // Someone with the database's owner rights edits record 8's reason by hand, around the trigger.
      const again = await openLog(backend, dataDir, schema);
      await again.db.query(`ALTER TABLE ${s}.log DISABLE TRIGGER USER`);
      const row = (await again.db.query<{ content: string }>(`SELECT content FROM ${s}.log WHERE seq = 8`)).rows[0] as { content: string };
      expect(row.content).toContain('理由 7');
      await again.db.query(`UPDATE ${s}.log SET content = $1 WHERE seq = 8`, [row.content.replace('理由 7', '同意')]);
      await again.db.close();

      const broken = await cli(['log', 'verify'], cliEnv(dataDir, schema));
      expect(broken.code).toBe(1);
      expect(broken.out).toMatch(/第 8 条记录/);
      expect(broken.out).toMatch(/content does not match its hash/);
    } finally {
      if (backend === 'postgres') {
        const c = await connect({ databaseUrl: process.env.DATABASE_URL, poolSize: 1 });
        await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
        await c.close();
      }
    }
  }, 180_000);

  it('stores the compact record, re-derives each explanation on verify, and names a record rewritten with its chain recomputed', async () => {
    const schema = uniqueSchema('zl');
    const db = backend === 'postgres' ? await connect({ databaseUrl: process.env.DATABASE_URL, poolSize: 2 }) : await connect({ memory: true });
    const log = await DecisionLog.open(db, schema);
    const s = `"${schema}"`;
    try {
      const { registry } = loadRulePaths(['rules/hukou-settlement.yaml'], 'rules/sources');
      const lookup: VersionLookup = (id, version, hash) => {
        const rs = registry.get(id, version);
        return rs?.hash === hash ? rs : undefined;
      };
      const checkDecision = (c: DecisionContent) => {
        const r = rederive(c, lookup);
        return r.ok ? null : r.reason;
      };
      const decided = await decisions();
      const records = decided.map(({ decision, codes }) => log.prepareDecision(decisionContent(newId(), new Date().toISOString(), 'tester', decision.facts.inputs, decision, codes)));
      await Promise.all(records.map((r) => log.append(r)));
      for (const [i, r] of records.entries()) {
        const back = await log.getDecision(r.content.id);
        expect(canonicalJson(back?.content)).toBe(canonicalJson(r.content));
        const again = rederive(back?.content as DecisionContent, lookup);
        expect(again.ok && canonicalJson(again.decision)).toBe(canonicalJson(decided[i]?.decision));
      }
      const sizes = await db.query<{ biggest: string | number }>(`SELECT max(length(content)) AS biggest FROM ${s}.log`);
      expect(Number(sizes.rows[0]?.biggest)).toBeLessThan(3 * 1024);
      expect(await log.verify({ checkDecision })).toMatchObject({ ok: true, records: records.length });

      // Someone with the owner's rights rewrites record 2's outcome and recomputes the whole chain after it:
      // the chain verifies, the re-derived decision does not.
      await db.query(`ALTER TABLE ${s}.log DISABLE TRIGGER USER`);
      const rows = (await db.query<{ seq: string | number; content: string }>(`SELECT seq, content FROM ${s}.log ORDER BY seq`)).rows;
      let prev = '0'.repeat(64);
      for (const row of rows) {
        let text = row.content;
        if (Number(row.seq) === 2) {
          const c = JSON.parse(text) as DecisionContent;
          text = canonicalText({ ...c, digest: createHash('sha256').update('forged').digest('hex') });
        }
        const hash = linkHash(prev, text);
        await db.query(`UPDATE ${s}.log SET content = $2, prev_hash = $3, hash = $4 WHERE seq = $1`, [row.seq, text, prev, hash]);
        prev = hash;
      }
      await db.query(`UPDATE ${s}.chain_head SET hash = $1`, [prev]);
      expect(await log.verify()).toMatchObject({ ok: true });
      expect(await log.verify({ checkDecision })).toMatchObject({ ok: false, broken: { seq: 2, reason: 'explanation does not match its digest' } });
    } finally {
      if (backend === 'postgres') await db.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await db.close();
    }
  }, 120_000);

  it.each([
    ['a filter column changed (content untouched)', (s: string) => `UPDATE ${s}.log SET caller = 'mallory' WHERE seq = 3`, 3, /column caller/],
    ['a record deleted from the middle', (s: string) => `DELETE FROM ${s}.log WHERE seq = 4`, 4, /missing/],
    ['the last record deleted', (s: string) => `DELETE FROM ${s}.log WHERE seq = 6`, 6, /chain head/],
    ['an edit whose own hash was recomputed', (s: string) => `UPDATE ${s}.log SET content = replace(content, '理由 1', '理由 X'), hash = encode(sha256(convert_to(prev_hash || E'\\n' || replace(content, '理由 1', '理由 X'), 'UTF8')), 'hex') WHERE seq = 2`, 3, /prev_hash/],
  ])('finds %s', async (_name, tamper, seq, reason) => {
    const schema = uniqueSchema('zl');
    const db = backend === 'postgres' ? await connect({ databaseUrl: process.env.DATABASE_URL, poolSize: 2 }) : await connect({ memory: true });
    const log = await DecisionLog.open(db, schema);
    const s = `"${schema}"`;
    try {
      const subject = newId();
      for (let i = 0; i < 6; i++) await log.append(pending(determination(subject, i)));
      await db.query(`ALTER TABLE ${s}.log DISABLE TRIGGER USER`);
      await db.query(tamper(s));
      const result = await log.verify();
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.broken.seq).toBe(seq);
        expect(result.broken.reason).toMatch(reason);
      }
    } finally {
      if (backend === 'postgres') await db.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await db.close();
    }
  }, 120_000);
});

describe('record text', () => {
  it.each([
    [{ b: 1, a: [1, { d: undefined, c: 'x' }], e: null, f: '引号"\n' }],
    [{ n: 1e21, m: -0, t: true, arr: [undefined, null] }],
    [[]],
    ['plain'],
  ])('is the canonical JSON of the content (%j)', (value) => {
    expect(canonicalText(value)).toBe(canonicalJson(value));
  });

  it('chains: sha256 of the previous hash, a newline and the text', () => {
    expect(linkHash('0'.repeat(64), '{}')).toBe(createHash('sha256').update(`${'0'.repeat(64)}\n{}`).digest('hex'));
  });
});
