/**
 * Failed authentications counted per client address, in fixed windows: the
 * auth hook runs before @fastify/rate-limit (which keys by API key), so
 * without this a key could be guessed at full speed. Once an address has
 * failed `max` times in a window, every keyed request from it is refused
 * until the window ends, a valid key included, so the answer tells a guesser
 * nothing. Hand-written: twenty lines, and the rate-limit plugin cannot count
 * only failures.
 */
export class AuthFailures {
  private readonly byAddress = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until the address may try again, or 0 when it may try now. */
  blockedFor(address: string): number {
    const entry = this.byAddress.get(address);
    if (!entry) return 0;
    const t = this.now();
    if (t >= entry.resetAt) {
      this.byAddress.delete(address);
      return 0;
    }
    return entry.count >= this.max ? entry.resetAt - t : 0;
  }

  fail(address: string): void {
    const t = this.now();
    let entry = this.byAddress.get(address);
    if (!entry || t >= entry.resetAt) {
      // Bounded memory under a spray of addresses: expired entries go first.
      if (this.byAddress.size >= 100_000) for (const [k, v] of this.byAddress) if (t >= v.resetAt) this.byAddress.delete(k);
      if (this.byAddress.size >= 100_000) this.byAddress.clear();
      entry = { count: 0, resetAt: t + this.windowMs };
      this.byAddress.set(address, entry);
    }
    entry.count += 1;
  }
}
