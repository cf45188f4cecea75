/**
 * What the terminal shows on first start: the admin key (only this once),
 * where to open the app and how to sign in, so nobody has to read the docs first.
 */
export function firstStartMessage(key: string, keysFile: string, host: string, port: number): string {
  // 0.0.0.0 / :: are listening addresses, not ones a browser can open.
  const shown = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${port}/`;
  return (
    `\n首次启动：已创建管理员 API 密钥（只显示这一次，请妥善保存）\nFirst start: created an admin API key (shown only this once):\n\n  ${key}\n\n` +
    `打开 ${url} ，在登录页粘贴上面的密钥即可登录。\nOpen ${url} and paste the key above on the sign-in page.\n` +
    `为经办人新增密钥：npx zhidu keys add --role caseworker --name 张三\n\nKeys file: ${keysFile}\n\n`
  );
}
