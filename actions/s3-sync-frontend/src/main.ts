import path from 'node:path';
import { readAwsInputs, readRunContext, runAction } from '@allthrive/toolkit';
import { anyMatcher, prestartScan, readOptions } from '@allthrive/s3-sync-frontend/start';

// Thin adapter: inputs -> engine -> outputs and summary. Every input is read and validated
// before the S3 client is built, so a bad input never reaches AWS.
await runAction(async ({ inputs, logger, clock, signal, setOutput, summary }) => {
  const options = readOptions(inputs);
  const aws = readAwsInputs(inputs, { maxAttemptsDefault: 6 });
  inputs.boolean('summary', true);
  const root = process.env.GITHUB_WORKSPACE || process.cwd();
  // The build is read and hashed while the engine and the AWS SDK load (start.ts says why).
  const scan = prestartScan(path.resolve(root, options.source), { exclude: anyMatcher(options.exclude), signal });
  const { createS3Client, runSync, summaryReport } = await import('@allthrive/s3-sync-frontend');
  // followRegionRedirects and an idle (not total) request timeout: see s3ClientConfig
  const s3 = createS3Client(aws);

  // The run id ties re-run attempts together: each attempt emits what earlier attempts changed.
  const { runId, runAttempt } = readRunContext();
  const run = runId ? { id: runId, attempt: runAttempt ?? '1' } : undefined;

  const result = await runSync(options, { s3, logger, clock, signal, root, run, scan });

  setOutput('uploaded', result.uploaded);
  setOutput('re-headered', result.reheadered);
  setOutput('unchanged', result.unchanged);
  setOutput('deleted', result.deleted);
  setOutput('kept', result.kept);
  setOutput('bytes-uploaded', result.bytesUploaded);
  setOutput('changed-paths', JSON.stringify(result.changedPaths));
  setOutput('planned-paths', JSON.stringify(result.plannedPaths));
  setOutput('dry-run', result.dryRun);
  await summary(summaryReport(result));
});
