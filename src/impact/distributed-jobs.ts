import { randomUUID } from 'node:crypto';
import type PgBoss from 'pg-boss';
import type { ImpactJob } from '../generated/impact-job.js';
import type { SqlClient } from '../store/sql-client.js';
import type { SourceTexts } from '../load/source-texts.js';
import { JobStore, type NewJob } from './job-store.js';
import { ChunkStore } from './chunk-store.js';
import { CHUNK_QUEUE, openQueue, type QueueSettings } from './chunk-queue.js';
import { ChunkWorker } from './chunk-worker.js';
import { CHUNK_RECORDS, planChunks } from './job-chunks.js';
import type { ImpactJobs } from './job-runner.js';

/**
 * Impact jobs on PostgreSQL: a submitted job is split into chunks, each a job
 * of the queue, taken by whichever worker process (on any machine sharing the
 * database) asks first (chunk-worker.ts). A cancel withdraws the chunks not
 * yet started and is read by the running ones with their next heartbeat.
 */
const TERMINAL = new Set(['done', 'failed', 'cancelled']);

export class DistributedJobs implements ImpactJobs {
  constructor(
    readonly store: JobStore,
    private readonly chunks: ChunkStore,
    private readonly boss: PgBoss,
    private readonly options: { readonly chunkRecords?: number; readonly onClose?: () => Promise<void> } = {},
  ) {}

  async submit(job: NewJob): Promise<ImpactJob> {
    const ranges = planChunks(job.spec.population, this.options.chunkRecords ?? CHUNK_RECORDS);
    const created = await this.store.create(job, ranges.length);
    const ids = ranges.map(() => randomUUID());
    try {
      await this.chunks.create(created.id, ranges, ids);
      await this.boss.insert(ranges.map((_, chunk) => ({ id: ids[chunk] as string, name: CHUNK_QUEUE, data: { job: created.id, chunk } })));
    } catch (err) {
      await this.store.end(created.id, 'failed', `影响分析任务未能排入队列：${(err as Error).message}`);
      throw err;
    }
    return created;
  }

  async cancel(id: string): Promise<boolean> {
    if (!(await this.store.requestCancel(id))) return false;
    // Cancelled now: the chunks still running see it at their next heartbeat and stop; none is merged.
    await this.store.end(id, 'cancelled', null);
    const open = await this.chunks.openQueueIds(id);
    if (open.length > 0) await this.boss.cancel(CHUNK_QUEUE, open);
    return true;
  }

  /** Follows the job in the database (any process may finish it), at the pace of its heartbeat. */
  async settled(id: string): Promise<void> {
    for (;;) {
      const job = await this.store.get(id);
      if (!job || TERMINAL.has(job.status)) return;
      await new Promise<void>((resolve) => setTimeout(resolve, 200));
    }
  }

  async close(): Promise<void> {
    await this.options.onClose?.();
  }
}

export interface DistributedOptions {
  readonly databaseUrl: string;
  readonly schema: string;
  readonly sources: SourceTexts;
  readonly settings: QueueSettings;
  /** Also take chunks in this process (a server alone still runs its jobs). */
  readonly worker: boolean;
  readonly chunkRecords?: number;
  readonly onError: (err: Error) => void;
}

/** The job tables and the queue, as every process taking part opens them (server or `zhidu worker`). */
export async function openChunkWork(db: SqlClient, o: Omit<DistributedOptions, 'worker' | 'chunkRecords'>): Promise<{ store: JobStore; chunks: ChunkStore; boss: PgBoss }> {
  const store = await JobStore.open(db, o.schema);
  const chunks = await ChunkStore.open(db, o.schema);
  const boss = await openQueue(db, o.databaseUrl, o.schema, o.settings, o.onError);
  return { store, chunks, boss };
}

/** Stop taking chunks (one in hand goes back to the queue), then leave the queue. */
export async function stopChunkWork(boss: PgBoss, worker?: ChunkWorker, boundMs = 5_000): Promise<void> {
  // pg-boss waits on its own pool, whose queries have no timeout: against a stalled database its
  // stop never returns and the server's shutdown would time out. A chunk left unfinished is not
  // lost — its queue entry expires and another process retries it — so shutdown gives up waiting.
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, boundMs);
    timer.unref();
  });
  try {
    await Promise.race([
      (async () => {
        await worker?.stop();
        await boss.stop({ graceful: true, wait: true, timeout: boundMs });
      })(),
      bound,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function openDistributedJobs(db: SqlClient, o: DistributedOptions): Promise<DistributedJobs> {
  const { store, chunks, boss } = await openChunkWork(db, o);
  const worker = o.worker ? new ChunkWorker(boss, store, chunks, o.sources, { pollSeconds: o.settings.pollSeconds }) : undefined;
  await worker?.start();
  return new DistributedJobs(store, chunks, boss, { ...(o.chunkRecords ? { chunkRecords: o.chunkRecords } : {}), onClose: () => stopChunkWork(boss, worker) });
}
