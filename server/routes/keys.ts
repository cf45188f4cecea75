import type { FastifyInstance } from 'fastify';
import { api, problemResponses } from '../schemas.js';
import { problem, ProblemError } from '../problem.js';
import { addKey, KeyNameTaken, KeyNotFound, LastAdminKey, listKeys, revokeKey } from '../keys-file.js';
import type { Role } from '../api-keys.js';

interface KeyCreateBody {
  readonly name: string;
  readonly role: Role;
  readonly rate_limit?: number;
}

/**
 * API keys and caseworker accounts, managed by an admin without editing the
 * keys file: the same file and functions as `zhidu keys` (server/keys-file.ts),
 * so the CLI, this API and every server reading the file agree.
 */
export async function keyRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.zhidu;
  const security = [{ apiKey: [] }];

  const keysFile = (): string => {
    if (!ctx.keysFile) throw new ProblemError(problem('KEYS_NOT_MANAGED'));
    return ctx.keysFile;
  };

  app.get(
    '/v1/keys',
    {
      config: { permission: 'manageKeys' },
      schema: { tags: ['keys'], summary: 'The keys: each holder\'s name and role (never the key or its hash)', security, response: { 200: api('KeyList'), ...problemResponses(401, 403, 409, 429) } },
    },
    async () => ({ keys: listKeys(keysFile()) }),
  );

  app.post<{ Body: KeyCreateBody }>(
    '/v1/keys',
    {
      config: { permission: 'manageKeys', accepts: ['application/json'] },
      schema: {
        tags: ['keys'],
        summary: 'Create a key for a named person or system; the key is in this response only',
        security,
        body: api('KeyCreateRequest'),
        response: { 201: api('KeyCreated'), ...problemResponses(400, 401, 403, 409, 415, 429) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      try {
        const { key, entry } = addKey(keysFile(), { name: body.name.trim(), role: body.role, ...(body.rate_limit !== undefined ? { rate_limit: body.rate_limit } : {}) });
        ctx.keys.refresh?.();
        request.log.info({ keys: { added: entry.name, role: entry.role, by: request.caller?.name } }, 'API key added');
        return reply.code(201).send({ name: entry.name, role: entry.role, ...(entry.rate_limit !== undefined ? { rate_limit: entry.rate_limit } : {}), key });
      } catch (err) {
        if (err instanceof KeyNameTaken) throw new ProblemError(problem('KEY_NAME_TAKEN', { key: body.name.trim() }));
        throw err;
      }
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/v1/keys/:name',
    {
      config: { permission: 'manageKeys' },
      schema: {
        tags: ['keys'],
        summary: 'Revoke a key: its holder can no longer sign in or call the API',
        security,
        params: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 64 } } },
        response: { 200: api('KeyInfo'), ...problemResponses(401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const { name } = request.params;
      try {
        const removed = revokeKey(keysFile(), name);
        ctx.keys.refresh?.();
        request.log.info({ keys: { revoked: removed.name, by: request.caller?.name } }, 'API key revoked');
        return { name: removed.name, role: removed.role, ...(removed.rate_limit !== undefined ? { rate_limit: removed.rate_limit } : {}) };
      } catch (err) {
        if (err instanceof KeyNotFound) throw new ProblemError(problem('KEY_NOT_FOUND', { key: name }));
        if (err instanceof LastAdminKey) throw new ProblemError(problem('KEY_LAST_ADMIN', { key: name }));
        throw err;
      }
    },
  );
}
