import { existsSync } from 'node:fs';
import type { SqlClient } from './sql-client.js';
import { VersionStore } from './version-store.js';
import { VersionArchive } from './version-archive.js';
import type { VersionLookup } from './rederive.js';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import { loadRulePaths } from '../load/registry.js';
import { loadRuleSet } from '../load/load-rule-set.js';

/**
 * Every rule-set version a log's records may name, by content hash: the
 * rules directory, every version published to the database and every version
 * a server has served from files (both kept for good, so no rules directory
 * is needed for records decided by a server on this database). What
 * `zhidu log verify` re-derives explanations from.
 */
export async function recordedVersions(db: SqlClient, schema: string, rulesDir: string, sourcesDir: string): Promise<VersionLookup> {
  const byHash = new Map<string, PreparedRuleSet>();
  const { registry } = loadRulePaths(existsSync(rulesDir) ? [rulesDir] : [], sourcesDir);
  for (const id of registry.ids()) for (const rs of registry.versions(id)) byHash.set(rs.hash, rs);
  const store = await VersionStore.open(db, schema);
  for (let seq = 0; ; ) {
    const rows = await store.since(seq, 100);
    for (const row of rows) {
      seq = row.seq;
      if (byHash.has(row.hash)) continue;
      const loaded = loadRuleSet(row.file, row.yaml, { sources: registry.sources });
      if (loaded.ok) byHash.set(loaded.ruleSet.hash, loaded.ruleSet);
    }
    if (rows.length < 100) break;
  }
  for (const row of await (await VersionArchive.open(db, schema)).all()) {
    if (byHash.has(row.hash)) continue;
    const loaded = loadRuleSet(row.file, row.yaml, { sources: registry.sources });
    if (loaded.ok) byHash.set(loaded.ruleSet.hash, loaded.ruleSet);
  }
  return (id, version, hash) => {
    const rs = byHash.get(hash);
    return rs && rs.id === id && rs.version === version ? rs : undefined;
  };
}
