import { describe, expect, it } from 'vitest';
import { DecisionLog } from '../../src/store/decision-log.js';
import { newId, pending, type DeterminationContent } from '../../src/store/log-record.js';
import { BACKENDS, openDb, uniqueSchema } from '../api/harness.js';
import { migrate, MIGRATIONS } from '../../src/store/migrations.js';
import type { SqlClient } from '../../src/store/sql-client.js';

function determination(time: string, n: number): DeterminationContent {
  return { kind: 'determination', id: newId(), time, caller: `tester-${n}`, decision_id: 'd', agree: true, reason: null, supersedes: null };
}

async function partitions(db: SqlClient, schema: string): Promise<Array<[string, number]>> {
  const rows = (await db.query<{ part: string; n: string | number }>(`SELECT tableoid::regclass::text AS part, count(*) AS n FROM "${schema}".log GROUP BY 1 ORDER BY 1`)).rows;
  return rows.map((r) => [r.part.replace(`"${schema}".`, '').replace(`${schema}.`, ''), Number(r.n)]);
}

describe.each(BACKENDS)('the decision log partitioned by month on %s', (backend) => {
  it('puts the records of each month in its own partition, reads them back, and verifies the chain across them', async () => {
    const db = await openDb(backend);
    const schema = uniqueSchema('zp');
    const s = `"${schema}"`;
    try {
      const log = await DecisionLog.open(db, schema);
      const times = ['2026-01-31T23:59:59.999Z', '2026-02-01T00:00:00.000Z', '2026-01-15T08:00:00.000Z', '2026-05-31T23:00:00.000Z'];
      // The one-statement append, and the multi-statement one (a record with a precondition).
      await Promise.all(times.slice(0, 2).map((t, i) => log.append(pending(determination(t, i)))));
      for (const [i, t] of times.slice(2).entries()) await log.append(pending(determination(t, i + 2)), async () => {});
      expect(await partitions(db, schema)).toEqual([
        ['log_2026_01', 2],
        ['log_2026_02', 1],
        ['log_2026_05', 1],
      ]);
      const kind = (await db.query<{ k: string }>(`SELECT relkind::text AS k FROM pg_class WHERE oid = to_regclass($1)`, [`${s}.log`])).rows[0]?.k;
      expect(kind).toBe('p');
      expect(await log.verify()).toMatchObject({ ok: true, records: 4 });
      expect((await log.determinations('d')).map((d) => d.caller)).toEqual(['tester-0', 'tester-1', 'tester-2', 'tester-3']);
      // Still append-only through the partitioned table and on a partition itself.
      await expect(db.query(`UPDATE ${s}.log SET caller = 'x' WHERE seq = 1`)).rejects.toThrow(/append-only/);
      await expect(db.query(`DELETE FROM ${s}.log_2026_02`)).rejects.toThrow(/append-only/);
    } finally {
      if (backend === 'postgres') await db.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await db.close();
    }
  }, 120_000);

  it('converts a log of the previous schema: its rows move into their months and the chain still verifies', async () => {
    const db = await openDb(backend);
    const schema = uniqueSchema('zp');
    const s = `"${schema}"`;
    try {
      await migrate(db, schema, MIGRATIONS.length - 1);
      const contents = ['2025-11-30T23:59:59.000Z', '2025-12-01T00:00:00.000Z', '2025-12-24T10:00:00.000Z'].map((t, i) => pending(determination(t, i)));
      await db.query(
        `SELECT * FROM ${s}.append_records($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])`,
        [contents.map((c) => c.content.id), contents.map(() => 'determination'), contents.map(() => 'd'), contents.map((c) => c.content.time), contents.map((c) => c.content.caller), ...Array.from({ length: 5 }, () => contents.map(() => null)), contents.map((c) => c.text)],
      );
      const log = await DecisionLog.open(db, schema);
      expect(await partitions(db, schema)).toEqual([
        ['log_2025_11', 1],
        ['log_2025_12', 2],
      ]);
      expect(await log.verify()).toMatchObject({ ok: true, records: 3 });
      await log.append(pending(determination('2026-03-01T00:00:00.000Z', 3)));
      expect(await log.verify()).toMatchObject({ ok: true, records: 4 });
    } finally {
      if (backend === 'postgres') await db.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await db.close();
    }
  }, 120_000);
});
