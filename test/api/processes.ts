import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
  /** Resolves when the output so far passes the test, checked on each chunk written; rejects if the process exits first. */
  readonly until: (test: (out: string) => boolean) => Promise<void>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

/** Start `server/main.ts` as its own process (as `npm start` does) and wait until it listens. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 90_000);
    const check = () => {
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  const until = (test: (out: string) => boolean) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!test(out)) return;
        child.stdout?.off('data', check);
        child.stderr?.off('data', check);
        resolve();
      };
      child.stdout?.on('data', check);
      child.stderr?.on('data', check);
      void exited.then((code) => reject(new Error(`server exited with ${code}:\n${out}`)));
      check();
    });
  return { child, url, output: () => out, until, exited };
}

export async function post(url: string, key: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export interface HeldRequest {
  /** Resolves once the server has read the request head and sent `100 Continue`: it is in flight. */
  readonly inFlight: Promise<void>;
  /** Send the body and read the answer. */
  readonly release: () => Promise<{ status: number; body: Record<string, unknown> }>;
}

/**
 * A POST held open between its head and its body, so a test can act while the
 * request is certainly in flight on the server (no timing guess): the server
 * answers `Expect: 100-continue` only after it has accepted and routed the request.
 */
export function postHeld(url: string, key: string, body: unknown): HeldRequest {
  const payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const req = httpRequest(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': payload.length, expect: '100-continue' } });
  const answer = new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  const inFlight = new Promise<void>((resolve, reject) => {
    req.on('continue', () => resolve());
    req.on('error', reject);
  });
  req.flushHeaders();
  return {
    inFlight,
    release: () => {
      req.end(payload);
      return answer;
    },
  };
}
