/** The globs of the `exclude`, `cache-control` and `content-type` inputs. */
import picomatch from 'picomatch';
import { InputError } from '@allthrive/toolkit';

export type Matcher = (path: string) => boolean;

/**
 * Compiles a glob matched against a path relative to the source (with `/` separators), the way
 * people expect from .gitignore: a glob without `/` (`*.html`) matches the file name in any
 * directory; one with `/` (`assets/**`) matches from the root; a leading `/` anchors a plain name
 * (`/index.html` is only the root one); a trailing `/` means everything below (`assets/`).
 * Dotfiles (`.well-known/...`) are matched like any other file.
 */
export function globMatcher(glob: string): Matcher {
  let pattern = glob.trim();
  const anchored = pattern.startsWith('/');
  pattern = pattern.replace(/^\/+/, '');
  if (pattern.endsWith('/')) pattern += '**';
  const basename = !anchored && !pattern.includes('/');
  return picomatch(pattern, { dot: true, basename });
}

/** Any of the globs. */
export function anyMatcher(globs: string[]): Matcher {
  const matchers = globs.map(globMatcher);
  return (path) => matchers.some((m) => m(path));
}

/** Fails with an InputError naming the input when picomatch cannot compile a glob. */
export function validateGlobs(input: string, globs: string[]): void {
  for (const glob of globs) {
    try {
      globMatcher(glob);
    } catch (error) {
      throw new InputError(
        input,
        `Input '${input}' has the glob '${glob}', which is not accepted: ${(error as Error).message}. Expected a glob such as '*.html' or 'assets/**'.`,
      );
    }
  }
}
