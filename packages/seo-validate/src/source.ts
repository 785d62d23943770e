/**
 * Where files come from. Server mode reads `url` over HTTP; directory mode reads files under
 * `directory`. Both map the public origin (`site-url`) onto the local one, so a `Sitemap:` line
 * or sitemap-index entry written for production is read from the local server or folder.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { FetchError, type FetchResult, type HttpGetter } from './fetcher.js';

export type Outcome =
  | {
      kind: 'ok';
      status?: number;
      contentType?: string;
      /** Bytes available (the file size, or the body length when not truncated). */
      size: number;
      /** More bytes than `maxBytes` were there; only the first `maxBytes` are in `chunks`. */
      truncated: boolean;
      chunks: () => AsyncIterable<Buffer>;
      redirects: FetchResult['redirects'];
      finalUrl?: string;
      decodeError?: string;
    }
  | { kind: 'status'; status: number; contentType?: string; body: Buffer; redirects: FetchResult['redirects']; finalUrl: string }
  | { kind: 'missing' }
  | { kind: 'too-many-redirects'; redirects: FetchResult['redirects'] }
  /** A redirect to another origin, not followed. */
  | { kind: 'other-origin'; status: number; from: string; to: string }
  | { kind: 'failed'; error: string }
  | { kind: 'outside'; reason: string };

export interface Loaded {
  /** What findings name: a path under the directory, or the URL read. */
  file: string;
  /** Where it was read from (URL or absolute path), for logs. */
  location: string;
  outcome: Outcome;
}

export interface SourceConfig {
  mode: 'url' | 'directory';
  /** Server mode: the running site's base URL. */
  url?: URL;
  /** Directory mode: the absolute folder, and how findings should name it (as the user wrote it). */
  directory?: string;
  directoryLabel?: string;
  siteUrl: URL;
  getter: HttpGetter;
  timeoutMs: number;
  userAgent: string;
  /** Extra request headers for server mode (host-header). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

async function* once(body: Buffer): AsyncIterable<Buffer> {
  if (body.length) yield body;
}

async function* fileChunks(file: string, maxBytes: number): AsyncIterable<Buffer> {
  const stream = createReadStream(file, { start: 0, end: Math.max(0, maxBytes - 1), highWaterMark: 1024 * 1024 });
  for await (const chunk of stream) yield chunk as Buffer;
}

export class Source {
  /** The directory's real path (symlinks resolved), read once. */
  private realRoot?: string;

  constructor(readonly config: SourceConfig) {}

  get mode(): 'url' | 'directory' {
    return this.config.mode;
  }

  /** The public URL of a site path (what crawlers will see). */
  publicUrl(sitePath: string): URL {
    return new URL(sitePath, this.config.siteUrl.origin);
  }

  /** True when `target` is on the public origin or the local server's origin. */
  isLocal(target: URL): boolean {
    return target.origin === this.config.siteUrl.origin || (this.config.url !== undefined && target.origin === this.config.url.origin);
  }

  /** Reads `target` (a URL on site-url or the local server) with at most `maxBytes` of body. */
  async load(target: URL, maxBytes: number): Promise<Loaded> {
    if (!this.isLocal(target)) {
      return {
        file: target.href,
        location: target.href,
        outcome: {
          kind: 'outside',
          reason: `${target.origin} is neither site-url (${this.config.siteUrl.origin}) nor the site being checked`,
        },
      };
    }
    return this.config.mode === 'url' ? this.loadUrl(target, maxBytes) : this.loadFile(target, maxBytes);
  }

  private async loadUrl(target: URL, maxBytes: number): Promise<Loaded> {
    const local = new URL(target.pathname + target.search, this.config.url!.origin);
    const file = local.href;
    try {
      const result = await this.config.getter(local.href, {
        maxBytes,
        timeoutMs: this.config.timeoutMs,
        signal: this.config.signal,
        userAgent: this.config.userAgent,
        headers: this.config.headers,
      });
      const contentType = result.headers['content-type'];
      if (result.offOrigin) return { file, location: file, outcome: { kind: 'other-origin', ...result.offOrigin } };
      if (result.tooManyRedirects) return { file, location: file, outcome: { kind: 'too-many-redirects', redirects: result.redirects } };
      if (result.status < 200 || result.status >= 300) {
        return {
          file,
          location: file,
          outcome: {
            kind: 'status',
            status: result.status,
            contentType,
            body: result.body,
            redirects: result.redirects,
            finalUrl: result.finalUrl,
          },
        };
      }
      return {
        file,
        location: file,
        outcome: {
          kind: 'ok',
          status: result.status,
          contentType,
          size: result.truncated ? maxBytes + 1 : result.body.length,
          truncated: result.truncated,
          chunks: () => once(result.body),
          redirects: result.redirects,
          finalUrl: result.finalUrl,
          decodeError: result.decodeError,
        },
      };
    } catch (error) {
      if (error instanceof FetchError) return { file, location: file, outcome: { kind: 'failed', error: error.reason } };
      throw error;
    }
  }

  private async loadFile(target: URL, maxBytes: number): Promise<Loaded> {
    const root = this.config.directory!;
    let relative: string;
    try {
      relative = decodeURIComponent(target.pathname).replace(/^\/+/, '');
    } catch {
      relative = target.pathname.replace(/^\/+/, '');
    }
    const absolute = path.resolve(root, relative);
    const file = path
      .join(this.config.directoryLabel ?? root, relative)
      .split(path.sep)
      .join('/');
    if (absolute !== root && !absolute.startsWith(root + path.sep)) {
      return { file, location: absolute, outcome: { kind: 'outside', reason: `the path escapes the directory ${root}` } };
    }
    try {
      // Symlinks are resolved and must stay inside the folder (as s3-sync-frontend does), so a
      // `robots.txt -> /etc/…` link is never read or quoted; the resolved path is what is read.
      const realRoot = (this.realRoot ??= await realpath(root));
      const real = await realpath(absolute);
      if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
        return {
          file,
          location: absolute,
          outcome: { kind: 'outside', reason: `its real path ${real} is outside the directory ${root} (a symlink leads out of it)` },
        };
      }
      const info = await stat(real);
      if (!info.isFile()) return { file, location: absolute, outcome: { kind: 'missing' } };
      return {
        file,
        location: absolute,
        outcome: {
          kind: 'ok',
          size: info.size,
          truncated: info.size > maxBytes,
          chunks: () => fileChunks(real, maxBytes),
          redirects: [],
        },
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { file, location: absolute, outcome: { kind: 'missing' } };
      return { file, location: absolute, outcome: { kind: 'failed', error: (error as Error).message } };
    }
  }
}

/** Reads all chunks of an ok outcome into one buffer. */
export async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}
