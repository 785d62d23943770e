#!/usr/bin/env node
// The Node peer: s3-sync-client (npm), the way its README shows a local-to-bucket sync with
// --delete. Usage: node s3-sync-client-peer.mjs <dir> <bucket> <endpoint> [maxConcurrentTransfers]
// (without the last argument the library's default applies). The client sends no request checksum
// unless an operation requires one: the SDK's default (a streamed body in aws-chunked encoding with
// a trailing CRC32) is refused by gofakes3 with 411 MissingContentLength. This saves the peer the
// checksum work, so it errs in the peer's favour.
import { S3Client } from '@aws-sdk/client-s3';
import { S3SyncClient } from 's3-sync-client';

const [dir, bucket, endpoint, transfers] = process.argv.slice(2);
const client = new S3Client({
  endpoint,
  forcePathStyle: true,
  region: process.env.AWS_REGION ?? 'us-east-1',
  requestChecksumCalculation: 'WHEN_REQUIRED',
});
const { sync } = new S3SyncClient({ client });
const options = { del: true };
if (transfers) options.maxConcurrentTransfers = Number(transfers);
const diff = await sync(dir, `s3://${bucket}`, options);
console.log(`created ${diff.created.length}, updated ${diff.updated.length}, deleted ${diff.deleted.length}`);
