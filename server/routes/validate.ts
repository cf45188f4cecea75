import type { FastifyInstance } from 'fastify';
export async function validateRoutes(_app: FastifyInstance): Promise<void> {}
