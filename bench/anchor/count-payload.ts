/**
 * The count-by-docType plugin's output, as both the JavaScript plugin
 * (README) and its Lua twin write it: a `docType = Count` line, then one
 * `<docType> = <count>` line per docType, and the check of such counts
 * against the true ones, which fails the figure loudly when they differ.
 */

/** The counts in one payload; throws, naming `who`, when it is not in the plugin's format. */
export function parseCountPayload(payload: string, who: string): Record<string, number> {
  const lines = payload.split('\n').filter((l) => l !== '');
  if (lines[0] !== 'docType = Count') throw new Error(`${who}'s output does not start with "docType = Count": ${JSON.stringify(payload.slice(0, 200))}`);
  const counts: Record<string, number> = {};
  for (const line of lines.slice(1)) {
    const m = /^(.*) = (\d+)$/.exec(line);
    if (!m) throw new Error(`${who}'s output has a line that is not "<docType> = <count>": ${JSON.stringify(line)}`);
    if (m[1] in counts) throw new Error(`${who}'s output lists docType ${JSON.stringify(m[1])} twice`);
    counts[m[1]] = Number(m[2]);
  }
  return counts;
}

/** The payload of `foresight run`'s text output (`== <topic> (<n> bytes)` then the payload); throws when there is not exactly one output. */
export function foresightRunPayload(stdout: string): string {
  const heads = [...stdout.matchAll(/^== (\S+) \((\d+) bytes\)\n/gm)];
  if (heads.length !== 1) throw new Error(`foresight run printed ${heads.length} outputs, expected 1:\n${stdout.slice(0, 2000)}`);
  return stdout.slice(heads[0].index! + heads[0][0].length);
}

/** Throws unless `got` is exactly `truth` (same docTypes, same counts). */
export function checkCounts(got: Record<string, number>, truth: Record<string, number>, who: string): void {
  const keys = new Set([...Object.keys(got), ...Object.keys(truth)]);
  const wrong = [...keys].filter((k) => got[k] !== truth[k]).map((k) => `${k}: ${got[k] ?? 'absent'}, true count ${truth[k] ?? 'absent'}`);
  if (wrong.length) throw new Error(`${who} miscounted, so its figure is void: ${wrong.join('; ')}`);
}
