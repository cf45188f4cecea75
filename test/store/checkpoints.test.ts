import { describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { DecisionLog } from '../../src/store/decision-log.js';
import { newId, pending, type DeterminationContent } from '../../src/store/log-record.js';
import { Checkpointer } from '../../src/store/checkpointer.js';
import { keyIdOf, loadOrCreateSigningKey, type SigningKey } from '../../src/store/checkpoint-key.js';
import { readCheckpoints } from '../../src/store/checkpoint-file.js';
import { trustedCheckpoints } from '../../src/store/checkpoint-check.js';
import { signCheckpoint, type Checkpoint } from '../../src/store/checkpoint-record.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import { BACKENDS, openDb, uniqueSchema } from '../api/harness.js';
import { rewriteAndRechain } from './tamper.js';

function determination(subject: string, n: number): DeterminationContent {
  return { kind: 'determination', id: newId(), time: new Date(Date.UTC(2024, 0, 1, 0, 0, n)).toISOString(), caller: `tester-${n}`, decision_id: subject, agree: true, reason: null, supersedes: null };
}

interface Logged {
  readonly db: SqlClient;
  readonly log: DecisionLog;
  readonly s: string;
  readonly key: SigningKey;
  readonly file: string;
  /** The checkpoints of the file, signatures checked. */
  readonly trusted: () => Checkpoint[];
}

/** 25 records appended one by one under a checkpointer signing every 10: checkpoints at 10, 20 and (closing) 25. */
async function logged(backend: 'pglite' | 'postgres'): Promise<Logged> {
  const dir = mkdtempSync(join(tmpdir(), 'zhidu-ckpt-'));
  const schema = uniqueSchema('zc');
  const db = await openDb(backend);
  const log = await DecisionLog.open(db, schema);
  const { key } = loadOrCreateSigningKey(join(dir, 'log-signing-key.pem'));
  const file = join(dir, 'checkpoints.jsonl');
  let written = (_c: Checkpoint) => {};
  const checkpointer = await Checkpointer.start(log, file, key, { every: 10, intervalMs: 0, onWritten: (c) => written(c) });
  const subject = newId();
  for (let i = 1; i <= 25; i++) {
    // Waiting on the count's checkpoint before going on keeps the signed sequence numbers exact.
    const signed = i % 10 === 0 ? new Promise<Checkpoint>((resolve) => (written = resolve)) : null;
    await log.append(pending(determination(subject, i)));
    if (signed) expect((await signed).seq).toBe(i);
  }
  await checkpointer.close();
  const trusted = () => {
    const { entries, unreadable } = readCheckpoints(file);
    const t = trustedCheckpoints(entries, unreadable, key.publicKey, schema);
    expect(t.problems).toEqual([]);
    return t.trusted;
  };
  return { db, log, s: `"${schema}"`, key, file, trusted };
}

async function drop(l: Logged): Promise<void> {
  if (l.db.kind === 'postgres') await l.db.query(`DROP SCHEMA IF EXISTS ${l.s} CASCADE`);
  await l.db.close();
}

describe.each(BACKENDS)('signed checkpoints of the decision log on %s', (backend) => {
  it('(c) an untouched log holds to every checkpoint', async () => {
    const l = await logged(backend);
    try {
      const cps = l.trusted();
      expect(cps.map((c) => c.seq)).toEqual([10, 20, 25]);
      const result = await l.log.verify({ checkpoints: cps });
      expect(result).toMatchObject({ ok: true, records: 25, checkpoints: { held: 3, latest: { seq: 25 } } });
      if (result.ok) expect(cps[2]?.head).toBe(result.head.hash);
    } finally {
      await drop(l);
    }
  }, 120_000);

  it('(a) a record edited and the chain recomputed in SQL verifies clean alone, and is LOG_REWRITTEN against the checkpoints', async () => {
    const l = await logged(backend);
    try {
      const cps = l.trusted();
      const before = (await l.db.query<{ hash: string }>(`SELECT hash FROM ${l.s}.log WHERE seq = 20`)).rows[0]?.hash;
      await rewriteAndRechain(l.db, l.s, 15, 'tester-', 'mallory-');
      const after = (await l.db.query<{ hash: string; caller: string }>(`SELECT hash, caller FROM ${l.s}.log WHERE seq = 20`)).rows[0];
      expect(after?.hash).not.toBe(before);
      // The attack of issue #15 item 9: the chain alone cannot tell.
      expect(await l.log.verify()).toMatchObject({ ok: true, records: 25 });
      const result = await l.log.verify({ checkpoints: cps });
      expect(result).toMatchObject({
        ok: false,
        broken: { seq: 20, problem: { code: 'LOG_REWRITTEN', params: { key: 20, expected: before, found: after?.hash, detail: '11–20' } } },
        checkpoints: { held: 1, latest: { seq: 10 } },
      });
      if (!result.ok) expect(result.broken.reason).toMatch(/record 20.*among 11–20 was changed/);
    } finally {
      await drop(l);
    }
  }, 120_000);

  it('(b) the tail deleted and the head moved back verifies clean alone, and is LOG_TRUNCATED against the checkpoints', async () => {
    const l = await logged(backend);
    try {
      const cps = l.trusted();
      await l.db.query(`ALTER TABLE ${l.s}.log DISABLE TRIGGER USER`);
      await l.db.query(`DELETE FROM ${l.s}.log WHERE seq > 18`);
      await l.db.query(`UPDATE ${l.s}.chain_head SET seq = 18, hash = (SELECT hash FROM ${l.s}.log WHERE seq = 18) WHERE one`);
      expect(await l.log.verify()).toMatchObject({ ok: true, records: 18 });
      const result = await l.log.verify({ checkpoints: cps });
      expect(result).toMatchObject({
        ok: false,
        records: 18,
        broken: { seq: 19, problem: { code: 'LOG_TRUNCATED', params: { key: 25, expected: cps[2]?.head, found: 18, detail: '19–25' } } },
        checkpoints: { held: 1, latest: { seq: 10 } },
      });
    } finally {
      await drop(l);
    }
  }, 120_000);
});

describe('checkpoints file', () => {
  it('(d) reports a checkpoint whose signed fields changed, one signed by another key, and a line that is not a checkpoint; only the rest are trusted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhidu-ckpt-'));
    const { key } = loadOrCreateSigningKey(join(dir, 'k.pem'));
    const other = loadOrCreateSigningKey(join(dir, 'other.pem')).key;
    const head = (n: number) => n.toString(16).padStart(64, '0');
    const good = signCheckpoint(key, { schema: 'zhidu', seq: 10, head: head(10), time: new Date() });
    const moved = { ...signCheckpoint(key, { schema: 'zhidu', seq: 20, head: head(20), time: new Date() }), head: head(21) };
    const foreign = signCheckpoint(other, { schema: 'zhidu', seq: 30, head: head(30), time: new Date() });
    const elsewhere = signCheckpoint(other, { schema: 'another', seq: 5, head: head(5), time: new Date() });
    const file = join(dir, 'checkpoints.jsonl');
    writeFileSync(file, [good, moved, foreign, elsewhere].map((c) => JSON.stringify(c)).join('\n') + '\n{"seq":\n');
    const { entries, unreadable } = readCheckpoints(file);
    const t = trustedCheckpoints(entries, unreadable, key.publicKey, 'zhidu');
    expect(t.trusted).toEqual([good]);
    expect(t.otherSchemas).toBe(1);
    expect(t.problems).toEqual([
      { code: 'CHECKPOINT_INVALID', line: 5, params: expect.objectContaining({ key: 5 }) },
      { code: 'CHECKPOINT_SIGNATURE', line: 2, params: { key: 2, found: 20, expected: keyIdOf(key.publicKey), detail: key.keyId } },
      { code: 'CHECKPOINT_SIGNATURE', line: 3, params: { key: 3, found: 30, expected: keyIdOf(key.publicKey), detail: other.keyId } },
    ]);
  });

  it('creates the signing key once, mode 0600, and reads the same key back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhidu-ckpt-'));
    const path = join(dir, 'keys', 'log-signing-key.pem');
    const first = loadOrCreateSigningKey(path);
    expect(first.created).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = loadOrCreateSigningKey(path);
    expect(again.created).toBe(false);
    expect(again.key.keyId).toBe(first.key.keyId);
    const rsa = join(dir, 'rsa.pem');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(() => loadOrCreateSigningKey(rsa)).toThrow(/must be an Ed25519 private key, found rsa/);
  });

  it('checkpoints on time as well as by count, and not again while nothing was appended', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhidu-ckpt-'));
    const db = await openDb('pglite');
    const log = await DecisionLog.open(db, uniqueSchema('zc'));
    const { key } = loadOrCreateSigningKey(join(dir, 'k.pem'));
    const file = join(dir, 'checkpoints.jsonl');
    const written: Checkpoint[] = [];
    let onWritten = (_c: Checkpoint) => {};
    const checkpointer = await Checkpointer.start(log, file, key, { every: 1000, intervalMs: 20, onWritten: (c) => (written.push(c), onWritten(c)) });
    try {
      const first = new Promise<Checkpoint>((resolve) => (onWritten = resolve));
      const ref = await log.append(pending(determination(newId(), 1)));
      expect(await first).toMatchObject({ seq: ref.seq, head: ref.hash });
      const second = new Promise<Checkpoint>((resolve) => (onWritten = resolve));
      const ref2 = await log.append(pending(determination(newId(), 2)));
      expect(await second).toMatchObject({ seq: ref2.seq });
    } finally {
      await checkpointer.close();
      await db.close();
    }
    // One per head: ticks with nothing new and the close wrote nothing more.
    expect(written.map((c) => c.seq)).toEqual([1, 2]);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
  }, 60_000);

  it('takes whole lines from two processes appending to one file at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhidu-ckpt-'));
    const keyFile = join(dir, 'k.pem');
    const file = join(dir, 'checkpoints.jsonl');
    appendFileSync(file, '');
    const n = 300;
    // Each process signs n checkpoints of its own and appends them through CheckpointFile.
    const script = `
      import { CheckpointFile } from './src/store/checkpoint-file.ts';
      import { loadOrCreateSigningKey } from './src/store/checkpoint-key.ts';
      import { signCheckpoint } from './src/store/checkpoint-record.ts';
      const { key } = loadOrCreateSigningKey(${JSON.stringify(keyFile)});
      const f = await CheckpointFile.open(${JSON.stringify(file)});
      const who = process.argv[1];
      await Promise.all(Array.from({ length: ${n} }, (_, i) => f.append(signCheckpoint(key, { schema: who, seq: i + 1, head: String(i).padStart(64, '0'), time: new Date() }))));
      await f.close();
    `;
    const runOne = (who: string) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, who], { stdio: ['ignore', 'inherit', 'inherit'] });
        child.on('exit', resolve);
      });
    expect(await Promise.all([runOne('a'), runOne('b')])).toEqual([0, 0]);
    const { key } = loadOrCreateSigningKey(keyFile);
    const { entries, unreadable } = readCheckpoints(file);
    expect(unreadable).toEqual([]);
    for (const who of ['a', 'b']) {
      const t = trustedCheckpoints(entries, [], key.publicKey, who);
      expect(t.problems).toEqual([]);
      expect(new Set(t.trusted.map((c) => c.seq)).size).toBe(n);
    }
  }, 120_000);
});
