import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../harness/bundle.js';

/** The five actions and the root action this suite covers. */
export const ACTION_NAMES = [
  's3-sync-frontend',
  'cloudfront-invalidate',
  'ecs-deploy-and-wait',
  'ecs-exec-migrate',
  'seo-validate',
  // The root action (action.yml at the top, bundled as dist/deploy).
  'deploy',
] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

export interface InputSpec {
  name: string;
  description: string;
  required: boolean;
  default?: string;
}

export function bundlePath(name: string): string {
  return path.join(repoRoot, 'dist', name, 'index.js');
}

/** Where an action's metadata lives, relative to the repository root. */
export function actionYmlFile(name: string): string {
  return name === 'deploy' ? 'action.yml' : `actions/${name}/action.yml`;
}

export function actionYmlPath(name: string): string {
  return path.join(repoRoot, actionYmlFile(name));
}

/** An action is testable once both its metadata and its committed bundle exist. */
export function hasBundle(name: string): boolean {
  if (process.env.RELIABILITY_BUNDLES === 'committed') {
    // As committed (see lib/run.ts): the working tree's dist/ may be mid-rebuild.
    try {
      execFileSync('git', ['cat-file', '-e', `HEAD:${actionYmlFile(name)}`], { cwd: repoRoot, stdio: 'ignore' });
      const commit = execFileSync('git', ['log', '-1', '--diff-filter=AM', '--format=%H', '--', `dist/${name}/index.js`], {
        cwd: repoRoot,
        encoding: 'utf8',
      });
      return commit.trim() !== '';
    } catch {
      return false;
    }
  }
  return existsSync(bundlePath(name)) && existsSync(actionYmlPath(name));
}

export function readInputs(name: string): InputSpec[] {
  // RELIABILITY_BUNDLES=committed (see lib/run.ts): read the metadata committed with the bundle.
  const text =
    process.env.RELIABILITY_BUNDLES === 'committed'
      ? execFileSync('git', ['show', `HEAD:${actionYmlFile(name)}`], { cwd: repoRoot, encoding: 'utf8' })
      : readFileSync(actionYmlPath(name), 'utf8');
  const metadata = parse(text) as {
    inputs?: Record<string, { description?: string; required?: boolean | string; default?: unknown }>;
  };
  return Object.entries(metadata.inputs ?? {}).map(([input, spec]) => ({
    name: input,
    description: String(spec?.description ?? ''),
    required: spec?.required === true || spec?.required === 'true',
    default: spec?.default === undefined || spec?.default === null ? undefined : String(spec.default),
  }));
}

export type InputKind = 'boolean' | 'duration' | 'integer' | 'enum' | 'json' | 'region' | 'url' | 'other';

const DURATION_DEFAULT = /^\d+(\.\d+)?\s*(ms|s|m|h|d)(\d+(ms|s|m|h|d))*$/i;
const DURATION_NAME = /(timeout|interval|grace|duration|delay|age)$/;

/**
 * The kind of value an input takes, read from its metadata: booleans default to true/false,
 * durations have a duration default or a duration-like name, integers a numeric default, enums
 * list their values in back-quotes in the description. Per-action overrides win.
 */
export function inputKind(input: InputSpec, overrides: Record<string, InputKind> = {}): InputKind {
  if (overrides[input.name]) return overrides[input.name];
  const value = (input.default ?? '').trim();
  if (input.name === 'aws-region') return 'region';
  if (input.name === 'endpoint-url') return 'url';
  if (/^(true|false)$/i.test(value)) return 'boolean';
  if (DURATION_DEFAULT.test(value) || (DURATION_NAME.test(input.name) && /^\d+$/.test(value))) return 'duration';
  if (/^-?\d+$/.test(value)) return 'integer';
  const values = enumValues(input);
  if (values.length >= 2 && (value === '' || values.includes(value))) return 'enum';
  return 'other';
}

/** Back-quoted words in the description (`exec`, `run-task`; `ENABLED`, `DISABLED`): an enum's accepted values. */
export function enumValues(input: InputSpec): string[] {
  return [...new Set([...input.description.matchAll(/`([A-Za-z][A-Za-z0-9-]*)`/g)].map((m) => m[1]))].filter(
    (v) => !/^(true|false)$/i.test(v),
  );
}

/** A value each kind must reject. */
export const MALFORMED: Record<Exclude<InputKind, 'other'>, string> = {
  boolean: 'yes-please',
  duration: '10 parsecs',
  integer: 'many',
  enum: 'sideways',
  json: '{"not": json',
  region: 'moon-base-1x',
  url: 'ftp//not a url',
};
