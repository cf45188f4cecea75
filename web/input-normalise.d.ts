// Types for the unit tests, which import the browser module directly.
export function toHalfWidth(text: string): string;
export function normaliseNumber(raw: string, options?: { money?: boolean }): string;
export function normaliseDate(raw: string): string;
export function normaliseAnswer(prop: Record<string, unknown> | undefined, raw: unknown): unknown;
