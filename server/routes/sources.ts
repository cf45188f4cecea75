import type { FastifyInstance } from 'fastify';
import { api, problemResponses } from '../schemas.js';
import { fail } from '../problem.js';

export async function sourceRoutes(app: FastifyInstance): Promise<void> {
  const { registry } = app.zhidu;
  app.get<{ Params: { file: string }; Querystring: { from?: string; to?: string } }>(
    '/v1/sources/:file',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['rulesets'],
        summary: 'Lines of a cited source text (rules/sources/), so a citation can be shown with its lines',
        security: [{ apiKey: [] }],
        params: { type: 'object', required: ['file'], properties: { file: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,200}\\.txt$' } } },
        querystring: api('SourceQuery'),
        response: { 200: api('SourceExcerpt'), ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const { file } = request.params;
      // SourceTexts only opens plain names ending .txt in the sources directory: no path escapes.
      const lines = registry.sources.lines(file);
      if (!lines) fail('SOURCE_NOT_FOUND', { key: file, found: '' }, { pointer: '/file' });
      const from = request.query.from ? Number(request.query.from) : 1;
      const to = request.query.to ? Number(request.query.to) : lines.length;
      if (from > to || to > lines.length) fail('SOURCE_NOT_FOUND', { key: file, found: `${from}-${to}` }, { pointer: from > to ? '/from' : '/to' });
      return { file, from, to, total: lines.length, lines: lines.slice(from - 1, to).map((text, i) => ({ n: from + i, text })) };
    },
  );
}
