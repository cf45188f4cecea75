import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { parse } from 'yaml';
import type { InjectOptions, RouteOptions } from 'fastify';
import { ERRORS } from '../../src/errors/catalogue.js';
import { applyFixturePatch, type FixturePatch } from '../fixture-patch.js';
import { startTestApp, stopTestApp, as, logCount, KEYS, type TestServer } from './harness.js';
import { hostileString, hostileText, makeDeref, queryValue, valueText, type DeriveContext, type Schema } from './fuzz-arbitraries.js';

/**
 * The standing hostile-request suite (issue #15): property-based requests to
 * every route the app has — enumerated from the app itself, so a new route is
 * fuzzed without anyone adding it here — with bodies, queries and paths
 * derived from the route's own schemas and filled with hostile values.
 *
 * What must hold for every request: no 5xx; every 4xx is problem+json with a
 * code from the error catalogue and that code's status; a refused request
 * leaves the decision log as it was.
 *
 * ZHIDU_FUZZ_RUNS (default 2,000 requests) and ZHIDU_FUZZ_SEED replay or
 * widen a run; `npm run fuzz` runs 50,000. On failure fast-check prints the
 * seed and path that reproduce it: ZHIDU_FUZZ_SEED=<seed> reruns it.
 */
const RUNS = Math.max(1, Number(process.env.ZHIDU_FUZZ_RUNS ?? 2000));
const SEED = process.env.ZHIDU_FUZZ_SEED ? Number(process.env.ZHIDU_FUZZ_SEED) : Date.now() ^ (Math.random() * 2 ** 31);

interface Route {
  readonly method: string;
  readonly url: string;
  readonly schema: { body?: Schema; querystring?: Schema; params?: Schema };
  readonly accepts: readonly string[] | undefined;
}

interface Req {
  readonly route: number;
  readonly method: string;
  readonly url: string;
  readonly auth: keyof typeof KEYS | 'none' | 'wrong';
  readonly headers: Record<string, string>;
  readonly payload?: string | Buffer;
}

const routes: Route[] = [];
let server: TestServer;
let ctx: DeriveContext;
const pools = new Map<string, fc.Arbitrary<string>>();
let factsByRuleset = new Map<string, string[]>();
let inputsByRuleset = new Map<string, Schema>();

/** Rule files the YAML routes are sent: every bad fixture, every real rule set, and a few attacks of their own. */
function yamlTexts(): string[] {
  const dir = 'test/fixtures/bad';
  const bad = readdirSync(dir)
    .filter((f) => f.endsWith('.patch.yaml'))
    .map((f) => {
      const patch = parse(readFileSync(`${dir}/${f}`, 'utf8')) as FixturePatch;
      return applyFixturePatch(readFileSync(`${dir}/${patch.base}`, 'utf8'), patch, f);
    });
  const good = readdirSync('rules').filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml')).map((f) => readFileSync(`rules/${f}`, 'utf8'));
  const laughs = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');
  return [...bad, ...good, good[0]?.replace(/^version: .*$/m, 'version: 99.0.0') ?? '', laughs, '---\na: 1\n---\nb: 2\n', 'a: !!binary aGVsbG8=\n', '{a: 1, a: 2}\n', '['.repeat(100_000), 'x: .inf\n', '\u0000', '\ufeffid: x\n', 'id: [\n'];
}

