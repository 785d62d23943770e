import * as core from '@actions/core';

/** A job summary as plain data, so engines can build it and tests can read it. */
export interface SummaryReport {
  title: string;
  /** Sentences shown above the table. */
  lines?: string[];
  table?: { header: string[]; rows: string[][] };
  /** Optional further tables (for example one per file). */
  sections?: { heading: string; lines?: string[]; table?: { header: string[]; rows: string[][] } }[];
}

/** Writes the report to GITHUB_STEP_SUMMARY (a no-op when the runner gives no summary file). */
export async function writeSummary(report: SummaryReport): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const summary = core.summary.emptyBuffer().addHeading(report.title, 3);
  const addTable = (table: { header: string[]; rows: string[][] }) =>
    summary.addTable([table.header.map((data) => ({ data, header: true })), ...table.rows.map((row) => row.map(escapeCell))]);
  for (const line of report.lines ?? []) summary.addRaw(`<p>${escapeCell(line)}</p>`, true);
  if (report.table) addTable(report.table);
  for (const section of report.sections ?? []) {
    summary.addHeading(section.heading, 4);
    for (const line of section.lines ?? []) summary.addRaw(`<p>${escapeCell(line)}</p>`, true);
    if (section.table) addTable(section.table);
  }
  await summary.write();
}

function escapeCell(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
