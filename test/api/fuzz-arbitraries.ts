import fc from 'fast-check';

/**
 * Hostile values for the fuzz test (test/api/fuzz.test.ts), derived from JSON
 * Schemas. Values are built as JSON *text*, not as objects, so that what
 * JSON.stringify cannot write is sent too: repeated keys, own `__proto__`
 * keys, numbers beyond double range, raw lone surrogates.
 */

export type Schema = Record<string, unknown>;

/** Resolves `$ref` against the schemas the app registered (by `$id`). */
export type Deref = (schema: Schema, base: string) => [Schema, string];

export function makeDeref(docs: Record<string, unknown>): Deref {
  return (schema, base) => {
    let s = schema;
    let b = base;
    for (let hops = 0; typeof s.$ref === 'string'; hops++) {
      if (hops > 20) throw new Error(`fuzz: $ref loop at ${String(s.$ref)}`);
      const [file = '', fragment = ''] = s.$ref.split('#');
      const id = file ? new URL(file, b || undefined).href : b;
      let target: unknown = docs[id];
      for (const part of fragment.split('/').filter(Boolean)) target = (target as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
      if (!target || typeof target !== 'object') throw new Error(`fuzz: cannot resolve ${String(s.$ref)} from ${b || '(route)'}`);
      s = target as Schema;
      b = id;
    }
    return [s, b];
  };
}

const LONG = 'x'.repeat(10_001);

/** Strings that have broken something somewhere: NUL, lone surrogates, prototype names, traversal, out-of-range dates, numbers as text. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00y',
  '\ufeff',
  '\u202eabc',
  '𝟘𝟙',
  '中文',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '../../package.json',
  '..',
  '%00',
  '%',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '0000-01-01',
  '0999-12-31',
  '9999-12-31',
  '+010000-01-01',
  '10000-01-01',
  '2024-02-30',
  '2024-13-01',
  '2024-01-01T25:00:00Z',
  '1e309',
  '-0',
  'NaN',
  'Infinity',
  '00000000-0000-0000-0000-000000000000',
  '9'.repeat(400),
  'x'.repeat(201),
  LONG,
  '\r\n',
  'a\nb',
  '${process.env}',
  '{{constructor}}',
  '*',
  'true',
  'null',
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
);

/** A string as JSON text; lone surrogates stay escaped (JSON.stringify writes them as \udxxx). */
export const str = (s: string): string => JSON.stringify(s);

const deep = (open: string, close: string, n: number): string => open.repeat(n) + close.repeat(n);

/** Any hostile JSON value, of no particular type. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('null', 'true', 'false', '0', '-1', '-0', '1.5', '1e400', '-1e400', '1e-400', '123456789012345678901234567890', '9007199254740993', '""', '[]', '{}') },
  { weight: 3, arbitrary: hostileString.map(str) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '{"__proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"prototype":1}',
      '{"a":1,"a":2}',
      '{"\\u005f_proto__":{}}',
      deep('[', ']', 33),
      deep('[', ']', 5000),
      `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`,
      `[${Array(2000).fill('0').join(',')}]`,
      `{${Array.from({ length: 500 }, (_, i) => `"k${i}":${i}`).join(',')}}`,
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)) },
);

const numberText = (s: Schema): fc.Arbitrary<string> => {
  const min = typeof s.minimum === 'number' ? s.minimum : -1e6;
  const max = typeof s.maximum === 'number' ? Math.max(s.maximum, min) : min + 2e6;
  // fc.integer is bounded to 32 bits.
  const inRange =
    s.type === 'integer'
      ? fc.integer({ min: Math.max(Math.ceil(min), -(2 ** 31)), max: Math.max(Math.min(Math.floor(max), 2 ** 31 - 1), Math.max(Math.ceil(min), -(2 ** 31))) }).map(String)
      : fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n));
  return fc.oneof({ weight: 4, arbitrary: inRange }, { weight: 1, arbitrary: fc.constantFrom(String(min - 1), String(max + 1), '0.1', '1e400', '-0', '12345678901234567890.123456789') });
};

function stringValue(s: Schema, known: fc.Arbitrary<string> | undefined): fc.Arbitrary<string> {
  const options: Array<fc.WeightedArbitrary<string>> = [{ weight: 1, arbitrary: hostileString }];
  if (known) options.push({ weight: 4, arbitrary: known });
  if (typeof s.pattern === 'string') options.push({ weight: 3, arbitrary: fc.stringMatching(new RegExp(s.pattern)) });
  if (s.format === 'date') options.push({ weight: 3, arbitrary: fc.date({ min: new Date('0001-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)) });
  if (s.format === 'date-time') options.push({ weight: 2, arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()) });
  options.push({ weight: 2, arbitrary: fc.string({ minLength: typeof s.minLength === 'number' ? s.minLength : 0, maxLength: Math.min(typeof s.maxLength === 'number' ? s.maxLength : 30, 30) }) });
  return fc.oneof(...options);
}

export interface DeriveContext {
  readonly deref: Deref;
  /** Real values for a property or parameter of that name (rule-set ids, decision ids, versions, YAML texts …). */
  readonly known: (name: string) => fc.Arbitrary<string> | undefined;
  /** Arbitraries for a free-form object property of that name (e.g. facts, from the rule sets' input schemas). */
  readonly freeObject: (name: string) => fc.Arbitrary<string> | undefined;
}

