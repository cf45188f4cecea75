import { randomBytes } from 'node:crypto';
import { sha256 } from '../src/load/canonical-json.js';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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
  return sha256(key);
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

/** The keys file's JSON, with its shape checked (entries are checked by ApiKeys). */
export function parseKeysFile(path: string): KeysFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`keys file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || !Array.isArray((parsed as KeysFile).keys)) throw new Error(`keys file ${path} must be {"keys": [...]}`);
  return parsed as KeysFile;
}

/**
 * Read the keys file; on first start (no file) create one holding a fresh
 * admin key and return that key once, so the caller can print it.
 */
export function loadOrCreateKeys(path: string): { keys: ApiKeys; createdAdminKey?: string } {
  if (existsSync(path)) return { keys: new ApiKeys(parseKeysFile(path)) };
  const key = generateKey();
  const file: KeysFile = { keys: [{ name: 'admin', role: 'admin', sha256: hashKey(key) }] };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  return { keys: new ApiKeys(file), createdAdminKey: key };
}

/** What authentication needs: ApiKeys, or a view that follows the keys file. */
export interface KeyLookup {
  lookup(key: string): Caller | undefined;
  /** Re-read the source now (after this process changed it), instead of at the next check. */
  refresh?(): void;
}

/**
 * Keys that follow their file: `zhidu keys add/revoke`
 * replace the file by rename, so a changed inode, size or mtime means a new
 * list. The file is looked at no more often than every `checkMs`, so the
 * request path pays for a stat at most once per interval. A file that fails to
 * load keeps the previous keys: a typo must not lock every user out.
 */
export class FileKeys implements KeyLookup {
  private keys: ApiKeys;
  private stamp: string;
  private checkedAt: number;

  constructor(
    private readonly path: string,
    initial: ApiKeys,
    private readonly checkMs = 1000,
    private readonly now: () => number = Date.now,
  ) {
    this.keys = initial;
    this.stamp = stampOf(path);
    this.checkedAt = now();
  }

  lookup(key: string): Caller | undefined {
    const t = this.now();
    if (t - this.checkedAt >= this.checkMs) this.refresh();
    return this.keys.lookup(key);
  }

  refresh(): void {
    this.checkedAt = this.now();
    const stamp = stampOf(this.path);
    if (stamp === this.stamp) return;
    try {
      this.keys = loadOrCreateKeys(this.path).keys;
      this.stamp = stamp;
    } catch {
      // Kept: see the class comment. The stamp is not advanced, so a fixed file is picked up.
    }
  }
}

function stampOf(path: string): string {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}
