import type { Engine } from 'json-rules-engine';
import type { ValidateFunction } from 'ajv';
import type { RuleSet, Rule, Output } from '../generated/rule-set.js';
import type { Decision } from '../generated/decision.js';
import type { CompiledFormula } from '../eval/formula.js';
import type { FactInfo } from './fact-catalogue.js';
import type { CompiledRuleSet } from '../eval/compile.js';
import type { ConditionTemplate } from '../decision/condition-trace.js';

/**
 * A rule-set version validated and compiled once (OPA's PreparedEvalQuery):
 * the engine, the input validator and every formula are built here, so a
 * request only evaluates. Deep-frozen: evaluation never mutates it.
 */
export interface PreparedRuleSet {
  readonly id: string;
  readonly version: string;
  readonly title: string;
  /** sha256 of the canonical JSON of the definition. */
  readonly hash: string;
  /** Where it was loaded from (a path, or a label such as "upload"). */
  readonly file: string;
  /** The YAML text it was loaded from. */
  readonly text: string;
  readonly definition: RuleSet;
  readonly effectiveFrom: string | null;
  readonly effectiveTo: string | null;
  readonly facts: ReadonlyMap<string, FactInfo>;
  readonly validateInputs: ValidateFunction;
  readonly derived: readonly PreparedDerived[];
  readonly rules: readonly PreparedRule[];
  readonly outputs: ReadonlyMap<string, PreparedOutput>;
  /** The reference evaluator: json-rules-engine, which the compiled conditions are tested against. */
  readonly engine: Engine;
  /** The rules' conditions compiled once per version (src/eval/compile.ts). */
  readonly compiled: CompiledRuleSet;
  /** The ambiguity notes as a decision shows them, built once. */
  readonly ambiguityNotes: AmbiguityNotes;
}

export interface AmbiguityNotes {
  readonly ruleSet: readonly AmbiguityNote[];
  /** By derived fact id, in declaration order: shown when the fact was computed. */
  readonly derived: ReadonlyMap<string, readonly AmbiguityNote[]>;
  /** By rule index, in rule order: shown when the rule held. */
  readonly rules: ReadonlyMap<number, readonly AmbiguityNote[]>;
}

export type AmbiguityNote = Decision['ambiguities'][number];

export interface PreparedDerived {
  readonly id: string;
  readonly title: string;
  readonly type: string;
  readonly formula: CompiledFormula;
  /** Input facts it depends on, transitively (so a missing one can be asked for). */
  readonly inputs: readonly string[];
}

export type PreparedAssignment =
  | { readonly kind: 'literal'; readonly value: unknown }
  | { readonly kind: 'formula'; readonly formula: CompiledFormula };

export interface PreparedRule {
  readonly id: string;
  readonly index: number;
  readonly definition: Rule;
  readonly priority: number;
  readonly assignments: ReadonlyMap<string, PreparedAssignment>;
  /** Outputs the rule sets when it holds, in order. */
  readonly sets: readonly string[];
  /** Declared type of each output the rule sets. */
  readonly outputTypes: ReadonlyMap<string, string>;
  /** Facts the conditions read. */
  readonly facts: readonly string[];
  /** The static part of the rule's condition trace. */
  readonly template: ConditionTemplate;
}

export interface PreparedOutput {
  readonly id: string;
  readonly definition: Output;
  /** Rules that set this output, in rule order. */
  readonly setBy: readonly PreparedRule[];
}
