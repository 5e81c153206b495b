/**
 * The longest run of ASCII bytes that every match of a checked pattern
 * contains, so a search can first ask String.prototype.includes (V8's fast
 * substring search) and skip the automaton on subjects that cannot match,
 * which are most subjects a filter sees.
 *
 * A run is a sequence of single-byte items with no quantifier: every match
 * takes those bytes one after the other. A 'c+' item ends a run (its last
 * repetition is followed by the next item) and starts the next one with 'c'
 * (its first repetition follows the previous item). Anything else ends a run.
 * Only ASCII bytes count: in UTF-8 an ASCII byte only ever stands for the
 * same ASCII char, so the JS string holds the run exactly when its UTF-8
 * bytes do.
 *
 * The run the pattern starts with (unanchored) also says where a match can
 * start: at an occurrence of it, so the search may begin at the first one.
 */
import type { ByteSet, PatternSyntax } from './lua-pattern-syntax';

export interface RequiredLiterals {
  /** The longest run every match contains ('' when none). */
  longest: string;
  /** The run every match starts with ('' when none, or when the pattern is anchored). */
  prefix: string;
}

export function requiredLiterals(syntax: PatternSyntax): RequiredLiterals {
  let best = '';
  let run = '';
  let prefix: string | undefined;
  const end = () => {
    prefix ??= run;
    if (run.length > best.length) best = run;
    run = '';
  };
  for (const item of syntax.items) {
    const byte = item.kind === 'single' ? onlyAsciiByte(item.set) : -1;
    if (byte < 0 || item.kind !== 'single') {
      end();
      continue;
    }
    const c = String.fromCharCode(byte);
    if (item.quantifier === '') run += c;
    else if (item.quantifier === '+') {
      run += c;
      end();
      run = c;
    } else end();
  }
  end();
  return { longest: best, prefix: syntax.anchored ? '' : (prefix ?? '') };
}

/** The set's one byte when it holds exactly one ASCII byte, else -1. */
function onlyAsciiByte(set: ByteSet): number {
  let found = -1;
  for (let b = 0; b < 256; b++) {
    if (!set[b]) continue;
    if (found >= 0 || b >= 0x80) return -1;
    found = b;
  }
  return found;
}
