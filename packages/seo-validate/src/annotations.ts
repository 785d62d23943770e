/**
 * Findings → workflow annotations. In directory mode the file is a path in the repository, so
 * the annotation carries file and line and GitHub pins it to the source; in server mode the file
 * is a URL, so the location goes into the message instead.
 */
import type { Logger } from '@allthrive/toolkit';
import type { Finding } from './findings.js';

export function emitAnnotations(findings: Finding[], logger: Logger, mode: 'url' | 'directory'): void {
  for (const finding of findings) {
    const properties =
      mode === 'directory' && finding.file
        ? { title: `seo-validate ${finding.rule}`, file: finding.file, startLine: finding.line, startColumn: finding.column }
        : { title: `seo-validate ${finding.rule}` };
    const where = mode === 'url' && finding.file ? `${finding.file}${finding.line ? `:${finding.line}` : ''}: ` : '';
    const message = `${where}${finding.message}`;
    if (finding.severity === 'error') logger.error(message, properties);
    else if (finding.severity === 'warning') logger.warning(message, properties);
    else logger.notice(message, properties);
  }
}
