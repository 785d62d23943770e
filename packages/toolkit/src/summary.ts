import { appendSummary } from './runner-protocol.js';

export interface SummaryTable {
  /** Column names; all empty means a table without a header row (name/value lists). */
  header: string[];
  rows: string[][];
}

/** A job summary as plain data, so engines can build it and tests can read it. */
export interface SummaryReport {
  title: string;
  /** Sentences shown above the table. */
  lines?: string[];
  table?: SummaryTable;
  /** Optional further tables (for example one per file). */
  sections?: { heading: string; lines?: string[]; table?: SummaryTable }[];
}

/**
 * Text for a summary heading, paragraph or cell. Everything here can come from files, keys or
 * remote services (an S3 key, a robots.txt line, an ECS event), and GitHub renders the summary as
 * GitHub Flavored Markdown with HTML allowed: so `& < > " '` become entities (no tag or attribute
 * can start) and every line break becomes a space (a blank line would end the HTML block, and the
 * rest would be read as markdown: links, images, headings).
 */
export function escapeSummaryText(text: string): string {
  return text
    .replace(/\r\n|[\r\n\u0085\u2028\u2029]/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * The report as HTML, one element per line and no blank line, so the whole summary is one HTML
 * block for the markdown renderer. Written here rather than with @actions/core's summary.addTable,
 * whose `wrap` leaves an empty cell unclosed (`<td>` with no `</td>`: an empty header renders as
 * an empty row, an empty cell swallows the next) and which escapes nothing.
 */
export function renderSummary(report: SummaryReport): string {
  const out: string[] = [`<h3>${escapeSummaryText(report.title)}</h3>`];
  const paragraphs = (lines: string[] = []) => lines.forEach((line) => out.push(`<p>${escapeSummaryText(line)}</p>`));
  const table = (t: SummaryTable | undefined) => {
    if (!t) return;
    const row = (cells: string[], tag: 'th' | 'td') => `<tr>${cells.map((c) => `<${tag}>${escapeSummaryText(c)}</${tag}>`).join('')}</tr>`;
    const head = t.header.some((h) => h.trim()) ? `<thead>${row(t.header, 'th')}</thead>` : '';
    out.push(`<table>${head}<tbody>${t.rows.map((r) => row(r, 'td')).join('')}</tbody></table>`);
  };
  paragraphs(report.lines);
  table(report.table);
  for (const section of report.sections ?? []) {
    out.push(`<h4>${escapeSummaryText(section.heading)}</h4>`);
    paragraphs(section.lines);
    table(section.table);
  }
  return `${out.join('\n')}\n`;
}

/** Appends the report to GITHUB_STEP_SUMMARY (a no-op when the runner gives no summary file). */
export async function writeSummary(report: SummaryReport): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await appendSummary(renderSummary(report));
}
