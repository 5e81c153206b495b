/**
 * How long a subject a backtracking RegExp may search for a checked pattern
 * while its worst case stays small. V8's RegExps are faster than the
 * automaton on short subjects and on patterns that cannot backtrack much,
 * but have no step limit, so each pattern gets a length up to which its
 * worst case is known to stay under REGEXP_STEP_BOUND steps; longer subjects
 * go to the linear automaton.
 *
 * The worst case: Lua patterns are flat (no groups, no alternation), so a
 * backtracking search from one start position chooses a length for each of
 * the k '*', '+', '-' items (n + 1 choices on n bytes) and a branch for each
 * of the q '?' items. An item is entered at most 2^q * (n+1)^(its unbounded
 * predecessors) times, and an entry costs at most n + 1 steps (a star's
 * scan), so one start costs at most items * 2^q * (n+1)^k steps, and a search
 * from every start (1 for '^') at most
 *     items * 2^q * (n+1)^(k + (anchored ? 0 : 1)).
 * With k = 0 and few '?' that is linear in n with a small constant: such
 * patterns always use the RegExp. '.*.*.*.*@' is (n+1)^5: minutes on a
 * 200-byte field, which is why the rest cannot.
 */
import type { PatternSyntax } from './lua-pattern-syntax';

/** Worst-case steps allowed on the RegExp path for patterns that are not linear (tens of microseconds). */
export const REGEXP_STEP_BOUND = 20_000;
/** '?' items a pattern without unbounded items may have and still always use the RegExp: at most 16 tries per start. */
export const MAX_LINEAR_OPTIONALS = 4;

/**
 * The longest subject (in the RegExp's chars) the RegExp may search within
 * REGEXP_STEP_BOUND steps; Infinity when its cost is linear in any subject.
 */
export function regexpLengthLimit(syntax: PatternSyntax): number {
  let unbounded = 0;
  let optionals = 0;
  let items = 0;
  for (const item of syntax.items) {
    if (item.kind === 'balance' || item.kind === 'backref') return 0; // no RegExp form
    items++;
    if (item.kind !== 'single') continue;
    if (item.quantifier === '*' || item.quantifier === '+' || item.quantifier === '-') unbounded++;
    else if (item.quantifier === '?') optionals++;
  }
  if (unbounded === 0 && optionals <= MAX_LINEAR_OPTIONALS) return Infinity;
  const exponent = unbounded + (syntax.anchored ? 0 : 1);
  const perPath = Math.max(1, items) * 2 ** optionals;
  if (exponent === 0) return perPath <= REGEXP_STEP_BOUND ? Infinity : 0;
  // largest n with perPath * (n+1)^exponent <= REGEXP_STEP_BOUND
  let n = Math.floor((REGEXP_STEP_BOUND / perPath) ** (1 / exponent)) - 1;
  while (n >= 0 && perPath * (n + 1) ** exponent > REGEXP_STEP_BOUND) n--; // floating-point roots can overshoot
  return Math.max(0, n);
}
