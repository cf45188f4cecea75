import type { Command } from 'commander';
import { SourceTexts } from '../load/source-texts.js';
import { connect } from '../store/sql-client.js';
import { queueSettings } from '../impact/chunk-queue.js';
import { ChunkWorker } from '../impact/chunk-worker.js';
import { openChunkWork, stopChunkWork } from '../impact/distributed-jobs.js';

/**
 * `zhidu worker`: take chunks of impact jobs from the queue in the shared
 * PostgreSQL database until stopped (SIGTERM, Ctrl-C). Start as many as there
 * are cores to spare, on as many machines as share the database; a chunk in
 * hand when a worker stops goes back to the queue.
 */
export function addWorkerCommand(program: Command, sourcesDir: () => string): void {
  program
    .command('worker')
    .description('影响分析工作进程：从共享的 PostgreSQL 队列领取分段并计算（需 DATABASE_URL）')
    .option('--schema <name>', 'the servers\' schema (ZHIDU_DB_SCHEMA)', process.env.ZHIDU_DB_SCHEMA ?? 'zhidu')
    .option('--name <name>', 'how this worker is named in the chunk table (default host:pid)')
    .action(async (opts: { schema: string; name?: string }) => {
      const databaseUrl = process.env.DATABASE_URL;
      if (!databaseUrl) {
        process.stderr.write('用法错误：工作进程需要 DATABASE_URL（与服务器共用的 PostgreSQL）\n');
        process.exitCode = 2;
        return;
      }
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(opts.schema)) {
        process.stderr.write(`用法错误：--schema 应为小写 SQL 标识符，实际为“${opts.schema}”\n`);
        process.exitCode = 2;
        return;
      }
      const db = await connect({ databaseUrl, poolSize: 4, timeoutMs: 30_000 });
      const settings = queueSettings();
      const sources = new SourceTexts(sourcesDir());
      const { store, chunks, boss } = await openChunkWork(db, {
        databaseUrl,
        schema: opts.schema,
        sources,
        settings,
        onError: (err) => process.stderr.write(`队列错误：${err.message}\n`),
      });
      const worker = new ChunkWorker(boss, store, chunks, sources, { pollSeconds: settings.pollSeconds, ...(opts.name ? { name: opts.name } : {}) });
      await worker.start();
      process.stdout.write(`工作进程 ${worker.name} 已就绪（schema ${opts.schema}）\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      process.stdout.write(`工作进程 ${worker.name} 正在停止\n`);
      await stopChunkWork(boss, worker);
      await db.close();
    });
}
