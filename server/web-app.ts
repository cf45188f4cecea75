import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { ERRORS } from '../src/errors/catalogue.js';
// Brings in the `hide` schema option that keeps these routes out of the OpenAPI document.
import type {} from '@fastify/swagger';

/** web/ beside server/: plain ES modules and CSS, served as they are (no build step). */
export const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'web');

/** Fact-check messages the browser fills in before sending, so they read exactly like the API's own 400s. */
const CLIENT_MESSAGE_CODES = ['FACT_REQUIRED', 'FACT_TYPE', 'FACT_RANGE', 'FACT_UNKNOWN'] as const;

export interface WebAppOptions {
  /** Directory to serve; defaults to the repository's web/. */
  root?: string;
}

/**
 * The caseworkers' web app at `/`, in the API's own process. It talks to the
 * server only through the public /v1 API; everything it loads is served from
 * here (the CSP forbids any other origin, so a stray CDN link fails loudly).
 */
export async function webApp(app: FastifyInstance, opts: WebAppOptions = {}): Promise<void> {
  const messages = Object.fromEntries(CLIENT_MESSAGE_CODES.map((code) => [code, { zh: ERRORS[code].zh, en: ERRORS[code].en }]));
  app.get('/app/messages.json', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('cache-control', 'no-cache');
    return messages;
  });

  await app.register(fastifyStatic, {
    root: opts.root ?? WEB_ROOT,
    prefix: '/',
    index: ['index.html'],
    // Small files that change with every deploy: always revalidate rather than cache stale app code.
    cacheControl: false,
    decorateReply: false,
    wildcard: true,
    setHeaders(res) {
      res.setHeader('cache-control', 'no-cache');
      res.setHeader(
        'content-security-policy',
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
      );
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');
    },
  });
}

export default webApp;
