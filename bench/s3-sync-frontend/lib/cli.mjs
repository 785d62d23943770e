// What every script of this benchmark starts with: the repository, its own scratch folder under
// bench/.work, and `--name value` options from the command line.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** bench/.work/<name>: each script's own scratch folder. */
export const workDir = (name) => path.join(repo, 'bench', '.work', name);

export const args = process.argv.slice(2);

/** The value after `--name`, or the fallback. */
export const option = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
