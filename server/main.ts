import cluster from 'node:cluster';
import { writeSync } from 'node:fs';
import { loadConfig } from './config.js';
import { buildApp } from './app.js';
import { loadOrCreateKeys } from './api-keys.js';
import { formatFinding } from '../src/errors/finding.js';
import { firstStartMessage } from './first-start-message.js';

/**
 * `npm start`: serve the rules directory. On SIGTERM/SIGINT stop accepting,
 * let in-flight requests finish (their decisions are recorded), then close
 * the database. With ZHIDU_WORKERS=N (PostgreSQL only) N processes share the
 * port and record into one chain.
 */
const config = loadConfig();

function announceKey(key: string, file: string): void {
  process.stdout.write(firstStartMessage(key, file, config.host, config.port));
}

if (config.workers > 1 && cluster.isPrimary) {
  if (!config.databaseUrl) {
    process.stderr.write('ZHIDU_WORKERS > 1 needs DATABASE_URL: the embedded database belongs to one process.\n');
    process.exit(2);
  }
  // Created here, once, before the workers read it.
  const { createdAdminKey } = loadOrCreateKeys(config.keysFile);
  if (createdAdminKey) announceKey(createdAdminKey, config.keysFile);
  let stopping = false;
  let failed = false;
  for (let i = 0; i < config.workers; i++) cluster.fork();
  cluster.on('exit', (worker, code) => {
    if (code !== 0) failed = true;
    if (!stopping) {
      writeSync(2, `worker ${worker.process.pid} exited (${code}); stopping\n`);
      stop('worker exit');
    }
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(failed ? 1 : 0);
  });
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    writeSync(2, `${signal}: stopping ${config.workers} workers\n`);
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} else {
  await serve();
}

async function serve(): Promise<void> {
  const app = await buildApp(config, {
    logger: process.env.ZHIDU_LOG_REQUESTS === '1',
    onAdminKeyCreated: announceKey,
  });
  const { registry, ruleFindings } = app.zhidu;
  if (cluster.isPrimary) for (const f of ruleFindings.filter((x) => x.severity === 'error')) process.stderr.write(formatFinding(f) + '\n');

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    // Synchronous: process.exit would drop what an async pipe write has not flushed.
    writeSync(2, `${signal}: closing (finishing in-flight requests)\n`);
    const timer = setTimeout(() => {
      writeSync(2, 'shutdown timed out\n');
      process.exit(1);
    }, 30_000);
    timer.unref();
    // Keep-alive connections whose request was in flight at close become idle only after
    // their response; close them as they do, or the server would wait for the client.
    const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
    sweep.unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        writeSync(2, `shutdown failed: ${(err as Error)?.stack ?? String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // A terminal's Ctrl-C reaches every process of the group; the primary coordinates.
  process.on('SIGINT', () => (cluster.isWorker ? undefined : shutdown('SIGINT')));

  const address = await app.listen({ port: config.port, host: config.host });
  process.stdout.write(
    `zhidu listening on ${address}${cluster.isWorker ? ` (worker ${process.pid})` : ''} — ${registry.ids().length} rule set(s) from ${config.rulesDir}; decision log: ${config.databaseUrl ? 'PostgreSQL' : `PGlite in ${config.dataDir}`}\n`,
  );
}
