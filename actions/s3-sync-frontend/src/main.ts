import path from 'node:path';
import { readAwsInputs, readRunContext, resolveRegion, runAction } from '@allthrive/toolkit';
import { MANIFEST_NAME, anyMatcher, directS3, lazyS3Client, prestartScan, readOptions } from '@allthrive/s3-sync-frontend/start';

// Thin adapter: inputs -> engine -> outputs and summary. Every input is read and validated
// before any request is sent, so a bad input never reaches AWS.
await runAction(async ({ inputs, logger, clock, signal, setOutput, summary }) => {
  const options = readOptions(inputs);
  const aws = readAwsInputs(inputs, { maxAttemptsDefault: 6 });
  resolveRegion(aws); // a missing region is reported as the input error it is, before anything starts
  inputs.boolean('summary', true);
  const root = process.env.GITHUB_WORKSPACE || process.cwd();
  // The build is read and hashed, and the manifest read, while the engine loads; the AWS SDK is
  // loaded by the first request that needs it (start.ts says why).
  const scan = prestartScan(path.resolve(root, options.source), { exclude: anyMatcher(options.exclude), signal });
  const direct = directS3(options.bucket, aws, { maxSockets: options.concurrency, logger });
  const manifest = direct?.prefetch(options.prefix + MANIFEST_NAME, signal);
  await manifest?.sent;
  const { runSync, summaryReport } = await import('@allthrive/s3-sync-frontend/sync');
  // followRegionRedirects and an idle (not total) request timeout: see s3ClientConfig
  const s3 = lazyS3Client(aws);

  // The run id ties re-run attempts together: each attempt emits what earlier attempts changed.
  const { runId, runAttempt } = readRunContext();
  const run = runId ? { id: runId, attempt: runAttempt ?? '1' } : undefined;

  const result = await runSync(options, { s3, direct, manifestReadAhead: manifest?.read, logger, clock, signal, root, run, scan });

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
