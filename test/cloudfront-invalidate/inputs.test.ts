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

describe('readOptions: origin-path', () => {
  it('defaults to auto, takes none or a path (a trailing / is dropped), and rejects anything else naming the input', () => {
    expect(read({ paths: '/*' }).originPath).toBe('auto');
    expect(read({ paths: '/*', 'origin-path': 'none' }).originPath).toBe('none');
    expect(read({ paths: '/*', 'origin-path': '/app/' }).originPath).toBe('/app');
    for (const bad of ['app', '/ap p', '/app/*']) {
      expect(() => read({ paths: '/*', 'origin-path': bad })).toThrow(
        new InputError(
          'origin-path',
          `Input 'origin-path' has the value '${bad.replace(/\/+$/, '')}', which is not accepted: expected 'auto' (read the distribution's S3 origin), 'none', or the origin path such as /app.`,
        ),
      );
    }
  });
});
