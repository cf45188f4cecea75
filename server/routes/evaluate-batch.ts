import type { FastifyInstance } from 'fastify';
export async function batchRoutes(_app: FastifyInstance): Promise<void> {}
