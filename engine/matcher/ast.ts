/** The parsed form of a message matcher expression, before it becomes closures. */
import type { HeaderName, StringHeaderName } from '../message/fields';
import type { LuaPattern } from './lua-pattern';

export type RelationalOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type PatternOp = '=~' | '!~';
export type Operator = RelationalOp | PatternOp;

/** Headers compared as strings. */
export type { StringHeaderName };

export type Target =
  | { kind: 'header'; name: HeaderName }
  /** Fields[name][fi][ai], both indexes 0 when not written. */
  | { kind: 'field'; name: string; fi: number; ai: number };

export type Operand =
  | { kind: 'string'; value: string }
  /** `value` is the literal as a double (strtod), `text` its spelling, for exact int64 comparisons. */
  | { kind: 'number'; text: string; value: number }
  /** A quoted RFC 3339 Timestamp literal, in nanoseconds. */
  | { kind: 'time'; ns: bigint }
  | { kind: 'bool'; value: boolean }
  | { kind: 'nil' }
  /** The string after =~ or !~; `plain` when followed by '%'. */
  | { kind: 'pattern'; pattern: LuaPattern; plain: boolean };

export interface TestNode {
  kind: 'test';
  position: number;
  target: Target;
  op: Operator;
  operand: Operand;
}

/** A bare TRUE or FALSE. */
export interface ConstantNode {
  kind: 'constant';
  position: number;
  value: boolean;
}

export interface LogicalNode {
  kind: 'and' | 'or';
  left: MatcherNode;
  right: MatcherNode;
}

export type MatcherNode = TestNode | ConstantNode | LogicalNode;
