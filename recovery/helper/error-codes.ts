import { LifeboatError, type ErrorCode } from '../core/errors.js';
import type { HelperErrorBody } from './protocol.js';

/**
 * The helper's stable numeric codes (docs/helper-protocol.md) and the error code each becomes on
 * our side. A test asks the helper for its table and compares, so the two cannot drift apart.
 */
export const HELPER_CODES: ReadonlyArray<{ code: number; name: string; ours: ErrorCode }> = [
  { code: 1, name: 'BAD_REQUEST', ours: 'HELPER_BAD_REQUEST' },
  { code: 2, name: 'REQUEST_TOO_LONG', ours: 'HELPER_REQUEST_TOO_LONG' },
  { code: 3, name: 'UNKNOWN_OP', ours: 'HELPER_UNKNOWN_OP' },
  { code: 4, name: 'NOT_FOUND', ours: 'DEVICE_NOT_FOUND' },
  { code: 5, name: 'NOT_BLOCK_DEVICE', ours: 'NOT_BLOCK_DEVICE' },
  { code: 6, name: 'NO_MEDIUM', ours: 'NO_MEDIUM' },
  { code: 7, name: 'PERMISSION_DENIED', ours: 'PERMISSION_DENIED' },
  { code: 8, name: 'BUSY', ours: 'DEVICE_BUSY' },
  { code: 9, name: 'IO_ERROR', ours: 'IO_ERROR' },
  { code: 10, name: 'OUT_OF_RANGE', ours: 'OUT_OF_RANGE' },
  { code: 11, name: 'UNSUPPORTED', ours: 'UNSUPPORTED' },
  { code: 12, name: 'SYSTEM_DATA_UNREADABLE', ours: 'SYSTEM_DATA_UNREADABLE' },
  { code: 13, name: 'NOT_A_DISK', ours: 'NOT_A_DISK' },
  { code: 14, name: 'INTERNAL', ours: 'INTERNAL' },
];

export function helperErrorToLifeboat(body: HelperErrorBody): LifeboatError {
  const entry = HELPER_CODES.find((c) => c.code === body.code);
  const details = { errno: body.errno, ...(body.device === undefined ? {} : { device: body.device }) };
  return new LifeboatError(entry?.ours ?? 'INTERNAL', body.message, { details, cause: body });
}
