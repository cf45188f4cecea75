import { readFileSync, existsSync, watch, type FSWatcher } from 'node:fs';
import { join, relative } from 'node:path';
import type { Registry } from '../load/registry.js';
import { testFileFor } from '../load/registry.js';
import type { SourceTexts } from '../load/source-texts.js';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import { loadRuleSet } from '../load/load-rule-set.js';
import type { VersionStore, PublishedVersion } from '../store/version-store.js';
import { gate, type GateResult } from './publish-gate.js';

/**
 * The versions a server serves: those loaded from rules/ at start, plus every
 * version published to the database — by this server or any other on the
 * same database (picked up by polling the versions table). Publishing goes
 * through the gate; what fails it never reaches the registry.
 */
export interface VersionOrigin {
  readonly origin: 'file' | 'published';
  readonly published_at?: string;
  readonly published_by?: string;
}

export interface LiveEvent {
  readonly kind: 'published' | 'loaded' | 'rejected' | 'conflict' | 'error';
  readonly ruleset?: string;
  readonly version?: string;
  readonly message: string;
}

export interface PublishOutcome extends GateResult {
  readonly published?: PublishedVersion;
}

export class LiveVersions {
  private lastSeq = 0;
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private readonly published = new Map<string, PublishedVersion>();
  private polling: Promise<void> | undefined;

  constructor(
    readonly registry: Registry,
    readonly sources: SourceTexts,
    readonly store: VersionStore,
    private readonly options: { pollMs?: number; onEvent?: (e: LiveEvent) => void } = {},
  ) {}

  /** Load every published version, then keep polling for new ones. */
  async start(): Promise<void> {
    await this.poll();
    const ms = this.options.pollMs ?? 1000;
    if (ms > 0) {
      this.timer = setInterval(() => void this.poll().catch((err: unknown) => this.emit({ kind: 'error', message: `版本轮询失败：${(err as Error).message}` })), ms);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.watcher?.close();
    this.timer = undefined;
    this.watcher = undefined;
  }

  origin(id: string, version: string): VersionOrigin {
    const p = this.published.get(`${id}@${version}`);
    return p ? { origin: 'published', published_at: p.published_at, published_by: p.published_by } : { origin: 'file' };
  }

  /** Pick up versions other servers (or this one) published since the last poll. */
  poll(): Promise<void> {
    // One poll at a time: a slow database must not make polls overlap and add a version twice.
    this.polling ??= (async () => {
      try {
        for (;;) {
          const rows = await this.store.since(this.lastSeq);
          if (rows.length === 0) break;
          for (const row of rows) {
            this.lastSeq = row.seq;
            this.adopt(row);
          }
        }
      } finally {
        this.polling = undefined;
      }
    })();
    return this.polling;
  }

  private adopt(row: PublishedVersion): PreparedRuleSet | undefined {
    this.published.set(`${row.ruleset_id}@${row.version}`, row);
    const existing = this.registry.get(row.ruleset_id, row.version);
    if (existing) {
      if (existing.hash !== row.hash) this.emit({ kind: 'conflict', ruleset: row.ruleset_id, version: row.version, message: `已发布的 ${row.ruleset_id}@${row.version} 与本机文件内容不同；以本机为准未加载发布版本` });
      return existing;
    }
    const loaded = loadRuleSet(row.file, row.yaml, { sources: this.sources });
    if (!loaded.ok) {
      this.emit({ kind: 'error', ruleset: row.ruleset_id, version: row.version, message: `已发布版本无法加载：${loaded.findings.map((f) => f.message).join('；')}` });
      return undefined;
    }
    this.registry.add(loaded.ruleSet);
    this.emit({ kind: 'loaded', ruleset: row.ruleset_id, version: row.version, message: `加载已发布版本 ${row.ruleset_id}@${row.version}（${row.effective_from ?? '自始'}起生效）` });
    return loaded.ruleSet;
  }

  /** The test file of a rule set: given, or beside the file of its latest version that has one. */
  testsFor(id: string): { file: string; text: string } | undefined {
    for (const v of [...this.registry.versions(id)].reverse()) {
      const p = this.published.get(`${id}@${v.version}`);
      if (p?.tests) return { file: testFileFor(p.file), text: p.tests };
      const file = testFileFor(v.file);
      if (existsSync(file)) return { file, text: readFileSync(file, 'utf8') };
    }
    return undefined;
  }

  /** Gate, then record in the database, then serve. Nothing is served that the database does not hold. */
  async publish(text: string, options: { file: string; caller: string; tests?: { file: string; text: string } }): Promise<PublishOutcome> {
    const probe = loadRuleSet(options.file, text, { sources: this.sources });
    const tests = options.tests ?? (probe.ok ? this.testsFor(probe.ruleSet.id) : undefined);
    const result = await gate(text, { file: options.file, registry: this.registry, sources: this.sources, ...(tests ? { tests } : {}) });
    if (!result.ok || result.stage === 'unchanged' || !result.ruleSet) {
      if (!result.ok) this.emit({ kind: 'rejected', ...(result.ruleSet ? { ruleset: result.ruleSet.id, version: result.ruleSet.version } : {}), message: `未发布（${result.stage}）：${result.reason ?? ''}` });
      return result;
    }
    const rs = result.ruleSet;
    const stored = await this.store.publish({
      ruleset_id: rs.id,
      version: rs.version,
      hash: rs.hash,
      effective_from: rs.effectiveFrom,
      effective_to: rs.effectiveTo,
      yaml: text,
      tests: tests?.text ?? null,
      file: options.file,
      published_by: options.caller,
    });
    if (!stored.ok) {
      // Another server published this version first: theirs stands.
      if (stored.existing.hash === rs.hash) {
        await this.poll();
        return { ...result, stage: 'unchanged', published: stored.existing };
      }
      return { ...result, ok: false, stage: 'version', reason: `版本 ${rs.version} 已由 ${stored.existing.published_by} 发布，内容不同` };
    }
    this.adopt(stored.row);
    await this.poll();
    this.emit({ kind: 'published', ruleset: rs.id, version: rs.version, message: `已发布 ${rs.id}@${rs.version}（${rs.effectiveFrom ?? '自始'}起生效），发布人 ${options.caller}` });
    return { ...result, published: stored.row };
  }

  /**
   * Development: saving a rule file publishes it through the same gate. A
   * file whose version is already loaded with other content is refused
   * (versions are never overwritten) and the finding logged.
   */
  watch(dir: string): void {
    const pending = new Map<string, NodeJS.Timeout>();
    this.watcher = watch(dir, { recursive: true }, (_event, name) => {
      if (!name || !/\.ya?ml$/.test(name) || name.endsWith('.test.yaml') || name.startsWith('sources')) return;
      const full = join(dir, name);
      clearTimeout(pending.get(full));
      pending.set(
        full,
        setTimeout(() => {
          pending.delete(full);
          void this.fileChanged(full).catch((err: unknown) => this.emit({ kind: 'error', message: `${full}: ${(err as Error).message}` }));
        }, 200),
      );
    });
  }

  async fileChanged(full: string): Promise<PublishOutcome | undefined> {
    if (!existsSync(full)) return undefined;
    const label = relative(process.cwd(), full) || full;
    const text = readFileSync(full, 'utf8');
    const testFile = testFileFor(full);
    const tests = existsSync(testFile) ? { file: relative(process.cwd(), testFile) || testFile, text: readFileSync(testFile, 'utf8') } : undefined;
    return this.publish(text, { file: label, caller: 'file-watch', ...(tests ? { tests } : {}) });
  }

  private emit(e: LiveEvent): void {
    this.options.onEvent?.(e);
  }
}
