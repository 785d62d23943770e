import { describe, expect, it } from '@jest/globals';
import { InputError, Inputs, mapInputSource } from '@allthrive/toolkit';
import { readOptions } from '@allthrive/cloudfront-invalidate';

const read = (values: Record<string, string>, options?: Parameters<typeof readOptions>[1]) =>
  readOptions(new Inputs(mapInputSource({ 'distribution-id': 'E2QWRUHAPOMQZL', ...values })), options);

describe('readOptions: the paths input', () => {
  it('an empty paths input is an error that names the expression usually feeding it, not "nothing changed"', () => {
    for (const paths of ['', '  \n ']) {
      const error = (() => {
        try {
          read({ paths });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).input).toBe('paths');
      expect((error as InputError).message).toBe(
        "Input 'paths' is empty, so it is not known what changed. It is usually fed by `${{ steps.<sync step id>.outputs.changed-paths }}` " +
          "from s3-sync-frontend: check the step id and the output name (with a hyphen: 'changed_paths' is not an output and evaluates to empty). " +
          "Pass '[]' to say that nothing changed, or leave 'paths' out to invalidate '/*'.",
      );
    }
  });

  it('[] is the explicit "nothing changed"', () => {
    expect(read({ paths: '[]' }).paths).toEqual([]);
  });

  it('the root action (which feeds the paths itself) can allow an empty value', () => {
    expect(read({ paths: '' }, { emptyPaths: 'nothing' }).paths).toEqual([]);
  });
});
