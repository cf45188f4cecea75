/**
 * A bad fixture as data: a base file and exact text substitutions. Each find
 * must occur exactly once, so a change to the base breaks the patch loudly
 * instead of silently testing something else.
 */
export interface FixturePatch {
  /** Path of the base file, relative to the patch file. */
  readonly base: string;
  readonly replace: readonly { readonly find: string; readonly with: string }[];
}

export function applyFixturePatch(base: string, patch: FixturePatch, label: string): string {
  let text = base;
  for (const { find, with: replacement } of patch.replace) {
    const count = text.split(find).length - 1;
    if (count !== 1) throw new Error(`${label}: ${JSON.stringify(find)} found ${count} times, need exactly 1`);
    text = text.replace(find, () => replacement);
  }
  if (text === base) throw new Error(`${label}: the patch changes nothing`);
  return text;
}
