import { expect } from 'vitest';
import { LifeboatError } from '../../recovery/core/errors.js';

/** The LifeboatError `run` throws; fails the test when it throws something else or nothing. */
export function refusalOf(run: () => unknown, what: string): LifeboatError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(LifeboatError);
    return error as LifeboatError;
  }
  throw new Error(`${what} was accepted, but it should have been refused`);
}

/** Expects a CORRUPT_IMAGE refusal that names `file` and contains `words`. */
export function expectCorruptImage(run: () => unknown, file: string, words: string): void {
  const error = refusalOf(run, file);
  expect(error.code).toBe('CORRUPT_IMAGE');
  expect(error.message).toContain(file);
  expect(error.message).toContain(words);
}
