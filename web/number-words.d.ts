// Types for the server (src/decision/render.ts), which imports this browser module.
export function moneyText(text: string): string;
export function withUnit(text: string, unit: string | undefined): string;
export function spaceBefore(textBefore: string, value: string): string;
export function spaceAfter(value: string, textAfter: string): string;