beforeAll(async () => {
  server = await startTestApp({
    rulesDir: 'rules',
    // Limits that would answer 429 to most of the run instead of exercising the routes.
    env: { ZHIDU_RATE_LIMIT: '1000000000', ZHIDU_AUTH_FAIL_LIMIT: '1000000000' },
    onRoute: (r: RouteOptions) => {
      for (const method of [r.method].flat()) routes.push({ method, url: r.url, schema: (r.schema ?? {}) as Route['schema'], accepts: (r.config as { accepts?: readonly string[] } | undefined)?.accepts });
    },
  });
  const { app } = server;
  await app.ready();
  const { registry } = app.zhidu;
  const ids = registry.ids();
  factsByRuleset = new Map(
    readdirSync('rules')
      .filter((f) => f.endsWith('.test.yaml'))
      .map((f) => {
        const t = parse(readFileSync(`rules/${f}`, 'utf8')) as { ruleset: string; cases: Array<{ facts: unknown }> };
        return [t.ruleset, t.cases.map((c) => JSON.stringify(c.facts))];
      }),
  );
  inputsByRuleset = new Map(ids.map((id) => [id, registry.latest(id)?.definition.inputs as unknown as Schema]));

  // Real things to point at: a decision, a determination of it, a case.
  const [rs, facts] = [...factsByRuleset].find(([id]) => ids.includes(id)) ?? [];
  if (!rs || !facts?.[0]) throw new Error('fuzz: no rule set with test facts in rules/');
  const decided = await app.inject(as('caseworker', { method: 'POST', url: `/v1/rulesets/${rs}/evaluate`, payload: facts[0].startsWith('{') ? `{"facts":${facts[0]}}` : '{}', headers: { 'content-type': 'application/json' } }));
  if (decided.statusCode !== 200) throw new Error(`fuzz: seeding a decision failed: ${decided.body}`);
  const decisionId = decided.json().id as string;
  const determined = await app.inject(as('caseworker', { method: 'POST', url: `/v1/decisions/${decisionId}/determinations`, payload: { agree: true } }));
  const opened = await app.inject(as('caseworker', { method: 'POST', url: '/v1/cases', payload: { ruleset: rs, applicant: { name: '张三', id_number: '11010519491231002X' } } }));
  if (opened.statusCode !== 201 && opened.statusCode !== 200) throw new Error(`fuzz: seeding a case failed: ${opened.body}`);

  const versions = [...new Set(ids.flatMap((id) => registry.versions(id).map((v) => v.version)))];
  const sources = readdirSync('rules/sources').slice(0, 5);
  const constant = (values: string[]) => fc.constantFrom(...values);
  pools.set('id', constant([...ids, decisionId, opened.json().id as string, randomUUID()]));
  pools.set('ruleset', constant(ids));
  pools.set('version', constant([...versions, '99.0.0']));
  pools.set('from', constant([...versions, '1', '3', '2024-01-01', '2024-01-01T00:00:00Z']));
  pools.set('to', constant([...versions, '2', '10', '2024-12-31', '9999-12-31']));
  pools.set('file', constant([...sources, 'upload.yaml']));
  pools.set('supersedes', constant([(determined.json() as { id?: string }).id ?? randomUUID()]));
  // Never the harness's own key names: revoking them would end the run's authenticated half.
  pools.set('name', constant(['fuzz-key', 'test-nobody', '张三']));
  pools.set('id_number', constant(['11010519491231002X', '110105194912310021']));
  pools.set('phone', constant(['13812345678', '010-12345678']));
  pools.set('outcome', constant(['true', 'false', 'undetermined']));
  pools.set('as_of', constant(['2024-06-01', '2026-01-01', '1999-12-31']));
  pools.set('yaml', constant(yamlTexts()));
  pools.set('*', constant(['', 'app/', 'app/index.html', '%00', '%2e%2e/%2e%2e/package.json', '../x', 'docs/static/../../../package.json', 'favicon.ico', 'a'.repeat(300), '%', 'app/%E0%A4%A']));

  ctx = {
    deref: makeDeref(app.getSchemas() as Record<string, unknown>),
    known: (name) => pools.get(name),
    freeObject: (name) => (name === 'facts' || name === 'answers' ? factsFor(undefined) : undefined),
  };
}, 600_000);

afterAll(async () => {
  if (server) await stopTestApp(server);
});

