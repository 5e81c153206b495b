/**
 * The message matcher's public face: Hindsight's `message_matcher`
 * expressions compiled to predicates, and the Lua patterns they use.
 */
import type { HeaderName } from '../message/fields';
import type { Message } from '../message/message';
import type { MatcherNode } from './ast';
import { compileNode } from './compile';
import { parseMatcher } from './parse';

export { MatcherError } from './matcher-error';
export { MAX_INDEX, MAX_STRING_BYTES, MAX_TESTS, parseMatcher } from './parse';
export type * from './ast';
export {
  compileLuaPattern,
  createLuaPattern,
  LuaPatternCostError,
  LuaPatternError,
  type LuaPattern,
  type LuaPatternDialect,
  type LuaPatternOptions,
} from './lua-pattern';

/**
 * `expression` compiled to a predicate on messages, with lua_sandbox's
 * semantics (see compile.ts). Throws MatcherError for a malformed expression.
 */
export function compileMatcher(expression: string): (message: Message) => boolean {
  return compileNode(parseMatcher(expression));
}

/** What a matcher reads: the headers and the field names, each once, in order of appearance. */
export interface MatcherInputs {
  headers: HeaderName[];
  fields: string[];
}

/** The headers and Fields[...] names `expression` reads. Throws MatcherError. */
export function matcherFieldNames(expression: string): MatcherInputs {
  const headers = new Set<HeaderName>();
  const fields = new Set<string>();
  const visit = (node: MatcherNode): void => {
    if (node.kind === 'and' || node.kind === 'or') {
      visit(node.left);
      visit(node.right);
    } else if (node.kind === 'test') {
      if (node.target.kind === 'header') headers.add(node.target.name);
      else fields.add(node.target.name);
    }
  };
  visit(parseMatcher(expression));
  return { headers: [...headers], fields: [...fields] };
}
