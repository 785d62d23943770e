/**
 * seo-validate adapter: inputs → runValidation → annotations, JSON report, outputs, job summary.
 * Exit 1 when a finding reaches `fail-on`.
 */
import { tmpdir } from 'node:os';
import { ActionError, runAction } from '@allthrive/toolkit';
import { buildSummary, emitAnnotations, readOptions, runValidation, writeReport } from '@allthrive/seo-validate';

await runAction(async ({ inputs, logger, clock, signal, setOutput, summary }) => {
  const options = readOptions(inputs);
  const result = await runValidation(options, {
    logger,
    clock,
    signal,
    root: process.env.GITHUB_WORKSPACE || process.cwd(),
  });
  emitAnnotations(result.findings, logger, result.mode);
  const report = await writeReport(result, process.env.RUNNER_TEMP || tmpdir());
  logger.info(`Report: ${report}`);
  setOutput('errors', result.errors);
  setOutput('warnings', result.warnings);
  setOutput('report', report);
  await summary(buildSummary(result, options.failOn));
  if (result.failed) {
    const counts = `${result.errors} error(s) and ${result.warnings} warning(s)`;
    const cause = result.fetchFailures.length ? ` First fetch failure: ${result.fetchFailures[0]}` : '';
    throw new ActionError(
      `SEO validation failed with ${counts} (fail-on: ${options.failOn}).${cause} The annotations list each finding; the full report is ${report}.`,
    );
  }
  logger.info(`SEO validation passed: ${result.errors} error(s), ${result.warnings} warning(s), ${result.notices} notice(s).`);
});
