import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';

describe('ZHIDU_DB_TIMEOUT_MS', () => {
  it('defaults to 5 s and is read from the environment', () => {
    expect(loadConfig({}).dbTimeoutMs).toBe(5000);
    expect(loadConfig({ ZHIDU_DB_TIMEOUT_MS: '750' }).dbTimeoutMs).toBe(750);
  });
});
