// The embedded database runs in its own thread: its WebAssembly work and its
// checkpoints then use the second core instead of blocking request handling.
// Plain JavaScript so the worker starts without the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

const db = workerData.dir ? new PGlite(workerData.dir) : new PGlite();
await db.waitReady;

parentPort.on('message', async (m) => {
  if (m.op === 'close') {
    await db.close();
    parentPort.postMessage({ id: m.id, rows: [] });
    return;
  }
  try {
    const r = await db.query(m.text, m.params);
    parentPort.postMessage({ id: m.id, rows: r.rows });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: err?.message ?? String(err), code: err?.code });
  }
});
parentPort.postMessage({ ready: true });
