import type { DecisionLog, StoredRef } from './decision-log.js';
import type { SigningKey } from './checkpoint-key.js';
import { signCheckpoint, type Checkpoint } from './checkpoint-record.js';
import { CheckpointFile } from './checkpoint-file.js';

export interface CheckpointerOptions {
  /** A checkpoint once the head is this many records past the last one. */
  readonly every: number;
  /** And at least this often while records arrive (ms; 0 = only by count and at close). */
  readonly intervalMs: number;
  readonly onWritten?: (c: Checkpoint) => void;
  /** A checkpoint that could not be written: decisions go on being recorded, the operator is told. */
  readonly onError?: (err: unknown) => void;
}

/**
 * Signs the head of the decision log this process has seen committed, into
 * the append-only checkpoints file: every `every` records, every
 * `intervalMs` when something was appended since, and at close. Each
 * process on a chain writes its own; they interleave in the file by whole lines.
 */
export class Checkpointer {
  private latest: StoredRef | null = null;
  private signedSeq = 0;
  /** The head a checkpoint was last asked for at: counting from it, not from the last one written, keeps commits during a write from asking again. */
  private askedSeq = 0;
  private wanted = false;
  private running: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly file: CheckpointFile,
    private readonly key: SigningKey,
    private readonly schema: string,
    private readonly options: CheckpointerOptions,
  ) {
    if (options.intervalMs > 0) {
      this.timer = setInterval(() => void this.checkpoint(), options.intervalMs);
      this.timer.unref();
    }
  }

  static async start(log: DecisionLog, path: string, key: SigningKey, options: CheckpointerOptions): Promise<Checkpointer> {
    const c = new Checkpointer(await CheckpointFile.open(path), key, log.schema, options);
    log.onCommitted((ref) => c.committed(ref));
    return c;
  }

  private committed(ref: StoredRef): void {
    if (!this.latest || ref.seq > this.latest.seq) this.latest = ref;
    if (this.latest.seq - Math.max(this.askedSeq, this.signedSeq) >= this.options.every) {
      this.askedSeq = this.latest.seq;
      void this.checkpoint();
    }
  }

  /** Sign the latest head unless it is signed already; settles once it is in the file. */
  checkpoint(): Promise<void> {
    this.wanted = true;
    // Cleared in a callback, never inside drain(): a drain with nothing to sign finishes synchronously, before it could be assigned.
    if (!this.running) this.running = this.drain().finally(() => (this.running = null));
    return this.running;
  }

  private async drain(): Promise<void> {
    while (this.wanted) {
      this.wanted = false;
      const ref = this.latest;
      if (!ref || ref.seq <= this.signedSeq) continue;
      const c = signCheckpoint(this.key, { schema: this.schema, seq: ref.seq, head: ref.hash, time: new Date() });
      try {
        await this.file.append(c);
        this.signedSeq = ref.seq;
        this.options.onWritten?.(c);
      } catch (err) {
        this.options.onError?.(err);
      }
    }
  }

  /** After the log has closed (every record committed): the final checkpoint, then the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.checkpoint();
    await this.file.close();
  }
}
