import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { DecisionLog } from '../../src/store/decision-log.js';
import { migrate } from '../../src/store/migrations.js';
import { rederive, type VersionLookup } from '../../src/store/rederive.js';
import type { DecisionContent } from '../../src/store/log-record.js';
import { EXPLANATION_FORMAT } from '../../src/store/compact-record.js';
import { loadRulePaths } from '../../src/load/registry.js';
import { BACKENDS, openDb, uniqueSchema } from '../api/harness.js';

/** Rows written by the delta-encoding log (migrations 1-3), frozen with the rule texts they were decided under. */
const FIXTURE = 'test/fixtures/log-delta-v3';
const fixture = JSON.parse(readFileSync(`${FIXTURE}/log.json`, 'utf8')) as {
  migration: number;
  log: Array<Record<string, unknown>>;
  delta_base: Array<{ hash: string; content: string }>;
  chain_head: { seq: number; hash: string };
};
const COLUMNS = ['seq', 'id', 'kind', 'subject', 'recorded_at', 'caller', 'ruleset_id', 'ruleset_version', 'as_of', 'status', 'outcome', 'content', 'prev_hash', 'hash'];

describe.each(BACKENDS)('migration 5 on %s: delta-encoded records become compact records', (backend) => {
  it('converts every record of the old format, rehashes the chain, and each explanation re-derives to its digest', async () => {
    const db = await openDb(backend);
    const schema = uniqueSchema('zm');
    const s = `"${schema}"`;
    try {
      expect(await migrate(db, schema, fixture.migration)).toBe(3);
      for (const b of fixture.delta_base) await db.query(`INSERT INTO ${s}.delta_base (hash, content) VALUES ($1, $2)`, [b.hash, b.content]);
      for (const row of fixture.log) await db.query(`INSERT INTO ${s}.log (${COLUMNS.join(',')}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(',')})`, COLUMNS.map((c) => row[c] ?? null));
      await db.query(`UPDATE ${s}.chain_head SET seq = $1, hash = $2`, [fixture.chain_head.seq, fixture.chain_head.hash]);
      const old = (await db.query<{ content: string }>(`SELECT content FROM ${s}.log WHERE kind = 'decision' ORDER BY seq LIMIT 1`)).rows[0]?.content ?? '';
      expect(old).toContain('zhidu-delta/1');

      const log = await DecisionLog.open(db, schema);
      const { registry } = loadRulePaths([`${FIXTURE}/rules`], 'rules/sources');
      const lookup: VersionLookup = (id, version, hash) => {
        const rs = registry.get(id, version);
        return rs?.hash === hash ? rs : undefined;
      };
      const result = await log.verify({ checkDecision: (c) => ((r) => (r.ok ? null : r.reason))(rederive(c, lookup)) });
      expect(result).toMatchObject({ ok: true, records: fixture.log.length });

      let decisions = 0;
      for (const row of fixture.log.filter((r) => r.kind === 'decision')) {
        const found = await log.getDecision(row.id as string);
        const c = found?.content as DecisionContent;
        expect(c.format).toBe(1);
        expect(c).not.toHaveProperty('explanation');
        const r = rederive(c, lookup);
        expect(r.ok, (r as { reason?: string }).reason).toBe(true);
        if (r.ok) {
          // Recorded before grounds: checked on its value (status, outputs, codes), its digest of an older explain().
          expect(r.format).toEqual({ recorded: 1, current: EXPLANATION_FORMAT });
          expect(r.decision.outcome.value).toEqual((JSON.parse(row.content as string) as DecisionContent).outcome.value);
        }
        decisions += 1;
      }
      expect(decisions).toBeGreaterThan(20);
      expect(await log.determinations(fixture.log.find((r) => r.kind === 'decision')?.id as string)).toHaveLength(1);
      const rechained = (await db.query<{ old_head: string; new_head: string; records: string | number }>(`SELECT old_head, new_head, records FROM ${s}.log_rechained`)).rows;
      expect(rechained).toHaveLength(1);
      expect(rechained[0]).toMatchObject({ old_head: fixture.chain_head.hash, new_head: result.ok ? result.head.hash : '' });
      expect((await db.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [`${s}.delta_base`])).rows[0]?.t).toBeNull();
      // Still append-only after the migration's own rewrite.
      await expect(db.query(`UPDATE ${s}.log SET caller = 'x' WHERE seq = 1`)).rejects.toThrow(/append-only/);
    } finally {
      if (backend === 'postgres') await db.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await db.close();
    }
  }, 180_000);
});