/** Facts for a rule set: its own test cases' facts (they get past validation), or derived from its input schema. */
function factsFor(ruleset: string | undefined): fc.Arbitrary<string> {
  const ids = ruleset && inputsByRuleset.has(ruleset) ? [ruleset] : [...inputsByRuleset.keys()];
  return fc.constantFrom(...ids).chain((id) => {
    const known = factsByRuleset.get(id) ?? [];
    const derived = valueText({ ...ctx, freeObject: () => undefined }, inputsByRuleset.get(id) ?? {}, '', 1);
    return known.length > 0 ? fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: derived }) : derived;
  });
}

const HOSTILE_SEGMENTS = ['%00', '%', '%E0%A4%A', '..', '%2e%2e', '%2F', '%ZZ', '', 'a'.repeat(300), '%C0%AE', '%FF'];
const WRONG_TYPES = ['text/html', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/yaml', 'application/x-ndjson', 'application/octet-stream', 'application/problem+json', ';;;', 'application/json, text/plain'];
const RAW_QUERIES = ['%', 'a=%ZZ', '__proto__=1', '__proto__[x]=1', 'constructor[prototype][x]=1', 'explain=full&explain=none', '&&&', '=', 'limit=1&limit=2', `x=${'a'.repeat(5000)}`];

/** The arbitrary for one route: its path parameters, query and body, each from its schema (and real values), often hostile. */
function requestFor(index: number, route: Route): fc.Arbitrary<Req> {
  const paramSchema = route.schema.params ? ctx.deref(route.schema.params, '')[0] : undefined;
  const names = [...route.url.matchAll(/:(\w+)/g)].map((m) => m[1] as string);
  if (route.url.endsWith('*')) names.push('*');
  const params: Record<string, fc.Arbitrary<string>> = {};
  for (const name of names) {
    const known = pools.get(name);
    const declared = (paramSchema?.properties as Record<string, Schema> | undefined)?.[name];
    if (!known && !declared) throw new Error(`fuzz: no generator for path parameter "${name}" of ${route.method} ${route.url}: add real values to the pools or a params schema to the route`);
    const options: Array<fc.WeightedArbitrary<string>> = [
      { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS) },
      { weight: 1, arbitrary: hostileString.map(pct) },
    ];
    if (known) options.push({ weight: 5, arbitrary: name === '*' ? known : known.map(pct) });
    if (declared) options.push({ weight: 1, arbitrary: queryValue(ctx, declared, '', name).map(pct) });
    params[name] = fc.oneof(...options);
  }
  const query = queryFor(route);
  const auth = fc.oneof(
    { weight: 1, arbitrary: fc.constant('none' as const) },
    { weight: 1, arbitrary: fc.constant('wrong' as const) },
    { weight: 8, arbitrary: fc.constantFrom('caseworker' as const, 'system' as const, 'editor' as const, 'editor2' as const, 'admin' as const) },
  );
  return fc.record({ params: fc.record(params), query, auth, keyHeader: fc.boolean() }).chain(({ params: p, query: q, auth: a, keyHeader }) =>
    bodyFor(route, p.id).map((body): Req => {
      const path = route.url.replace(/:(\w+)/g, (_, n: string) => p[n] ?? '').replace(/\*$/, p['*'] ?? '');
      const headers: Record<string, string> = { ...body.headers };
      if (a !== 'none') {
        const key = a === 'wrong' ? 'not-a-key' : KEYS[a];
        if (keyHeader) headers['x-api-key'] = key;
        else headers.authorization = `Bearer ${key}`;
      }
      return { route: index, method: route.method, url: q ? `${path}?${q}` : path, auth: a, headers, ...(body.payload !== undefined ? { payload: body.payload } : {}) };
    }),
  );
}

