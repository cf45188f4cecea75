import PgBoss from 'pg-boss';
import type { SqlClient } from '../store/sql-client.js';

/**
 * The job engine that carries impact chunks between processes: pg-boss 10 on
 * the server's PostgreSQL (docs/editing.md, "Impact jobs beyond one machine",
 * says why pg-boss). Its tables live in their own schema beside the server's
 * (`<schema>_boss`), so deployments (and tests) sharing a database stay apart.
 *
 * Three queues: chunks of a population; the merge of a job whose chunks are all
 * done (any process may coordinate it); and the dead letters of both, which
 * mark a job failed once a chunk has failed every retry.
 */
export const CHUNK_QUEUE = 'zhidu-impact-chunk';
export const MERGE_QUEUE = 'zhidu-impact-merge';
export const FAILED_QUEUE = 'zhidu-impact-failed';

export interface QueueSettings {
  /** Retries of a failed chunk (or merge) after its first attempt. */
  readonly retries: number;
  /** A chunk not finished in this time is failed and retried (its process died, or it hangs). */
  readonly chunkTimeoutSeconds: number;
  /** How often expired chunks are looked for (pg-boss maintenance; one process does it per interval). */
  readonly maintenanceSeconds: number;
  /** How often an idle worker asks for a chunk. */
  readonly pollSeconds: number;
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = { retries: 2, chunkTimeoutSeconds: 300, maintenanceSeconds: 30, pollSeconds: 1 };

/** The settings from the environment (the same on every server and worker: the queue keeps the last one started). */
export function queueSettings(env: NodeJS.ProcessEnv = process.env): QueueSettings {
  const num = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number ≥ ${min}, found ${JSON.stringify(raw)}`);
    return n;
  };
  const d = DEFAULT_QUEUE_SETTINGS;
  return {
    retries: Math.round(num('ZHIDU_IMPACT_RETRIES', d.retries, 0)),
    chunkTimeoutSeconds: Math.round(num('ZHIDU_IMPACT_CHUNK_TIMEOUT', d.chunkTimeoutSeconds, 1)),
    maintenanceSeconds: Math.round(num('ZHIDU_IMPACT_MAINTENANCE', d.maintenanceSeconds, 1)),
    pollSeconds: num('ZHIDU_IMPACT_POLL', d.pollSeconds, 0.5),
  };
}

export function bossSchema(schema: string): string {
  return `${schema.slice(0, 57)}_boss`;
}

export async function openQueue(db: SqlClient, databaseUrl: string, schema: string, settings: QueueSettings, onError: (err: Error) => void): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: bossSchema(schema),
    application_name: 'zhidu-impact',
    max: 4,
    schedule: false,
    maintenanceIntervalSeconds: settings.maintenanceSeconds,
    // Finished chunks are of no further use: their partials are in impact_chunk.
    archiveCompletedAfterSeconds: 3600,
  });
  boss.on('error', onError);
  await boss.start();
  const retry = { retryLimit: settings.retries, retryDelay: 1, retryBackoff: false };
  // Two processes creating the same queue at once deadlock inside pg-boss's create_queue: one at a time,
  // under a lock our own connection holds while pg-boss's connections do the work.
  await db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`zhidu-impact-queues:${schema}`]);
    await ensureQueue(boss, FAILED_QUEUE, { retryLimit: settings.retries, retryDelay: 1, expireInSeconds: 60 });
    await ensureQueue(boss, CHUNK_QUEUE, { ...retry, expireInSeconds: settings.chunkTimeoutSeconds, deadLetter: FAILED_QUEUE });
    await ensureQueue(boss, MERGE_QUEUE, { ...retry, expireInSeconds: Math.max(60, settings.chunkTimeoutSeconds), deadLetter: FAILED_QUEUE });
  });
  return boss;
}

async function ensureQueue(boss: PgBoss, name: string, options: Omit<PgBoss.Queue, 'name'>): Promise<void> {
  // create_queue does nothing when the queue exists; the update applies this process's settings.
  await boss.createQueue(name, { name, ...options });
  await boss.updateQueue(name, { name, ...options });
}
