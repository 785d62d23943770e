import type { AnnotationProperties, Logger } from './logger.js';
import type { SummaryReport } from './summary.js';

/**
 * What the step did before it failed, for the failure summary: the last lines the action logged
 * (info, notices, warnings; not debug). Engines report progress as they go in their log lines
 * ("Phase 1/4 content-hashed files: uploaded 4", "web: deployment started"), so every action gets a
 * failure summary that says how far it came without each engine keeping a second record.
 */
export class RecentLines {
  private readonly lines: string[] = [];

  constructor(private readonly limit = 10) {}

  add(text: string): void {
    for (const line of text.split(/\r\n|\r|\n/)) {
      if (!line.trim()) continue;
      this.lines.push(line);
      if (this.lines.length > this.limit) this.lines.shift();
    }
  }

  get(): string[] {
    return [...this.lines];
  }

  /** `logger`, with every line a person reads also kept here. */
  wrap(logger: Logger): Logger {
    const keep =
      (write: (message: string, properties?: AnnotationProperties) => void) => (message: string, properties?: AnnotationProperties) => {
        this.add(message);
        write(message, properties);
      };
    return {
      ...logger,
      info: keep(logger.info),
      notice: keep(logger.notice),
      warning: keep(logger.warning),
      error: keep(logger.error),
      group: (name, fn) => {
        this.add(name);
        return logger.group(name, fn);
      },
    };
  }
}

/**
 * The summary of a failed step. When the action already wrote its own summary (a deploy that
 * failed on ECS, an SEO check with errors) this only adds the error under it; otherwise it says
 * what was done before the failure: nothing, for an input error (inputs are read and checked
 * before any request), else the last lines the action logged.
 */
export function failureSummary(options: {
  action: string;
  message: string;
  wroteSummary: boolean;
  atInputs: boolean;
  recent: string[];
}): SummaryReport {
  const title = `${options.action} failed`;
  if (options.wroteSummary) return { title, lines: [options.message] };
  if (options.atInputs) return { title, lines: [options.message, 'Nothing was done: the step stopped at its inputs, before any request.'] };
  return {
    title,
    lines: [options.message],
    sections: [
      {
        heading: 'Before the failure',
        lines: options.recent.length ? options.recent : ['The step logged nothing before it failed.'],
      },
    ],
  };
}
