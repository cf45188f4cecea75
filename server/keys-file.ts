import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ApiKeys, generateKey, hashKey, parseKeysFile, ROLES, type KeyEntry, type KeysFile, type Role } from './api-keys.js';

/** Read and check the keys file; a missing file is an empty one. */
export function readKeysFile(path: string): KeysFile {
  if (!existsSync(path)) return { keys: [] };
  const file = parseKeysFile(path);
  // Validates every entry: a file this module writes is one the server will accept.
  new ApiKeys(file);
  return file;
}

/**
 * Temp file + rename: a server reading the file concurrently sees either the
 * old or the new list, never a half-written one.
 */
export function writeKeysFile(path: string, file: KeysFile): void {
  new ApiKeys(file);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, JSON.stringify(file, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  renameSync(tmp, path);
}

export class KeyNameTaken extends Error {}
export class KeyNotFound extends Error {}
/** Revoking the only admin key would leave nobody able to manage keys except by editing the file. */
export class LastAdminKey extends Error {}

/** Add a key for `name`; returns the key itself, which is stored only as its sha256. */
export function addKey(path: string, entry: { name: string; role: Role; rate_limit?: number }): { key: string; entry: KeyEntry } {
  if (!entry.name.trim()) throw new Error('name must not be empty');
  if (!ROLES.includes(entry.role)) throw new Error(`role must be one of ${ROLES.join(', ')}`);
  const file = readKeysFile(path);
  // Names are what decisions record as their caller: two holders of one name could not be told apart.
  if (file.keys.some((k) => k.name === entry.name)) throw new KeyNameTaken(entry.name);
  const key = generateKey();
  const added: KeyEntry = { name: entry.name, role: entry.role, sha256: hashKey(key), ...(entry.rate_limit !== undefined ? { rate_limit: entry.rate_limit } : {}) };
  writeKeysFile(path, { keys: [...file.keys, added] });
  return { key, entry: added };
}

export function revokeKey(path: string, name: string): KeyEntry {
  const file = readKeysFile(path);
  const found = file.keys.find((k) => k.name === name);
  if (!found) throw new KeyNotFound(name);
  if (found.role === 'admin' && file.keys.filter((k) => k.role === 'admin').length === 1) throw new LastAdminKey(name);
  writeKeysFile(path, { keys: file.keys.filter((k) => k.name !== name) });
  return found;
}

/** What may be shown about the keys: never the hash. */
export function listKeys(path: string): { name: string; role: Role; rate_limit?: number }[] {
  return readKeysFile(path).keys.map((k) => ({ name: k.name, role: k.role, ...(k.rate_limit !== undefined ? { rate_limit: k.rate_limit } : {}) }));
}
