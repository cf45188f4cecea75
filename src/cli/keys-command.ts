import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { addKey, KeyNameTaken, KeyNotFound, LastAdminKey, listKeys, revokeKey } from '../../server/keys-file.js';
import { ROLES, type Role } from '../../server/api-keys.js';

/** The same file the server reads (server/config.ts): ZHIDU_KEYS_FILE, else keys.json in the data directory. */
function keysFilePath(opts: { file?: string }): string {
  return resolve(opts.file ?? process.env.ZHIDU_KEYS_FILE ?? join(process.env.ZHIDU_DATA_DIR ?? 'data', 'keys.json'));
}

function fail(message: string): void {
  process.stderr.write(message + '\n');
  process.exitCode = 2;
}

/** `zhidu keys add|list|revoke`: manage API keys without editing the keys file by hand. */
export function addKeysCommand(program: Command): void {
  const keys = program.command('keys').description('API 密钥与经办人账户');
  const fileOption = ['--file <path>', 'keys file (default: $ZHIDU_KEYS_FILE or $ZHIDU_DATA_DIR/keys.json or ./data/keys.json)'] as const;

  keys
    .command('add')
    .description('新增密钥（密钥只显示这一次，文件中只存其 sha256）')
    .requiredOption('--name <name>', 'who the key belongs to (recorded with each decision)')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--rate-limit <n>', 'requests per rate window for this key')
    .option(...fileOption)
    .option('--json', 'machine-readable result')
    .action((opts: { name: string; role: string; rateLimit?: string; file?: string; json?: boolean }) => {
      if (!(ROLES as readonly string[]).includes(opts.role)) return fail(`角色无效：${opts.role}（可选：${ROLES.join('、')}）`);
      let rate: number | undefined;
      if (opts.rateLimit !== undefined) {
        rate = Number(opts.rateLimit);
        if (!Number.isInteger(rate) || rate < 1) return fail(`--rate-limit 必须是正整数：${opts.rateLimit}`);
      }
      const path = keysFilePath(opts);
      try {
        const { key, entry } = addKey(path, { name: opts.name, role: opts.role as Role, ...(rate !== undefined ? { rate_limit: rate } : {}) });
        if (opts.json) process.stdout.write(JSON.stringify({ name: entry.name, role: entry.role, key }) + '\n');
        else process.stdout.write(`已为「${entry.name}」（${entry.role}）创建密钥，只显示这一次，请妥善保存：\n\n  ${key}\n\n登录：在网页登录页粘贴此密钥，或在请求中加 Authorization: Bearer <密钥>\nKeys file: ${path}\n`);
      } catch (err) {
        if (err instanceof KeyNameTaken) return fail(`名称已存在：${opts.name}（先 zhidu keys revoke 再新增）`);
        return fail(`无法新增密钥：${(err as Error).message}`);
      }
    });

  keys
    .command('list')
    .description('列出密钥的名称与角色（不显示密钥）')
    .option(...fileOption)
    .option('--json', 'machine-readable list')
    .action((opts: { file?: string; json?: boolean }) => {
      try {
        const list = listKeys(keysFilePath(opts));
        if (opts.json) process.stdout.write(JSON.stringify(list, null, 2) + '\n');
        else {
          for (const k of list) process.stdout.write(`${k.name}\t${k.role}${k.rate_limit !== undefined ? `\t${k.rate_limit}/窗口` : ''}\n`);
          process.stdout.write(`共 ${list.length} 个密钥。\n`);
        }
      } catch (err) {
        return fail(`无法读取密钥文件：${(err as Error).message}`);
      }
    });

  keys
    .command('revoke')
    .description('吊销某人的密钥')
    .argument('<name>', 'name of the key to revoke')
    .option(...fileOption)
    .action((name: string, opts: { file?: string }) => {
      try {
        const removed = revokeKey(keysFilePath(opts), name);
        process.stdout.write(`已吊销「${removed.name}」（${removed.role}）的密钥。\n`);
      } catch (err) {
        if (err instanceof KeyNotFound) return fail(`没有名为「${name}」的密钥`);
        if (err instanceof LastAdminKey) return fail(`不能吊销最后一个管理员密钥「${name}」：请先为另一位管理员新增密钥`);
        return fail(`无法吊销密钥：${(err as Error).message}`);
      }
    });
}
