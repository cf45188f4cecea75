import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The regulation texts citations point into (rules/sources/*.txt). Read once and
 * kept as lines, so citations can be checked at load and shown by the web app.
 */
export class SourceTexts {
  private readonly cache = new Map<string, readonly string[] | null>();
  constructor(readonly dir: string) {}

  lines(file: string): readonly string[] | null {
    if (!/^[A-Za-z0-9_.-]+\.txt$/.test(file)) return null;
    let lines = this.cache.get(file);
    if (lines === undefined) {
      const path = join(this.dir, file);
      lines = existsSync(path) ? readFileSync(path, 'utf8').replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n') : null;
      this.cache.set(file, lines);
    }
    return lines;
  }

  /** Lines [from, to] (1-based, inclusive), or null when the file or range does not exist. */
  excerpt(file: string, from: number, to: number): string[] | null {
    const lines = this.lines(file);
    if (!lines || from < 1 || to < from || to > lines.length) return null;
    return lines.slice(from - 1, to);
  }
}

/** Whitespace and punctuation width differ between a quote and the text; compare without them. */
export function normaliseForQuote(text: string): string {
  return text.replace(/[\s\u3000]/g, '').replace(/，/g, ',').replace(/：/g, ':').replace(/；/g, ';').replace(/（/g, '(').replace(/）/g, ')');
}
