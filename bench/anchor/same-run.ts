/**
 * Figures the anchor suite measured in this `npm run bench`, for the suites
 * after it (suites run in name order, `anchor` first): the pipeline and
 * sandbox suites set their targets from the same-run Hindsight figure instead
 * of a fixed number taken on other data. Nothing is set when the anchor suite
 * did not run (or skipped), and those suites then print no target and say why.
 */
export interface SameRunAnchor {
  /** Hindsight's count-by-docType over the framed file: messages per CPU second of the whole hindsight_cli process, median. */
  hindsightCountPerCpuSecond: number;
  /** Messages in the anchor file. */
  messages: number;
}

let anchor: SameRunAnchor | undefined;

export function setSameRunAnchor(a: SameRunAnchor): void {
  anchor = a;
}

export function sameRunAnchor(): SameRunAnchor | undefined {
  return anchor;
}

/**
 * The target for a count-by-docType figure in msg per CPU second: Hindsight's
 * same-run figure (issue 10's goal, level with it), or none, with the reason.
 */
export function hindsightTarget(): { target?: number; why: string } {
  if (!anchor) {
    return {
      why: 'no target: the anchor suite (Hindsight) did not run in this `npm run bench`; run it alongside, e.g. `npm run bench -- anchor pipeline`',
    };
  }
  return {
    target: anchor.hindsightCountPerCpuSecond,
    why: `target: Hindsight's count-by-docType in this run (${(anchor.hindsightCountPerCpuSecond / 1e6).toFixed(2)}M msg per CPU-second of the whole hindsight_cli process, anchor.count_by_doctype)`,
  };
}
