/** A rejected matcher expression: what is wrong (`reason`) and where (`position`, a 0-based char offset). */
export class MatcherError extends Error {
  readonly position: number;
  readonly reason: string;
  constructor(reason: string, position: number) {
    super(`${reason} at ${position}`);
    this.name = 'MatcherError';
    this.reason = reason;
    this.position = position;
  }
}
