/**
 * The JSON report (`{ findings, files }` plus totals) written under RUNNER_TEMP, and the job
 * summary built from the same result: one table of files and one table of findings per file.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SummaryReport } from '@allthrive/toolkit';
import type { ValidationResult } from './engine.js';

/** Writes `<dir>/seo-validate-XXXXXX/report.json` and returns its path. */
export async function writeReport(result: ValidationResult, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const folder = await mkdtemp(path.join(dir, 'seo-validate-'));
  const file = path.join(folder, 'report.json');
  const report = {
    mode: result.mode,
    siteUrl: result.siteUrl,
    errors: result.errors,
    warnings: result.warnings,
    notices: result.notices,
    findings: result.findings.map((f) => ({ rule: f.rule, severity: f.severity, file: f.file, line: f.line ?? null, message: f.message })),
    files: result.files,
  };
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

const MAX_ROWS_PER_FILE = 25;

export function buildSummary(result: ValidationResult, failOn: 'error' | 'warning'): SummaryReport {
  const verdict = result.failed
    ? `Failed: ${result.errors} error(s), ${result.warnings} warning(s) (fail-on: ${failOn}).`
    : `Passed: ${result.errors} error(s), ${result.warnings} warning(s), ${result.notices} notice(s) (fail-on: ${failOn}).`;
  const rows = Object.entries(result.files).map(([file, r]) => [
    r.kind,
    file,
    r.status,
    describeDetails(r.details),
    String(r.errors),
    String(r.warnings),
  ]);
  const byFile = new Map<string, typeof result.findings>();
  for (const finding of result.findings) {
    const list = byFile.get(finding.file) ?? [];
    list.push(finding);
    byFile.set(finding.file, list);
  }
  const sections = [...byFile.entries()].map(([file, list]) => ({
    heading: file || 'General',
    lines:
      list.length > MAX_ROWS_PER_FILE
        ? [`First ${MAX_ROWS_PER_FILE} of ${list.length} findings; the JSON report has all of them.`]
        : undefined,
    table: {
      header: ['Severity', 'Line', 'Rule', 'Message'],
      rows: list.slice(0, MAX_ROWS_PER_FILE).map((f) => [f.severity, f.line ? String(f.line) : '', f.rule, f.message]),
    },
  }));
  return {
    title: 'SEO files',
    lines: [verdict, `Site ${result.siteUrl}, read from ${result.mode === 'url' ? 'the running server' : 'the build directory'}.`],
    table: { header: ['Kind', 'File', 'Status', 'Contents', 'Errors', 'Warnings'], rows },
    sections,
  };
}

function describeDetails(details: Record<string, unknown>): string {
  if (typeof details.urls === 'number')
    return details.type === 'sitemapindex' ? `index of ${details.sitemaps} sitemap(s)` : `${details.urls} URL(s)`;
  if (typeof details.lines === 'number') return `${details.lines} line(s)`;
  if (typeof details.apiUrl === 'string') return `api ${details.apiReachable ? 'reachable' : 'unreachable'}`;
  if (Array.isArray(details.sections)) return `${details.sections.length} section(s)`;
  return '';
}
