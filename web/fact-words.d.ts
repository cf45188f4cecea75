// Types for the server (src/eval/check-facts.ts), which imports this browser module.
type Prop = Record<string, unknown> | undefined;
export type Words = { zh: string; en: string };
export function factLabel(name: string, prop: Prop): string;
export function expectedWords(prop: Prop, kind?: 'type' | 'minimum' | 'maximum' | 'exclusiveMinimum' | 'exclusiveMaximum' | 'maxLength' | 'pattern'): Words;
export function foundWords(value: unknown): Words;
