export { connect, type SqlClient, type SqlQueryable, type ConnectOptions } from './sql-client.js';
export { DecisionLog, type VerifyResult, type DecisionSummary, type ListFilter, type StoredRef } from './decision-log.js';
export { migrate, MIGRATIONS, GENESIS_HASH } from './migrations.js';
export * from './log-record.js';
