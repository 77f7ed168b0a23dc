/** What the failpoint table says of one crash point. */
export interface FailpointSpec {
  /** `command.moment`, fixed once published: scripts outside the test suite name points by it. */
  readonly name: string;
  /** True when the point is reached more than once per run (once per blob, per checkpoint): tests then try several hit counts. */
  readonly repeats: boolean;
  /** The ordering rule (docs/image-format.md, docs/failpoints.md) that a kill here puts to the test. */
  readonly rule: string;
}
