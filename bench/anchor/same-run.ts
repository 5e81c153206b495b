/**
 * Figures the anchor suite measured in this `npm run bench`, for the suites
 * after it (suites run in name order, `anchor` first): the pipeline suite
 * sets its targets from the same-run Hindsight figure instead of a fixed
 * number taken on other data. Undefined when the anchor suite did not run
 * (or skipped), and the other suites then say so.
 */
export interface SameRunAnchor {
  /** Hindsight's count-by-docType over the framed file: messages per CPU second of the whole hindsight_cli process, median. */
  hindsightCountPerCpuSecond: number;
  /** Foresight's issue-10 ratio targets, from that figure. */
  messages: number;
}

let anchor: SameRunAnchor | undefined;

export function setSameRunAnchor(a: SameRunAnchor): void {
  anchor = a;
}

export function sameRunAnchor(): SameRunAnchor | undefined {
  return anchor;
}
