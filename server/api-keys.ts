import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const ROLES = ['caseworker', 'system', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface KeyEntry {
  /** Who the key belongs to: recorded as the caller of every decision. */
  readonly name: string;
  readonly role: Role;
  /** sha256 (hex) of the key; the key itself is never stored. */
  readonly sha256: string;
  /** Requests per rate window for this key (overrides ZHIDU_RATE_LIMIT). */
  readonly rate_limit?: number;
}

export interface KeysFile {
  readonly keys: readonly KeyEntry[];
}

export interface Caller {
  readonly name: string;
  readonly role: Role;
  readonly rateLimit: number | undefined;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateKey(): string {
  return `zhidu_${randomBytes(24).toString('base64url')}`;
}

/** Keys by their hash: lookup is a map probe on the hash, so no key text is ever compared. */
export class ApiKeys {
  private readonly byHash = new Map<string, Caller>();

  constructor(file: KeysFile) {
    for (const [i, k] of file.keys.entries()) {
      if (!k || typeof k.name !== 'string' || !k.name) throw new Error(`keys[${i}].name must be a non-empty string`);
      if (!ROLES.includes(k.role)) throw new Error(`keys[${i}].role must be one of ${ROLES.join(', ')}, found ${JSON.stringify(k.role)}`);
      if (typeof k.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(k.sha256)) throw new Error(`keys[${i}].sha256 must be 64 lower-case hex digits`);
      if (k.rate_limit !== undefined && (!Number.isInteger(k.rate_limit) || k.rate_limit < 1)) throw new Error(`keys[${i}].rate_limit must be a positive integer`);
      this.byHash.set(k.sha256, { name: k.name, role: k.role, rateLimit: k.rate_limit });
    }
  }

  lookup(key: string): Caller | undefined {
    return this.byHash.get(hashKey(key));
  }

  get size(): number {
    return this.byHash.size;
  }
}

/**
 * Read the keys file; on first start (no file) create one holding a fresh
 * admin key and return that key once, so the caller can print it.
 */
export function loadOrCreateKeys(path: string): { keys: ApiKeys; createdAdminKey?: string } {
  if (existsSync(path)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`keys file ${path} is not valid JSON: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || !Array.isArray((parsed as KeysFile).keys)) throw new Error(`keys file ${path} must be {"keys": [...]}`);
    return { keys: new ApiKeys(parsed as KeysFile) };
  }
  const key = generateKey();
  const file: KeysFile = { keys: [{ name: 'admin', role: 'admin', sha256: hashKey(key) }] };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  return { keys: new ApiKeys(file), createdAdminKey: key };
}