function queryFor(route: Route): fc.Arbitrary<string> {
  const [s] = route.schema.querystring ? ctx.deref(route.schema.querystring, '') : [{} as Schema];
  const props = Object.entries((s.properties as Record<string, Schema> | undefined) ?? {});
  const own = props.length > 0 ? fc.record(Object.fromEntries(props.map(([k, v]) => [k, queryValue(ctx, v, '', k)])), { requiredKeys: [] }) : fc.constant({} as Record<string, string>);
  return fc.oneof(
    { weight: 6, arbitrary: own.map((o) => Object.entries(o).map(([k, v]) => `${pct(k)}=${pct(v ?? "")}`).join('&')) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_QUERIES) },
    { weight: 1, arbitrary: fc.tuple(hostileString, hostileString).map(([k, v]) => `${pct(k)}=${pct(v)}`) },
  );
}

/** JSON, YAML or NDJSON text for what the route accepts; sometimes broken bytes, cut short, empty, or sent as the wrong type. */
type Body = { payload?: string | Buffer; headers: Record<string, string> };

function bodyFor(route: Route, pathId: string | undefined): fc.Arbitrary<Body> {
  const ruleset = pathId !== undefined && inputsByRuleset.has(safeDecode(pathId)) ? safeDecode(pathId) : undefined;
  const bodyCtx: DeriveContext = { ...ctx, freeObject: (name) => (name === 'facts' || name === 'answers' ? factsFor(ruleset) : undefined) };
  const accepts = route.accepts ?? (route.schema.body ? ['application/json'] : []);
  const encoders = accepts.map((type): fc.Arbitrary<{ type: string; text: string }> => {
    const schema = route.schema.body ?? {};
    if (type === 'application/json') return valueText(bodyCtx, schema, '').map((text) => ({ type, text }));
    if (type === 'application/x-ndjson') {
      const [array, base] = ctx.deref(schema, '');
      const line = fc.oneof({ weight: 4, arbitrary: valueText(bodyCtx, (array.items as Schema | undefined) ?? {}, base) }, { weight: 1, arbitrary: fc.constantFrom('{', '', '  ', '{"facts":{}}\r', '\ud800') });
      return fc.array(line, { maxLength: 6 }).map((lines) => ({ type, text: lines.join('\n') }));
    }
    if (type.includes('yaml') || type === 'text/plain') return (pools.get('yaml') as fc.Arbitrary<string>).map((text) => ({ type, text }));
    throw new Error(`fuzz: no generator for ${type} bodies of ${route.method} ${route.url}`);
  });
  const proper = encoders.length > 0 ? fc.oneof(...encoders) : fc.constant(null);
  const wrongType = fc.tuple(fc.constantFrom(...WRONG_TYPES), fc.oneof(hostileText, fc.constant('{"facts":{}}')));
  return fc.oneof(
    { weight: encoders.length > 0 ? 8 : 1, arbitrary: proper.map((b): Body => (b ? { payload: b.text, headers: { 'content-type': b.type } } : { headers: {} })) },
    // Invalid UTF-8: a lone continuation byte, an overlong NUL, a truncated sequence.
    { weight: 1, arbitrary: fc.tuple(proper, fc.constantFrom([0x80], [0xc0, 0x80], [0xe4, 0xb8], [0xff, 0xfe])).map(([b, bytes]): Body => ({ payload: Buffer.concat([Buffer.from((b?.text ?? '{}').slice(0, 40)), Buffer.from(bytes), Buffer.from((b?.text ?? '').slice(40))]), headers: { 'content-type': b?.type ?? 'application/json' } })) },
    { weight: 1, arbitrary: proper.map((b): Body => ({ payload: (b?.text ?? '{"a":1}').slice(0, Math.max(1, Math.floor((b?.text.length ?? 2) / 2))), headers: { 'content-type': b?.type ?? 'application/json' } })) },
    { weight: 1, arbitrary: proper.map((b): Body => ({ payload: '', headers: { 'content-type': b?.type ?? 'application/json' } })) },
    { weight: 1, arbitrary: wrongType.map(([type, text]): Body => ({ payload: text, headers: { 'content-type': type } })) },
    { weight: 1, arbitrary: proper.map((b): Body => ({ payload: b?.text ?? '{}', headers: {} })) },
  );
}

