import { dirname, join, resolve } from 'node:path';

/**
 * Where the server keeps the checkpoint key and file, read the same way by
 * the server (server/config.ts) and `zhidu log`: the key beside the API keys
 * file, the checkpoints in the data directory, both outside the database.
 */
export function checkpointPaths(env: NodeJS.ProcessEnv, dataDir: string): { keyFile: string; file: string } {
  const keysFile = resolve(env.ZHIDU_KEYS_FILE ?? join(dataDir, 'keys.json'));
  return {
    keyFile: resolve(env.ZHIDU_CHECKPOINT_KEY ?? join(dirname(keysFile), 'log-signing-key.pem')),
    file: resolve(env.ZHIDU_CHECKPOINTS_FILE ?? join(dataDir, 'checkpoints.jsonl')),
  };
}
