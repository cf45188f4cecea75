import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The Ed25519 key that signs the decision log's checkpoints; it never enters the database. */
export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Names the public key in each checkpoint, so a checkpoint signed by another key is told apart. */
  readonly keyId: string;
}

export function keyIdOf(publicKey: KeyObject): string {
  return `ed25519:${createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16)}`;
}

export function publicKeyPem(publicKey: KeyObject): string {
  return String(publicKey.export({ type: 'spki', format: 'pem' }));
}

function signingKey(privateKey: KeyObject, path: string): SigningKey {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`checkpoint key ${path} must be an Ed25519 private key, found ${privateKey.asymmetricKeyType ?? privateKey.type}`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

export function readSigningKey(path: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`checkpoint key ${path} is not a PEM private key: ${(err as Error).message}`);
  }
  return signingKey(privateKey, path);
}

/**
 * The key at `path`, created on first start (PKCS#8 PEM, mode 0600). Several
 * processes may start at once on one keys directory: the key is written to a
 * file of this process's own and hard-linked into place, which fails if
 * another process got there first — then that one's key is used, and no
 * process ever reads a half-written key.
 */
export function loadOrCreateSigningKey(path: string): { key: SigningKey; created: boolean } {
  if (existsSync(path)) return { key: readSigningKey(path), created: false };
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, String(privateKey.export({ type: 'pkcs8', format: 'pem' })), { mode: 0o600, flag: 'wx' });
  let created = true;
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    created = false;
  } finally {
    unlinkSync(tmp);
  }
  return created ? { key: signingKey(privateKey, path), created } : { key: readSigningKey(path), created };
}

/**
 * A public key for checking checkpoints elsewhere: a PEM public key, a PEM
 * private key (its public half), or a `zhidu log checkpoints export` document.
 */
export function readPublicKey(path: string): KeyObject {
  const text = readFileSync(path, 'utf8');
  let pem = text;
  if (text.trimStart().startsWith('{')) {
    const doc = JSON.parse(text) as { public_key?: unknown };
    if (typeof doc.public_key !== 'string') throw new Error(`${path} has no public_key`);
    pem = doc.public_key;
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new Error(`${path} holds no PEM public key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${path} must hold an Ed25519 key, found ${key.asymmetricKeyType}`);
  return key;
}
