import type { VersionArchive } from '../src/store/version-archive.js';
import type { Config } from './config.js';
import type { ReviewStore } from '../src/store/review-store.js';
import type { Registry } from '../src/load/registry.js';
import type { Finding } from '../src/errors/finding.js';
import type { DecisionLog } from '../src/store/decision-log.js';
import type { KeyLookup, Caller, Role } from './api-keys.js';
import type { Metrics } from './metrics.js';
import type { LiveVersions } from '../src/versions/live-versions.js';
import type { CaseStore } from '../src/store/case-store.js';
import type { ImpactJobs } from '../src/impact/job-runner.js';

/** What every route handler shares: built once in buildApp. */
export interface ZhiduContext {
  readonly config: Config;
  readonly registry: Registry;
  /** Findings from loading the rules directory (files with errors are not served). */
  readonly ruleFindings: readonly Finding[];
  readonly log: DecisionLog;
  readonly keys: KeyLookup;
  /** The keys file the server follows; absent when keys were given in code (tests), which the keys API then cannot change. */
  readonly keysFile?: string;
  readonly metrics: Metrics;
  /** Published versions: the gate, the versions table, polling (docs/editing.md). */
  readonly live: LiveVersions;
  /** Case files (办件): applicants, draft interviews, links to the decision log. */
  readonly cases: CaseStore;
  /** Four-eyes review steps of rule-set versions (append-only). */
  readonly reviews: ReviewStore;
  /** Impact jobs: run in the background, progress and reports in the database. */
  readonly impactJobs: ImpactJobs;
  /** Every version served from files, by content hash, kept for good: records stay readable after their file changes. */
  readonly archive: VersionArchive;
}

/** Who may do what. */
export const PERMISSIONS = {
  read: ['caseworker', 'system', 'editor', 'admin'],
  evaluate: ['caseworker', 'system', 'admin'],
  batch: ['system', 'admin'],
  validate: ['editor', 'admin'],
  publish: ['editor', 'admin'],
  readDecisions: ['caseworker', 'editor', 'admin'],
  replay: ['caseworker', 'editor', 'admin'],
  determine: ['caseworker', 'admin'],
  manageKeys: ['admin'],
  /** Open, save, submit, override and close case files (only one's own, or any as admin). */
  cases: ['caseworker', 'admin'],
  readCases: ['caseworker', 'editor', 'admin'],
  /** See applicants' names, identity card numbers and phones unmasked, and search by them. */
  personalData: ['caseworker', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

declare module 'fastify' {
  interface FastifyInstance {
    zhidu: ZhiduContext;
  }
  interface FastifyRequest {
    caller: Caller | null;
  }
  interface FastifyContextConfig {
    /** Permission the route needs; absent means public. */
    permission?: Permission;
    /** Media types the route accepts for its body (415 otherwise). */
    accepts?: readonly string[];
  }
}
