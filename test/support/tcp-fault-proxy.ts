import { createServer, connect, type Server, type Socket } from 'node:net';
import { EventEmitter, once } from 'node:events';

/**
 * What the proxy does to the traffic between the server and PostgreSQL:
 * - pass: forwards bytes both ways;
 * - reset: resets every open connection and each new one as it arrives;
 * - refuse: stops listening (connections are refused) and drops the open ones, as a database that went down;
 * - stall: keeps every connection open but drops the bytes both ways, as a network that stopped carrying them.
 *   A connection that lost bytes is left open when the stall ends: its protocol state is broken,
 *   so a client that kept it (rather than destroying it) would hang on it.
 */
export type FaultMode = 'pass' | 'reset' | 'refuse' | 'stall';

export interface ProxyStats {
  connections: number;
  resets: number;
  droppedBytes: number;
}

/**
 * A fault-injecting TCP proxy on 127.0.0.1 for the store fault tests.
 * Hand-written on node:net because the faults are few and must be switched
 * from inside a test and awaited (events, no sleeps); toxiproxy and its kin
 * need their own server binary and an HTTP control API.
 *
 * Closing one side always closes the other, even while stalled, so the
 * database never keeps sessions for connections the server has given up.
 *
 * Events: 'dropped' (bytes lost to a stall), 'reset' (a connection reset).
 */
export class TcpFaultProxy extends EventEmitter {
  private mode: FaultMode = 'pass';
  private readonly sockets = new Set<Socket>();
  readonly stats: ProxyStats = { connections: 0, resets: 0, droppedBytes: 0 };

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {
    super();
    server.on('connection', (socket) => this.accept(socket));
  }

  static async start(target: { host: string; port: number }): Promise<TcpFaultProxy> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    return new TcpFaultProxy(server, address.port, target);
  }

  /** A PostgreSQL connection string pointed at the proxy instead of the database. */
  url(databaseUrl: string): string {
    const u = new URL(databaseUrl);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  get current(): FaultMode {
    return this.mode;
  }

  /** Resolves once the mode is in force: the listener closed or open again, open connections reset. */
  async set(mode: FaultMode): Promise<void> {
    const before = this.mode;
    this.mode = mode;
    if (mode === 'reset') for (const s of this.sockets) this.reset(s);
    if (mode === 'refuse' && before !== 'refuse') {
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      for (const s of this.sockets) s.destroy();
      await closed;
    }
    if (mode !== 'refuse' && before === 'refuse') {
      this.server.listen(this.port, '127.0.0.1');
      await once(this.server, 'listening');
    }
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.stats.connections += 1;
    if (this.mode === 'reset') return this.reset(client);
    const upstream = connect(this.target.port, this.target.host);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(from);
      from.on('data', (chunk: Buffer) => {
        if (this.mode === 'stall') {
          this.stats.droppedBytes += chunk.length;
          this.emit('dropped', chunk.length);
        } else to.write(chunk);
      });
      from.on('error', () => {});
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
    }
  }

  private reset(socket: Socket): void {
    this.stats.resets += 1;
    socket.on('error', () => {});
    socket.resetAndDestroy();
    this.emit('reset');
  }
}
