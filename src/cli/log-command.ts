import type { Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { checkpointPaths } from '../store/checkpoint-paths.js';
import { readCheckpoints } from '../store/checkpoint-file.js';
import { keyIdOf, publicKeyPem, readPublicKey, readSigningKey } from '../store/checkpoint-key.js';
import { problemMessage, trustedCheckpoints, unreadableProblem, type CheckpointProblem } from '../store/checkpoint-check.js';
import type { Checkpoint } from '../store/checkpoint-record.js';

function usage(message: string): void {
  process.stderr.write(message + '\n');
  process.exitCode = 2;
}

function dataDirOf(opts: { dataDir?: string }): string {
  return resolve(opts.dataDir ?? process.env.ZHIDU_DATA_DIR ?? 'data');
}

function schemaOf(opts: { schema?: string }): string {
  return opts.schema ?? process.env.ZHIDU_DB_SCHEMA ?? 'zhidu';
}

function problemLines(p: CheckpointProblem): string {
  return `错误 [${p.code}]：${problemMessage(p, 'zh')}\nerror [${p.code}]: ${problemMessage(p, 'en')}\n`;
}

/** The checkpoints a verify holds the chain to, from the server's file or an exported copy. */
interface Anchor {
  readonly file: string;
  readonly keyId: string;
  readonly trusted: Checkpoint[];
  readonly problems: CheckpointProblem[];
  readonly otherSchemas: number;
}

/** undefined: a usage error was reported; null: there are no checkpoints to hold the chain to. */
function loadAnchor(opts: { checkpoints?: string; publicKey?: string }, dataDir: string, schema: string): Anchor | null | undefined {
  const paths = checkpointPaths(process.env, dataDir);
  const file = resolve(opts.checkpoints ?? paths.file);
  if (opts.checkpoints !== undefined && !existsSync(file)) return void usage(`没有找到检查点文件：${file} (no checkpoints file)`);
  if (opts.publicKey !== undefined && !existsSync(opts.publicKey)) return void usage(`没有找到公钥文件：${opts.publicKey} (no public key file)`);
  if (!existsSync(file)) return null;
  let publicKey: KeyObject;
  try {
    if (opts.publicKey !== undefined) publicKey = readPublicKey(opts.publicKey);
    else if (existsSync(paths.keyFile)) publicKey = readSigningKey(paths.keyFile).publicKey;
    else return void usage(`无法核对检查点：找不到检查点密钥 ${paths.keyFile}，请用 --public-key 指定公钥 (no key to check the checkpoints with: give --public-key)`);
  } catch (err) {
    return void usage(`公钥无法读取：${(err as Error).message}`);
  }
  const { entries, unreadable } = readCheckpoints(file);
  return { file, keyId: keyIdOf(publicKey), ...trustedCheckpoints(entries, unreadable, publicKey, schema) };
}

/** `zhidu log verify` and `zhidu log checkpoints export`. */
export function addLogCommand(program: Command, sourcesDir: () => string): void {
  const log = program.command('log').description('决定记录库（决定日志）');
  log
    .command('verify')
    .description('校验决定日志的哈希链，并与签名检查点核对：报告第一处断链、被截短或被改写（退出码 1）')
    .option('--database-url <url>', 'PostgreSQL connection string (default: $DATABASE_URL; without it the embedded database)')
    .option('--data-dir <dir>', 'data directory of the embedded database (default: $ZHIDU_DATA_DIR or ./data)')
    .option('--schema <name>', 'schema holding the log (default: $ZHIDU_DB_SCHEMA or zhidu)')
    .option('--rules <dir>', 'rule sets the records were decided under, besides the published versions in the database (default: $ZHIDU_RULES_DIR or rules)')
    .option('--chain-only', 'check the hash chain only, without re-deriving each explanation')
    .option('--checkpoints <file>', 'signed checkpoints: the server\'s file or an exported copy (default: $ZHIDU_CHECKPOINTS_FILE or checkpoints.jsonl in the data directory)')
    .option('--public-key <file>', 'public key to check them with: PEM, or an export document (default: the server\'s checkpoint key, $ZHIDU_CHECKPOINT_KEY)')
    .option('--json', 'machine-readable result')
    .action(async (opts: { databaseUrl?: string; dataDir?: string; schema?: string; rules?: string; chainOnly?: boolean; checkpoints?: string; publicKey?: string; json?: boolean }) => {
      const { connect, DecisionLog } = await import('../store/index.js');
      const { recordedVersions } = await import('../store/version-lookup.js');
      const { rederive } = await import('../store/rederive.js');
      const databaseUrl = opts.databaseUrl ?? (process.env.DATABASE_URL || undefined);
      const dataDir = dataDirOf(opts);
      const schema = schemaOf(opts);
      if (!databaseUrl && !existsSync(join(dataDir, 'pglite'))) return usage(`没有找到决定日志：${join(dataDir, 'pglite')} 不存在 (no decision log in ${dataDir})`);
      const anchor = loadAnchor(opts, dataDir, schema);
      if (anchor === undefined) return;
      const db = await connect({ databaseUrl, dataDir, poolSize: 1 });
      try {
        const decisionLog = await DecisionLog.open(db, schema);
        let checkDecision;
        if (!opts.chainOnly) {
          const lookup = await recordedVersions(db, schema, resolve(opts.rules ?? process.env.ZHIDU_RULES_DIR ?? 'rules'), sourcesDir());
          checkDecision = (c: Parameters<typeof rederive>[0]) => {
            const r = rederive(c, lookup);
            return r.ok ? null : r.reason;
          };
        }
        const result = await decisionLog.verify({ ...(checkDecision ? { checkDecision } : {}), ...(anchor ? { checkpoints: anchor.trusted } : {}) });
        const problems = anchor?.problems ?? [];
        if (opts.json) {
          const checkpointFile = anchor
            ? { file: anchor.file, key_id: anchor.keyId, other_schemas: anchor.otherSchemas, problems: problems.map((p) => ({ code: p.code, line: p.line, message: problemMessage(p, 'zh'), message_en: problemMessage(p, 'en') })) }
            : null;
          process.stdout.write(JSON.stringify({ ...result, checkpoint_file: checkpointFile }, null, 2) + '\n');
        } else {
          let out = '';
          if (result.ok) out += `决定日志完整：${result.records} 条记录，链尾哈希 ${result.head.hash}\nlog verified: ${result.records} records\n`;
          else if (result.broken.problem) out += problemLines(result.broken.problem);
          else {
            const b = result.broken;
            out +=
              `决定日志断链：第 ${b.seq} 条记录${b.id ? `（${b.id}）` : ''}：${b.reason}\n` +
              `log broken at record ${b.seq}${b.id ? ` (${b.id})` : ''}: ${b.reason}; ${result.records} records before it verified\n`;
          }
          const { held, latest } = result.checkpoints;
          if (anchor) {
            out +=
              `检查点：${anchor.file}（公钥 ${anchor.keyId}），${held} 个与日志相符${latest ? `，最近一个签署到第 ${latest.seq} 条（${latest.time}）` : ''}${anchor.otherSchemas ? `；另有 ${anchor.otherSchemas} 个属于其他 schema，未核对` : ''}\n` +
              `checkpoints: ${held} held${latest ? `, the latest at record ${latest.seq} (${latest.time})` : ''}\n`;
          } else {
            out += `没有检查点文件（${checkpointPaths(process.env, dataDir).file}）：只校验了链本身，删除末尾记录或重算整条链无法察觉\nno checkpoints: only the chain itself was checked\n`;
          }
          for (const p of problems) out += problemLines(p);
          process.stdout.write(out);
        }
        process.exitCode = result.ok && problems.length === 0 ? 0 : 1;
      } finally {
        await db.close();
      }
    });

  const checkpoints = log.command('checkpoints').description('决定日志的签名检查点');
  checkpoints
    .command('export')
    .description('导出检查点及公钥（JSON），供审计方在别处核对：zhidu log verify --checkpoints <file> --public-key <file>')
    .option('--out <file>', 'write the export here (default: stdout)')
    .option('--data-dir <dir>', 'data directory (default: $ZHIDU_DATA_DIR or ./data)')
    .option('--schema <name>', 'schema of the log whose checkpoints to export (default: $ZHIDU_DB_SCHEMA or zhidu)')
    .option('--checkpoints <file>', 'checkpoints file (default: $ZHIDU_CHECKPOINTS_FILE or checkpoints.jsonl in the data directory)')
    .option('--key <file>', 'checkpoint key (default: $ZHIDU_CHECKPOINT_KEY or log-signing-key.pem beside the keys file)')
    .action((opts: { out?: string; dataDir?: string; schema?: string; checkpoints?: string; key?: string }) => {
      const paths = checkpointPaths(process.env, dataDirOf(opts));
      const file = resolve(opts.checkpoints ?? paths.file);
      const keyFile = resolve(opts.key ?? paths.keyFile);
      if (!existsSync(file)) return usage(`没有找到检查点文件：${file} (no checkpoints file)`);
      if (!existsSync(keyFile)) return usage(`没有找到检查点密钥：${keyFile} (no checkpoint key)`);
      let publicKey: KeyObject;
      try {
        publicKey = readSigningKey(keyFile).publicKey;
      } catch (err) {
        return usage(`检查点密钥无法读取：${(err as Error).message}`);
      }
      const schema = schemaOf(opts);
      const { entries, unreadable } = readCheckpoints(file);
      const exported = entries.filter((e) => e.checkpoint.schema === schema).map((e) => e.checkpoint);
      const doc = { format: 'zhidu-checkpoints/1', schema, key_id: keyIdOf(publicKey), public_key: publicKeyPem(publicKey), exported_at: new Date().toISOString(), checkpoints: exported };
      const text = JSON.stringify(doc, null, 2) + '\n';
      if (opts.out) writeFileSync(opts.out, text);
      else process.stdout.write(text);
      process.stderr.write(`已导出 ${exported.length} 个检查点（schema ${schema}，公钥 ${doc.key_id}）${opts.out ? `到 ${resolve(opts.out)}` : ''}\nexported ${exported.length} checkpoints\n`);
      for (const u of unreadable) process.stderr.write(problemLines(unreadableProblem(u)));
      process.exitCode = unreadable.length > 0 ? 1 : 0;
    });
}