/** Percent-encoding that does not throw on a lone surrogate: it is sent as the bytes UTF-8 forbids for it (ED A0 80). */
function pct(s: string): string {
  return s.replace(/[^]/gu, (c) => (c.length === 1 && c >= '\ud800' && c <= '\udfff' ? '%ED%A0%80' : encodeURIComponent(c)));
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const CODES = new Set(Object.keys(ERRORS));
const statusCount = new Map<number, number>();
const codeCount = new Map<string, number>();

/** The invariants of one request; throws with what was sent and what came back. */
async function check(req: Req): Promise<void> {
  const { app } = server;
  const before = await logCount(app);
  const res = await app.inject({ method: req.method as InjectOptions['method'], url: req.url, headers: req.headers, ...(req.payload !== undefined ? { payload: req.payload } : {}) });
  statusCount.set(res.statusCode, (statusCount.get(res.statusCode) ?? 0) + 1);
  const said = `${req.method} ${req.url.slice(0, 200)} as ${req.auth} → ${res.statusCode} ${res.body.slice(0, 600)}`;
  if (res.statusCode >= 500) throw new Error(`5xx: ${said}`);
  if (res.statusCode >= 400) {
    if (!String(res.headers['content-type']).startsWith('application/problem+json')) throw new Error(`not problem+json: ${said}`);
    if (req.method !== 'HEAD') {
      const body = res.json() as { code?: string; status?: number };
      if (!body.code || !CODES.has(body.code)) throw new Error(`code not in the catalogue: ${said}`);
      if (ERRORS[body.code as keyof typeof ERRORS].status !== res.statusCode || body.status !== res.statusCode) throw new Error(`status differs from the code's: ${said}`);
      codeCount.set(body.code, (codeCount.get(body.code) ?? 0) + 1);
    }
    const after = await logCount(app);
    if (after !== before) throw new Error(`a refused request changed the decision log (${before} → ${after} records): ${said}`);
  } else if (res.statusCode === 200 && /evaluate-batch/.test(req.url)) {
    // A batch answers 200 with each item's own problem: those are catalogue codes too.
    for (const line of res.body.startsWith('{"items"') ? (res.json() as { items: unknown[] }).items : res.body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown)) {
      const code = (line as { problem?: { code?: string } }).problem?.code;
      if (code !== undefined && !CODES.has(code)) throw new Error(`batch item code not in the catalogue: ${said}`);
    }
  }
}

describe('fuzzing every route with hostile paths, queries and bodies', () => {
  it('finds every route the app serves, and has a generator for each', () => {
    expect(routes.length).toBeGreaterThan(40);
    // Throws naming the route if a path parameter or body type has no generator.
    routes.forEach((r, i) => requestFor(i, r));
  });

  it(
    `${RUNS} requests: no 5xx, every refusal problem+json with a catalogue code, nothing recorded for a refusal`,
    async () => {
      const all = fc.oneof(...routes.map((r, i) => requestFor(i, r)));
      const hit = new Set<number>();
      await fc.assert(
        fc.asyncProperty(all, async (req) => {
          hit.add(req.route);
          await check(req);
        }),
        { numRuns: RUNS, seed: SEED },
      );
      const classes = [...statusCount].reduce<Record<string, number>>((acc, [s, n]) => ({ ...acc, [`${Math.floor(s / 100)}xx`]: (acc[`${Math.floor(s / 100)}xx`] ?? 0) + n }), {});
      console.log(`[fuzz] seed ${SEED}: ${RUNS} requests over ${routes.length} routes; ${JSON.stringify(classes)}; ${codeCount.size} distinct codes: ${[...codeCount].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ')}`);
      // A route never requested was not fuzzed: with thousands of runs each is hit many times.
      if (RUNS >= 1000) expect(routes.filter((_, i) => !hit.has(i)).map((r) => `${r.method} ${r.url}`)).toEqual([]);
    },
    Math.max(600_000, RUNS * 300),
  );
});
