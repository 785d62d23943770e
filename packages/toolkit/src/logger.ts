import * as core from './runner-protocol.js';
import { neutraliseWorkflowCommands } from './workflow-commands.js';

export interface AnnotationProperties {
  title?: string;
  file?: string;
  startLine?: number;
  endLine?: number;
  startColumn?: number;
}

/**
 * What engines log through. The runner implementation writes workflow commands as
 * @actions/core does (runner-protocol.ts); tests use memoryLogger and assert on what a person would read.
 */
export interface Logger {
  info(message: string): void;
  debug(message: string): void;
  notice(message: string, properties?: AnnotationProperties): void;
  warning(message: string, properties?: AnnotationProperties): void;
  error(message: string, properties?: AnnotationProperties): void;
  /** Masks a value in every later log line. */
  secret(value: string): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

/**
 * Every line goes through neutraliseWorkflowCommands: engines log remote text (S3 keys, ECS events,
 * stopped-task reasons, CloudWatch log lines, command output) and must not have to remember to clean
 * it. `info` is the only raw stdout write (as in @actions/core); debug, annotations and group names are
 * issued as `::command::data` with the data escaped (`%`, CR, LF → %25, %0D, %0A in
 * @actions/core lib/command.js escapeData), so the runner parses the action's own command first and
 * never sees a second one in the data; their text is still cleaned so C1 controls never show.
 */
export const coreLogger: Logger = {
  info: (m) => core.info(neutraliseWorkflowCommands(m)),
  debug: (m) => core.debug(neutraliseWorkflowCommands(m)),
  notice: (m, p) => core.notice(neutraliseWorkflowCommands(m), p),
  warning: (m, p) => core.warning(neutraliseWorkflowCommands(m), p),
  error: (m, p) => core.error(neutraliseWorkflowCommands(m), p),
  secret: (v) => core.setSecret(v),
  group: (name, fn) => core.group(neutraliseWorkflowCommands(name), fn),
};

export type LogLevel = 'info' | 'debug' | 'notice' | 'warning' | 'error';

export interface MemoryLogger extends Logger {
  entries: { level: LogLevel; message: string; properties?: AnnotationProperties }[];
  secrets: string[];
  /** Every line at the given levels (default: all but debug), joined by newlines. */
  text(levels?: LogLevel[]): string;
}

export function memoryLogger(): MemoryLogger {
  const entries: MemoryLogger['entries'] = [];
  const secrets: string[] = [];
  const push = (level: LogLevel) => (message: string, properties?: AnnotationProperties) => {
    entries.push({ level, message, properties });
  };
  return {
    entries,
    secrets,
    info: push('info'),
    debug: push('debug'),
    notice: push('notice'),
    warning: push('warning'),
    error: push('error'),
    secret: (v) => secrets.push(v),
    group: async (name, fn) => {
      entries.push({ level: 'info', message: name });
      return fn();
    },
    text(levels = ['info', 'notice', 'warning', 'error']) {
      return entries
        .filter((e) => levels.includes(e.level))
        .map((e) => e.message)
        .join('\n');
    },
  };
}
