import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import type { ImpactJob } from '../generated/impact-job.js';
import type { ImpactReport } from '../impact/impact-report.js';
import { formatImpact } from '../impact/format-impact.js';

/**
 * `zhidu jobs submit|watch|cancel`: impact jobs on a server (POST /v1/impact-jobs), followed
 * from the terminal through the job's event stream with a progress bar; Ctrl-C asks the
 * server to cancel and waits for the job to say it stopped; the report is printed or saved.
 */
interface ServerOpts {
  server: string;
  key?: string;
}

const STATUS_ZH: Record<ImpactJob['status'], string> = { queued: '排队中', running: '运行中', done: '已完成', failed: '失败', cancelled: '已取消' };

class ApiError extends Error {}

async function call(o: ServerOpts, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const key = o.key ?? process.env.ZHIDU_KEY;
  if (!key) throw new ApiError('缺少 API 密钥：用 --key 或环境变量 ZHIDU_KEY');
  const res = await fetch(new URL(path, o.server), {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 400) throw new ApiError(`服务器拒绝（${res.status} ${String(json.code ?? '')}）：${String(json.detail ?? json.title ?? '')}`);
  return { status: res.status, json };
}

/** The job's server-sent events, one job state each, until `end`. */
async function* events(o: ServerOpts, id: string): AsyncGenerator<ImpactJob> {
  const key = o.key ?? process.env.ZHIDU_KEY ?? '';
  const res = await fetch(new URL(`/v1/impact-jobs/${id}/events`, o.server), { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' } });
  if (!res.ok || !res.body) throw new ApiError(`无法跟踪任务 ${id}（${res.status}）`);
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = block.split('\n').find((l) => l.startsWith('data: '));
      if (data) yield JSON.parse(data.slice(6)) as ImpactJob;
      if (block.startsWith('event: end')) return;
    }
  }
}

/** Follow a job to its end with a progress bar (on a terminal); Ctrl-C cancels it. Exit 0 only when done. */
async function watch(o: ServerOpts & { out?: string; json?: boolean }, id: string): Promise<number> {
  const bar = new cliProgress.SingleBar({ format: '影响分析 [{bar}] {value}/{total} 条 · {rate} 条/秒 · 剩余约 {left}', stream: process.stderr }, cliProgress.Presets.shades_classic);
  let started = false;
  let cancelling = false;
  const onInt = () => {
    if (cancelling) return;
    cancelling = true;
    process.stderr.write('\n正在取消任务…\n');
    call(o, 'POST', `/v1/impact-jobs/${id}/cancel`).catch((err: Error) => process.stderr.write(`${err.message}\n`));
  };
  process.on('SIGINT', onInt);
  process.stderr.write(`正在跟踪任务 ${id}（Ctrl-C 取消任务）\n`);
  let last: ImpactJob | undefined;
  try {
    for await (const job of events(o, id)) {
      last = job;
      const p = job.progress;
      const payload = { rate: p.rate, left: p.eta_seconds === null ? '—' : `${p.eta_seconds} 秒` };
      if (!started && p.total !== null) {
        bar.start(p.total, p.done, payload);
        started = true;
      } else if (started) bar.update(p.done, payload);
    }
  } finally {
    if (started) bar.stop();
    process.off('SIGINT', onInt);
  }
  if (!last) throw new ApiError(`任务 ${id} 没有状态`);
  process.stderr.write(`任务 ${id}：${STATUS_ZH[last.status]}（${last.progress.done} 条）${last.error ? `：${last.error}` : ''}\n`);
  if (last.status !== 'done') return last.status === 'cancelled' ? 130 : 1;
  const { json } = await call(o, 'GET', `/v1/impact-jobs/${id}/report`);
  const report = json as unknown as ImpactReport;
  if (o.out) {
    writeFileSync(o.out, JSON.stringify(report, null, 2) + '\n');
    process.stderr.write(`报告已保存到 ${o.out}\n`);
  } else process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : formatImpact(report) + '\n');
  return 0;
}

