import { LifeboatError, type ErrorCode } from '../core/errors.js';

/**
 * A failure the command has already reported in full (check's list of problems, one JSON
 * document under --json): the CLI exits with code 1 without printing it a second time in JSON
 * mode, so the output stays one document. In text mode its sentence is the last line.
 */
export class ReportedFailure extends LifeboatError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
  }
}
