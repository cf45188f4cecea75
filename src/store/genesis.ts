/** The hash before the first record of every chain. */
export const GENESIS_HASH = '0'.repeat(64);