function serverOptions(cmd: Command): Command {
  return cmd
    .option('--server <url>', 'the zhidu server (ZHIDU_SERVER)', process.env.ZHIDU_SERVER ?? 'http://localhost:3000')
    .option('--key <key>', 'an editor or admin API key (ZHIDU_KEY)');
}

async function run(fn: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await fn();
  } catch (err) {
    if (!(err instanceof ApiError) && !(err instanceof TypeError)) throw err;
    process.stderr.write(`错误：${err.message}${err instanceof TypeError ? '（无法连接服务器）' : ''}\n`);
    process.exitCode = 2;
  }
}

export function addJobsCommand(program: Command): void {
  const jobs = program.command('jobs').description('服务器上的影响分析任务：提交、跟踪进度、取消');
  serverOptions(jobs.command('submit'))
    .description('提交影响分析任务并跟踪到结束（Ctrl-C 取消任务）')
    .argument('<ruleset>', 'rule-set id on the server')
    .option('--to <file>', 'the draft (YAML file) to compare with the version in force')
    .option('--to-version <v>', 'a version on the server instead of a draft')
    .option('--from <v>', 'the version to compare against (default: in force on the decision date)')
    .option('--as-of <date>', 'decision date (default: the draft\'s effective date)')
    .option('--count <n>', 'generated applicants', (v) => Number.parseInt(v, 10))
    .option('--seed <n>', 'generator seed', (v) => Number.parseInt(v, 10), 1)
    .option('--upload <file>', 'real records instead (.csv or .ndjson, at most 20 000)')
    .option('--out <file>', 'save the report (JSON) instead of printing it')
    .option('--json', 'print the report as JSON')
    .option('--no-wait', 'print the job id and return at once')
    .action((ruleset: string, opts: ServerOpts & { to?: string; toVersion?: string; from?: string; asOf?: string; count?: number; seed: number; upload?: string; out?: string; json?: boolean; wait: boolean }) =>
      run(async () => {
        if (!opts.to === !opts.toVersion) throw new ApiError('用法错误：--to <草稿文件> 与 --to-version <版本> 二选一');
        if ((opts.count === undefined) === !opts.upload) throw new ApiError('用法错误：--count <人数> 与 --upload <文件> 二选一');
        if (opts.count !== undefined && !(opts.count > 0)) throw new ApiError('用法错误：--count 应为正整数');
        const population = opts.upload ? { upload: { format: /\.csv$/i.test(opts.upload) ? 'csv' : 'ndjson', text: readFileSync(opts.upload, 'utf8') } } : { count: opts.count, seed: opts.seed };
        const body = {
          ruleset,
          to: opts.to ? { yaml: readFileSync(opts.to, 'utf8') } : { version: opts.toVersion },
          ...(opts.from ? { from: opts.from } : {}),
          ...(opts.asOf ? { as_of: opts.asOf } : {}),
          population,
        };
        const { json } = await call(opts, 'POST', '/v1/impact-jobs', body);
        const job = json as unknown as ImpactJob;
        process.stderr.write(`已提交任务 ${job.id}（${job.population}）\n`);
        if (!opts.wait) {
          process.stdout.write(`${job.id}\n`);
          return 0;
        }
        return watch(opts, job.id);
      }),
    );
  serverOptions(jobs.command('watch'))
    .description('跟踪任务进度直到结束，然后输出报告（Ctrl-C 取消任务）')
    .argument('<id>', 'job id')
    .option('--out <file>', 'save the report (JSON) instead of printing it')
    .option('--json', 'print the report as JSON')
    .action((id: string, opts: ServerOpts & { out?: string; json?: boolean }) => run(() => watch(opts, id)));
  serverOptions(jobs.command('cancel'))
    .description('取消任务')
    .argument('<id>', 'job id')
    .action((id: string, opts: ServerOpts) =>
      run(async () => {
        const { json } = await call(opts, 'POST', `/v1/impact-jobs/${id}/cancel`);
        process.stderr.write(`已请求取消任务 ${id}（${STATUS_ZH[(json as unknown as ImpactJob).status]}）\n`);
        return 0;
      }),
    );
}
