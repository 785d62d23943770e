// Builds dist/ the way `vite build` lays it out: content-hashed files under assets/ (safe to cache
// for a year), HTML that references them (must never be cached), and public/ copied as is.
// No dependencies, so `npm ci && npm run build` works offline.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const dist = path.join(here, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(path.join(dist, 'assets'), { recursive: true });
cpSync(path.join(here, 'public'), dist, { recursive: true });

const hashed = {};
for (const file of ['app.js', 'app.css']) {
  const content = readFileSync(path.join(here, 'src', file));
  const hash = createHash('sha256').update(content).digest('base64url').slice(0, 8);
  const name = file.replace(/\.(\w+)$/, `-${hash}.$1`);
  writeFileSync(path.join(dist, 'assets', name), content);
  hashed[file] = `/assets/${name}`;
}
const page = (title, body) =>
  readFileSync(path.join(here, 'src', 'index.html'), 'utf8')
    .replaceAll('%TITLE%', title)
    .replaceAll('%BODY%', body)
    .replaceAll('%APP_JS%', hashed['app.js'])
    .replaceAll('%APP_CSS%', hashed['app.css']);
writeFileSync(path.join(dist, 'index.html'), page('AllThrive AI', '<h1>AllThrive AI</h1>'));
mkdirSync(path.join(dist, 'about'), { recursive: true });
writeFileSync(path.join(dist, 'about', 'index.html'), page('About AllThrive AI', '<h1>About</h1>'));
console.log(`built ${path.relative(process.cwd(), dist) || 'dist'}: ${Object.values(hashed).join(', ')}, index.html, about/index.html`);
