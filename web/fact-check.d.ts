// Types for the unit tests, which import the browser module directly.
export function useTemplates(t: unknown): void;
export function checkAnswer(name: string, prop: Record<string, unknown>, raw: string, required: boolean): { empty: true } | { value: unknown } | { error: string };
export function rangeText(prop: Record<string, unknown>): string;
