import { LifeboatError } from '../../core/errors.js';

/** What a person can do about a damaged NTFS volume, appended to every NTFS error. */
const ADVICE = 'Repair it with chkdsk /f in Windows (or ntfsfix), or copy the whole partition instead of only its used clusters.';

/**
 * A CORRUPT_FILESYSTEM error about an NTFS volume. `what` says what is wrong and where, as a
 * sentence fragment starting with a capital letter and without the final full stop.
 */
export function ntfsCorrupt(what: string, offsetBytes?: number): LifeboatError {
  return new LifeboatError('CORRUPT_FILESYSTEM', `NTFS: ${what}. ${ADVICE}`, offsetBytes === undefined ? {} : { details: { offsetBytes } });
}

/** A LIMIT_EXCEEDED error: the metadata asks for more than any real NTFS volume would. */
export function ntfsLimit(what: string): LifeboatError {
  return new LifeboatError('LIMIT_EXCEEDED', `NTFS: ${what}; no real volume needs that much, so the metadata is damaged or hostile. ${ADVICE}`);
}
