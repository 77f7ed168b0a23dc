/**
 * The one error family every user-visible failure belongs to.
 *
 * `code` is stable (scripts and the --json output depend on it), `message` is a sentence a person
 * can act on, `cause` keeps the original error for --debug. The shape mirrors a result object so a
 * caller can print either without special cases.
 */
export type ErrorCode =
  | 'USAGE'
  | 'HELPER_NOT_FOUND'
  | 'HELPER_CRASHED'
  | 'HELPER_PROTOCOL'
  | 'HELPER_BAD_REQUEST'
  | 'HELPER_REQUEST_TOO_LONG'
  | 'HELPER_UNKNOWN_OP'
  | 'DEVICE_NOT_FOUND'
  | 'NOT_BLOCK_DEVICE'
  | 'NO_MEDIUM'
  | 'PERMISSION_DENIED'
  | 'DEVICE_BUSY'
  | 'IO_ERROR'
  | 'OUT_OF_RANGE'
  | 'UNSUPPORTED'
  | 'SYSTEM_DATA_UNREADABLE'
  | 'NOT_A_DISK'
  | 'INTERNAL'
  | 'UNALIGNED_IO'
  | 'READ_ONLY'
  | 'DISK_CLOSED'
  | 'TRUNCATED'
  | 'CORRUPT_PARTITION_TABLE'
  | 'CORRUPT_FILESYSTEM'
  | 'LIMIT_EXCEEDED'
  | 'NOT_A_REPOSITORY'
  | 'REPOSITORY_LOCKED'
  | 'UNSUPPORTED_FORMAT'
  | 'CORRUPT_IMAGE'
  | 'CHUNK_MISSING'
  | 'SNAPSHOT_NOT_FOUND'
  | 'TARGET_REFUSED'
  | 'NOT_CONFIRMED'
  | 'VERIFY_MISMATCH'
  | 'CANCELLED'
  | 'NOTHING_TO_RESUME'
  | 'RESUME_MISMATCH'
  | 'CANNOT_GROW'
  | 'GROW_FAILED'
  | 'BINARY_DAMAGED'
  | 'MOUNT_FAILED'
  | 'UNREADABLE_SECTOR'
  | 'MEDIA_IMAGE_MISSING'
  | 'MEDIA_IMAGE_INVALID'
  | 'MEDIA_NO_FREE_SLOT'
  | 'MEDIA_FORMAT_FAILED'
  | 'MEDIA_WRITE_MISMATCH'
  | 'JOB_INVALID'
  | 'JOB_FAILED'
  | 'JOB_LOG_FAILED';

export interface LifeboatErrorDetails {
  /** The device or file the error concerns, when there is one. */
  device?: string;
  /** The byte offset the error concerns, when there is one. */
  offsetBytes?: number;
  /** The operating system's error number, or 0. */
  errno?: number;
  /** The logical sector the error concerns (an unreadable sector), when there is one. */
  sector?: number;
  /** The partition that sector lies in, when it lies in one. */
  partition?: number;
}

export class LifeboatError extends Error {
  override readonly name = 'LifeboatError';
  readonly code: ErrorCode;
  readonly details: LifeboatErrorDetails;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: LifeboatErrorDetails } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  toJSON(): { code: ErrorCode; message: string } & LifeboatErrorDetails {
    return { code: this.code, message: this.message, ...this.details };
  }
}

export function isLifeboatError(value: unknown): value is LifeboatError {
  return value instanceof LifeboatError;
}

/** Wraps anything thrown into our family, keeping ours as they are. */
export function toLifeboatError(value: unknown): LifeboatError {
  if (value instanceof LifeboatError) return value;
  const text = value instanceof Error ? value.message : String(value);
  return new LifeboatError('INTERNAL', `Lifeboat hit an unexpected problem: ${text}. Run again with --debug and report it.`, {
    cause: value,
  });
}
