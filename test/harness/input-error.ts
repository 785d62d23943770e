import { InputError } from '@allthrive/toolkit';

/** The InputError `fn` throws; any other error propagates, and throwing none fails the test. */
export function thrownInputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}
