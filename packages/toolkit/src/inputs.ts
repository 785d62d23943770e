import { realpathSync } from 'node:fs';
import path from 'node:path';
import { InputError } from './errors.js';
import { parseDuration, type DurationUnit } from './duration.js';

/** Where input values come from: the runner's INPUT_* variables in an action, a map in tests. */
export type InputSource = (name: string) => string | undefined;

/** The runner's name mangling, as `@actions/core` getInput does it: spaces to `_`, upper case. */
export function runnerInputSource(env: NodeJS.ProcessEnv = process.env): InputSource {
  return (name) => env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
}

export function mapInputSource(values: Record<string, string | undefined>): InputSource {
  return (name) => values[name];
}

function show(value: string): string {
  const oneLine = value.replace(/\r?\n/g, '\\n');
  return oneLine.length > 80 ? `'${oneLine.slice(0, 77)}...'` : `'${oneLine}'`;
}

/**
 * Typed, validated readers for action inputs. Each reader fails with an InputError whose message
 * names the input, the value given and what is accepted; the action runner prints it as one
 * `::error title=<input>::` line. Every name read is remembered so tests can compare the inputs
 * the code reads with those action.yml declares.
 */
export class Inputs {
  readonly read = new Set<string>();

  constructor(private readonly source: InputSource = runnerInputSource()) {}

  private raw(name: string): string {
    this.read.add(name);
    return (this.source(name) ?? '').trim();
  }

  private fail(name: string, value: string, accepted: string): never {
    throw new InputError(name, `Input '${name}' has the value ${show(value)}, which is not accepted: expected ${accepted}.`);
  }

  private missing(name: string, accepted: string): never {
    throw new InputError(name, `Input '${name}' is required but was not given: expected ${accepted}.`);
  }

  /** A string; '' when absent unless required or defaulted. */
  string(name: string, options: { required?: boolean; default?: string; accepted?: string } = {}): string {
    const value = this.raw(name);
    if (value) return value;
    if (options.required) this.missing(name, options.accepted ?? 'a non-empty value');
    return options.default ?? '';
  }

  /** A string, or undefined when the input is absent or blank. */
  optional(name: string): string | undefined {
    return this.raw(name) || undefined;
  }

  /** Strictly `true` or `false` (any case), as the YAML 1.2 core schema and @actions/core accept. */
  boolean(name: string, defaultValue?: boolean): boolean {
    const value = this.raw(name);
    if (!value) {
      if (defaultValue === undefined) this.missing(name, '`true` or `false`');
      return defaultValue;
    }
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    return this.fail(name, value, '`true` or `false`');
  }

  /** Items separated by commas and/or newlines; blanks dropped. */
  list(name: string, options: { required?: boolean; accepted?: string } = {}): string[] {
    const items = this.raw(name)
      .split(/[,\r\n]+/)
      .map((item) => item.trim())
      .filter(Boolean);
    if (items.length === 0 && options.required) this.missing(name, options.accepted ?? 'one or more items separated by commas or newlines');
    return items;
  }

  /** Non-blank lines, trimmed (for rule lists whose values contain commas, such as Cache-Control). */
  lines(name: string): string[] {
    return this.raw(name)
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
  }

  /**
   * A duration in milliseconds: `30s`, `15m`, `1h30m`, `7d`; a bare number is in `bareUnit`.
   */
  duration(
    name: string,
    options: { default?: string; bareUnit?: DurationUnit; minMs?: number; maxMs?: number; required?: boolean } = {},
  ): number {
    const accepted = `a duration such as 30s, 15m or 1h30m (a bare number means ${unitName(options.bareUnit ?? 's')})`;
    let value = this.raw(name);
    if (!value) {
      if (options.default === undefined) this.missing(name, accepted);
      value = options.default;
    }
    const ms = parseDuration(value, options.bareUnit ?? 's');
    if (ms === undefined) return this.fail(name, value, accepted);
    if (options.minMs !== undefined && ms < options.minMs) return this.fail(name, value, `${accepted}, at least ${options.minMs / 1000}s`);
    if (options.maxMs !== undefined && ms > options.maxMs) return this.fail(name, value, `${accepted}, at most ${options.maxMs / 1000}s`);
    return ms;
  }

  /** A whole decimal number within bounds. */
  integer(name: string, options: { default?: number; min?: number; max?: number } = {}): number {
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = options;
    const accepted = `a whole number from ${min} to ${max}`;
    const value = this.raw(name);
    if (!value) {
      if (options.default === undefined) this.missing(name, accepted);
      return options.default;
    }
    if (!/^-?\d+$/.test(value)) return this.fail(name, value, accepted);
    const number = Number(value);
    if (number < min || number > max) return this.fail(name, value, accepted);
    return number;
  }

  /** One of a fixed set of words (case-insensitive). */
  enumeration<T extends string>(name: string, allowed: readonly T[], defaultValue?: T): T {
    const accepted = `one of ${allowed.map((a) => `\`${a}\``).join(', ')}`;
    const value = this.raw(name);
    if (!value) {
      if (defaultValue === undefined) this.missing(name, accepted);
      return defaultValue;
    }
    const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
    return match ?? this.fail(name, value, accepted);
  }

  /** Parsed JSON; undefined when absent and not required. */
  json(name: string, options: { required?: boolean; accepted?: string } = {}): unknown {
    const accepted = options.accepted ?? 'valid JSON';
    const value = this.raw(name);
    if (!value) {
      if (options.required) this.missing(name, accepted);
      return undefined;
    }
    try {
      return JSON.parse(value);
    } catch (error) {
      return this.fail(name, value, `${accepted} (${(error as Error).message})`);
    }
  }

  /**
   * A path inside the workspace (GITHUB_WORKSPACE, else the working directory), returned absolute.
   * Relative values are taken from the workspace; anything that resolves outside it (`../x`, `/etc`,
   * or a symlink pointing out) is refused, so an action never reads or uploads files it was not meant to.
   */
  workspacePath(name: string, options: { default?: string; required?: boolean; workspace?: string } = {}): string {
    const workspace = path.resolve(options.workspace ?? (process.env.GITHUB_WORKSPACE || process.cwd()));
    let value = this.raw(name);
    if (!value) {
      if (options.default === undefined || options.required) this.missing(name, 'a path inside the workspace');
      value = options.default;
    }
    const resolved = path.resolve(workspace, value);
    // The real path of the deepest part that exists, so a symlink anywhere on the way is followed
    // even when the rest does not exist yet (the caller reports a missing path in its own words).
    const real = (p: string): string => {
      try {
        return realpathSync(p);
      } catch {
        const parent = path.dirname(p);
        return parent === p ? p : path.join(real(parent), path.basename(p));
      }
    };
    const relative = path.relative(real(workspace), real(resolved));
    if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
      return this.fail(name, value, `a path inside the workspace (${workspace}); this one resolves outside it`);
    }
    return resolved;
  }

  /** Throws when more than one of the named inputs is given. */
  exclusive(...names: string[]): void {
    const given = names.filter((n) => this.raw(n));
    if (given.length > 1) {
      throw new InputError(
        given[1],
        `Inputs ${given.map((g) => `'${g}'`).join(' and ')} cannot be used together: give only one of ${names.map((n) => `'${n}'`).join(', ')}.`,
      );
    }
  }
}

function unitName(unit: DurationUnit): string {
  return { ms: 'milliseconds', s: 'seconds', m: 'minutes', h: 'hours', d: 'days' }[unit];
}
