import { mkdirSync, readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { checkpointShapeError, type Checkpoint } from './checkpoint-record.js';

/**
 * The append-only checkpoints file: opened with 'a' (O_APPEND), each
 * checkpoint one write() of one whole line, then fsync. With O_APPEND the
 * kernel moves to the end and writes in one step, so two processes on one
 * chain appending to one file never interleave inside a line.
 */
export class CheckpointFile {
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
  ) {}

  static async open(path: string): Promise<CheckpointFile> {
    mkdirSync(dirname(path), { recursive: true });
    return new CheckpointFile(path, await open(path, 'a', 0o644));
  }

  async append(c: Checkpoint): Promise<void> {
    const line = Buffer.from(JSON.stringify(c) + '\n', 'utf8');
    const { bytesWritten } = await this.fh.write(line);
    if (bytesWritten !== line.length) throw new Error(`checkpoints file ${this.path}: wrote ${bytesWritten} of ${line.length} bytes`);
    await this.fh.sync();
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

export interface CheckpointEntry {
  /** Line of the checkpoints file (or position in an export document), from 1. */
  readonly line: number;
  readonly checkpoint: Checkpoint;
}

export interface UnreadableLine {
  readonly line: number;
  readonly found: string;
  readonly detail: string;
}

/**
 * Every checkpoint of a checkpoints file or of a `zhidu log checkpoints
 * export` document, and the lines that are not checkpoints (reported, never
 * skipped silently: a line that cannot be read may be one that was tampered with).
 */
export function readCheckpoints(path: string): { entries: CheckpointEntry[]; unreadable: UnreadableLine[] } {
  const text = readFileSync(path, 'utf8');
  const items = exportedItems(text) ?? text.split('\n').map((raw) => raw);
  const entries: CheckpointEntry[] = [];
  const unreadable: UnreadableLine[] = [];
  items.forEach((item, i) => {
    const line = i + 1;
    let value = item;
    if (typeof item === 'string') {
      if (item.trim() === '') return;
      try {
        value = JSON.parse(item) as unknown;
      } catch (err) {
        unreadable.push({ line, found: item.slice(0, 80), detail: `not JSON (${(err as Error).message})` });
        return;
      }
    }
    const wrong = checkpointShapeError(value);
    if (wrong) unreadable.push({ line, found: JSON.stringify(value).slice(0, 80), detail: wrong });
    else entries.push({ line, checkpoint: value as Checkpoint });
  });
  return { entries, unreadable };
}

function exportedItems(text: string): unknown[] | null {
  if (!text.trimStart().startsWith('{')) return null;
  try {
    const doc = JSON.parse(text) as { checkpoints?: unknown };
    return Array.isArray(doc.checkpoints) ? doc.checkpoints : null;
  } catch {
    // One checkpoint per line: the whole text is not one JSON document.
    return null;
  }
}