/** Keys added to objects besides the declared ones: prototype keys, junk, and declared names again (a repeated key). */
const extraKey = (declared: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'x', '', '\u0000', '\ud800', LONG), ...(declared.length > 0 ? [fc.constantFrom(...declared)] : []));

/** JSON text for a value of `schema`: mostly of the right shape (to get past the first check), with hostile values anywhere in it. */
export function valueText(ctx: DeriveContext, schema: Schema, base: string, depth = 0, name = ''): fc.Arbitrary<string> {
  const [s, b] = ctx.deref(schema, base);
  if (depth > 5) return hostileText;
  return fc.oneof({ weight: 7, arbitrary: typedText(ctx, s, b, depth, name) }, { weight: 1, arbitrary: hostileText });
}

function typedText(ctx: DeriveContext, s: Schema, b: string, depth: number, name: string): fc.Arbitrary<string> {
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[])).map((v) => JSON.stringify(v));
  if ('const' in s) return fc.constant(JSON.stringify(s.const));
  const alternatives = (s.oneOf ?? s.anyOf) as Schema[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((alt) => valueText(ctx, alt, b, depth + 1, name)));
  if (Array.isArray(s.allOf)) return typedText(ctx, mergeAll(ctx, s.allOf as Schema[], b), b, depth, name);
  const type = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : [];
  if (type.length > 1) return fc.oneof(...type.map((t) => typedText(ctx, { ...s, type: t }, b, depth, name)));
  switch (type[0]) {
    case 'object':
      return objectText(ctx, s, b, depth, name);
    case 'array': {
      const items = (s.items as Schema | undefined) ?? {};
      return fc.array(valueText(ctx, items, b, depth + 1, name), { maxLength: 4 }).map((xs) => `[${xs.join(',')}]`);
    }
    case 'string':
      return stringValue(s, ctx.known(name)).map(str);
    case 'integer':
    case 'number':
      return numberText(s);
    case 'boolean':
      return fc.boolean().map(String);
    case 'null':
      return fc.constant('null');
    default:
      return hostileText;
  }
}

/** allOf as one schema: properties and required lists put together (enough to derive values). */
function mergeAll(ctx: DeriveContext, parts: readonly Schema[], base: string): Schema {
  const merged: Schema = { type: 'object', properties: {}, required: [] };
  for (const part of parts) {
    const [p] = ctx.deref(part, base);
    Object.assign(merged.properties as Schema, p.properties ?? {});
    (merged.required as string[]).push(...((p.required as string[] | undefined) ?? []));
    if (p.type && p.type !== 'object') merged.type = p.type;
  }
  return merged;
}

function objectText(ctx: DeriveContext, s: Schema, b: string, depth: number, name: string): fc.Arbitrary<string> {
  const properties = Object.entries((s.properties as Record<string, Schema> | undefined) ?? {});
  if (properties.length === 0) {
    const free = ctx.freeObject(name);
    if (free) return free;
  }
  const required = new Set((s.required as string[] | undefined) ?? []);
  const entries = properties.map(([key, sub]) => {
    const entry = valueText(ctx, sub, b, depth + 1, key).map((v) => `${str(key)}:${v}`);
    // A required property is mostly there, an optional one half the time.
    return required.has(key) ? fc.oneof({ weight: 9, arbitrary: entry }, { weight: 1, arbitrary: fc.constant('') }) : fc.option(entry, { nil: '' });
  });
  const extras = fc.array(fc.tuple(extraKey(properties.map(([k]) => k)), hostileText).map(([k, v]) => `${str(k)}:${v}`), { maxLength: 2 });
  const extraWeight = properties.length === 0 ? 1 : 4;
  return fc.tuple(fc.tuple(...entries), fc.oneof({ weight: extraWeight, arbitrary: fc.constant([] as string[]) }, { weight: 1, arbitrary: extras })).map(([own, extra]) => `{${[...own, ...extra].filter(Boolean).join(',')}}`);
}

/** A query-string value for a parameter: the schema's kind of value, a real one, or a hostile one. */
export function queryValue(ctx: DeriveContext, schema: Schema, base: string, name: string): fc.Arbitrary<string> {
  const [s] = ctx.deref(schema, base);
  if (Array.isArray(s.enum)) return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...(s.enum as unknown[]).map(String)) }, { weight: 1, arbitrary: hostileString });
  if (s.type === 'integer' || s.type === 'number') return fc.oneof(numberText(s), hostileString);
  return stringValue(s, ctx.known(name));
}
