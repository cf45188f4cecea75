import { loadConfig } from './config.js';
import { buildApp } from './app.js';
import { writeSync } from 'node:fs';
import { formatFinding } from '../src/errors/finding.js';

/**
 * `npm start`: serve the rules directory. On SIGTERM/SIGINT stop accepting,
 * let in-flight requests finish (their decisions are recorded), then close
 * the database.
 */
const config = loadConfig();
const app = await buildApp(config, {
  logger: process.env.ZHIDU_LOG_REQUESTS === '1',
  onAdminKeyCreated: (key, file) => {
    process.stdout.write(
      `\n首次启动：已创建管理员 API 密钥（只显示这一次，请妥善保存）\nFirst start: created an admin API key (shown only this once):\n\n  ${key}\n\nKeys file: ${file}\n\n`,
    );
  },
});
const { registry, ruleFindings } = app.zhidu;
for (const f of ruleFindings.filter((x) => x.severity === 'error')) process.stderr.write(formatFinding(f) + '\n');

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
process.on('SIGINT', () => shutdown('SIGINT'));

const address = await app.listen({ port: config.port, host: config.host });
process.stdout.write(
  `zhidu listening on ${address} — ${registry.ids().length} rule set(s) from ${config.rulesDir}; decision log: ${config.databaseUrl ? 'PostgreSQL' : `PGlite in ${config.dataDir}`}\n`,
);
