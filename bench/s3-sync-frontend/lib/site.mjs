// The generated site: a Vite-like build (content-hashed JS/CSS/images/fonts under assets/, public
// files, HTML pages, a few large files) with deterministic, incompressible content.
import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Deterministic incompressible bytes: AES-128-CTR over zeros, keyed by the seed (GB/s, unlike a hash loop). */
function stream(seed) {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
}
const ZEROS = Buffer.alloc(1 << 20);

export function bytes(seed, size) {
  const cipher = stream(seed);
  const parts = [];
  for (let left = size; left > 0; left -= ZEROS.length) parts.push(cipher.update(ZEROS.subarray(0, Math.min(left, ZEROS.length))));
  return Buffer.concat(parts, size);
}

const hash8 = (seed) => createHash('sha256').update(seed).digest('base64url').slice(0, 8).replace(/^[-_]/, 'A');

/** `files` paths with sizes; 4 large files (7.5-9 MB: multipart for the AWS CLI), the rest 1.5-60 kB. */
export function siteLayout(count) {
  const files = [];
  const add = (rel, size) => files.push({ rel, size });
  const scale = (n) => Math.max(1, Math.round((n * count) / 2000));
  add('index.html', 2_000);
  for (const name of ['favicon.ico', 'robots.txt', 'manifest.webmanifest', 'sw.js', 'sitemap.xml']) add(name, 1_500);
  for (let i = 0; i < scale(60); i++) add(`docs/page-${i}/index.html`, 6_000);
  for (let i = 0; i < 4; i++) add(`assets/video-${i}-${hash8(`v${i}`)}.webm`, 7_500_000 + i * 500_000);
  for (let i = 0; i < scale(20); i++) add(`assets/font-${i}-${hash8(`f${i}`)}.woff2`, 30_000);
  for (let i = 0; i < scale(120); i++) add(`assets/style-${i}-${hash8(`c${i}`)}.css`, 8_000);
  for (let i = 0; i < scale(400); i++)
    add(`assets/img-${i}-${hash8(`i${i}`)}.${['png', 'webp', 'svg', 'avif'][i % 4]}`, 25_000 + (i % 7) * 5_000);
  for (let i = 0; files.length < count; i++) add(`assets/chunk-${i}-${hash8(`j${i}`)}.js`, 2_000 + (i % 13) * 1_500);
  return files;
}

/** Writes the site (every file, so every mtime is new); paths in `changed` get other content. Returns its bytes. */
export function writeSite(dir, layout, changed = new Set()) {
  rmSync(dir, { recursive: true, force: true });
  let total = 0;
  for (const { rel, size } of layout) {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, bytes(`${rel}${changed.has(rel) ? ':v2' : ''}`, size));
    total += size;
  }
  return total;
}

/** One large file written in 1 MiB pieces (never held in memory). */
export function writeLargeFile(file, size) {
  mkdirSync(path.dirname(file), { recursive: true });
  const cipher = stream(file);
  const fd = openSync(file, 'w');
  try {
    for (let left = size; left > 0; left -= ZEROS.length) writeSync(fd, cipher.update(ZEROS.subarray(0, Math.min(left, ZEROS.length))));
  } finally {
    closeSync(fd);
  }
}

export function touchAll(dir, when) {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) touchAll(full, when);
    else utimesSync(full, when, when);
  }
}

/**
 * The rebuild of the redeploy scenarios: every file written anew (`changed` with its other
 * content), stamped with a whole second later than every upload before it. S3 keeps LastModified
 * in whole seconds: a build stamped within the second of an upload would make the mtime-based
 * tools upload again on the no-op.
 */
export async function rebuildSite(dir, layout, changed) {
  writeSite(dir, layout, changed);
  const second = Math.ceil((Date.now() + 1) / 1000) * 1000;
  await new Promise((resolve) => setTimeout(resolve, second - Date.now() + 20));
  touchAll(dir, new Date(second));
}
