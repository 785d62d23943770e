import { closest, distance } from 'fastest-levenshtein';
import { InputError } from './errors.js';

/**
 * The action a bundle was built from: its folder name and the inputs its action.yml declares.
 *
 * scripts/build.mjs reads action.yml and prepends `globalThis.__allthriveAction = {...}` to the
 * bundle it writes, so the list cannot drift from the metadata the runner reads (a rebuild after any
 * action.yml change refreshes it; test/metadata checks every committed bundle). Reading action.yml at
 * run time instead is fragile: the bundle sits in dist/<name>/, the metadata in actions/<name>/ or at
 * the repository root, and neither the runner nor act tells a node action where its action.yml is
 * (GITHUB_ACTION_PATH is only set for composite actions). A generated TypeScript module per action
 * would work too, but goes stale in git whenever someone edits action.yml and forgets to regenerate.
 */
export interface ActionMetadata {
  name: string;
  inputs: string[];
}

export const EMBEDDED_METADATA_GLOBAL = '__allthriveAction';

/** The metadata build.mjs embedded in this bundle; undefined when running from source (jest). */
export function embeddedActionMetadata(): ActionMetadata | undefined {
  const value = (globalThis as Record<string, unknown>)[EMBEDDED_METADATA_GLOBAL];
  if (!value || typeof value !== 'object') return undefined;
  const { name, inputs } = value as Partial<ActionMetadata>;
  return typeof name === 'string' && Array.isArray(inputs) ? { name, inputs } : undefined;
}

/**
 * How the runner names an input's variable (actions/runner src/Runner.Worker/Handlers/Handler.cs,
 * AddInputsToEnvironment: `$"INPUT_{pair.Key?.Replace(' ', '_').ToUpperInvariant()}"`; @actions/core
 * getInput reads it back the same way): hyphens are kept, so `fail_on` and `fail-on` are different variables.
 */
export function inputVariableName(input: string): string {
  return `INPUT_${input.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * Throws an InputError naming every INPUT_* variable the action does not declare, before the
 * action has read anything or called AWS. The runner sets INPUT_<NAME> for each `with:` key (and
 * for each declared default), and only warns about undeclared ones (src/Runner.Worker/ActionRunner.cs:
 * `Unexpected input(s) '...', valid inputs are [...]`, and the step goes on); act does
 * not even warn, so without this check a typo such as `prefx:` silently means "use the default".
 * Names are compared in the runner's mangled space and reported in lower case, as the user most
 * likely wrote them.
 */
export function checkDeclaredInputs(metadata: ActionMetadata, env: NodeJS.ProcessEnv = process.env): void {
  const declared = new Map(metadata.inputs.map((name) => [inputVariableName(name), name]));
  const unknown = Object.keys(env)
    .filter((key) => key.startsWith('INPUT_') && key.length > 'INPUT_'.length && !declared.has(key))
    .sort();
  if (unknown.length === 0) return;
  const sentences = unknown.map((key) => {
    const written = key.slice('INPUT_'.length).toLowerCase();
    const suggestion = closestInput(key, [...declared.keys()]);
    return `Unknown input '${written}'.${suggestion ? ` Did you mean '${declared.get(suggestion)}'?` : ''}`;
  });
  throw new InputError(
    unknown[0].slice('INPUT_'.length).toLowerCase(),
    `${sentences.join(' ')} ${metadata.name} accepts: ${metadata.inputs.join(', ')}. Nothing was done: fix the name under 'with:' (an unknown input would otherwise be ignored and its default used).`,
  );
}

/** The declared variable nearest by edit distance, when it is near enough to be a typo (about a third of the name). */
function closestInput(variable: string, declared: string[]): string | undefined {
  if (declared.length === 0) return undefined;
  const name = variable.slice('INPUT_'.length);
  const best = closest(variable, declared);
  const limit = Math.max(2, Math.floor(name.length / 3));
  return distance(variable, best) <= limit ? best : undefined;
}
