/**
 * HTTP GET for crawler-facing files: raw bytes (no charset decoding, so a BOM or invalid UTF-8
 * stays visible), a response-size cap and a decompression cap (a gzip bomb stops at the cap),
 * up to 5 redirects recorded hop by hop (RFC 9309 §2.3.1.2), and a per-request timeout.
 * Redirects are followed only on the origin first requested: a redirect elsewhere is returned,
 * not followed, so checking a build never reads production or another host. Link-local addresses
 * (169.254.0.0/16, fe80::/10: cloud instance metadata) are never connected to unless the request's
 * host is that address literally (the configured url).
 * A network fault throws FetchError naming the URL; an HTTP status is a result, not an error.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net, { type LookupFunction } from 'node:net';
import zlib from 'node:zlib';
import { CancelledError, formatDuration } from '@allthrive/toolkit';

export const MAX_REDIRECTS = 5;

export interface FetchOptions {
  /** Bytes kept from the (decoded) body; reading stops one byte after it and `truncated` is set. */
  maxBytes: number;
  timeoutMs: number;
  signal?: AbortSignal;
  userAgent: string;
  maxRedirects?: number;
  /** Extra request headers (host-header: Host, X-Forwarded-Proto). */
  headers?: Record<string, string>;
  /** DNS lookup (default dns.lookup); tests pass their own. */
  lookup?: LookupFunction;
}

export interface FetchResult {
  url: string;
  finalUrl: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The body was longer than maxBytes (or decompressed beyond it). */
  truncated: boolean;
  redirects: { status: number; from: string; to: string }[];
  /** More than maxRedirects consecutive redirects: the last redirect's status is in `status`. */
  tooManyRedirects: boolean;
  /** A redirect to another origin, not followed (its status is in `status`). */
  offOrigin?: { status: number; from: string; to: string };
  /** A Content-Encoding the body could not be decoded with. */
  decodeError?: string;
}

export class FetchError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`Could not fetch ${url}: ${reason}`);
    this.name = 'FetchError';
  }
}

/** Injected into the engine: the default talks HTTP with node:http; tests may pass their own. */
export type HttpGetter = (url: string, options: FetchOptions) => Promise<FetchResult>;

interface Single {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  truncated: boolean;
  decodeError?: string;
}

const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'host name lookup failed (DNS)',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed by the server',
};

function describeNetworkError(error: NodeJS.ErrnoException): string {
  const words = error.code ? NETWORK_WORDS[error.code] : undefined;
  return words ? `${words} (${error.message})` : error.message || String(error.code);
}

/** 169.254.0.0/16 and fe80::/10 (IPv4-mapped forms included): where cloud instance metadata lives. */
export function isLinkLocal(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').toLowerCase();
  const mapped = bare.startsWith('::ffff:') ? bare.slice(7) : bare;
  if (net.isIPv4(mapped)) return mapped.startsWith('169.254.');
  if (!net.isIPv6(bare)) return false;
  const first = parseInt(bare.split(':')[0] || '0', 16);
  return (first & 0xffc0) === 0xfe80;
}

function linkLocalError(url: URL, address: string): FetchError {
  return new FetchError(
    url.href,
    `${url.hostname} is the link-local address ${address} (cloud instance metadata lives there); seo-validate connects to a link-local address only when url names it literally`,
  );
}

/** dns.lookup that refuses link-local answers, so a host name cannot lead to instance metadata. */
function guardedLookup(url: URL, base: LookupFunction): LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    base(hostname, options, ((error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => {
      if (error) return callback(error);
      const addresses = Array.isArray(address) ? address.map((a) => a.address) : [address];
      const bad = addresses.find(isLinkLocal);
      if (bad) return callback(linkLocalError(url, bad));
      callback(null, address, family);
    }) as never);
  }) as LookupFunction;
}

function getOnce(url: URL, options: FetchOptions): Promise<Single> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new CancelledError());
    const client = url.protocol === 'https:' ? https : http;
    const request = client.get(url, {
      headers: { 'user-agent': options.userAgent, 'accept-encoding': 'gzip, deflate, br', accept: '*/*', ...options.headers },
      lookup: guardedLookup(url, options.lookup ?? (dns.lookup as LookupFunction)),
    });
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      cleanup();
      request.destroy();
      reject(error);
    };
    const timer = setTimeout(
      () =>
        fail(
          new FetchError(
            url.href,
            `no complete response within ${formatDuration(options.timeoutMs)} (timeout; raise the timeout input if the server is just slow)`,
          ),
        ),
      options.timeoutMs,
    );
    const onAbort = () =>
      fail(
        new CancelledError(
          `the run was cancelled while fetching ${url.href}; nothing was changed, re-running the step checks everything again`,
        ),
      );
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    request.on('error', (error: NodeJS.ErrnoException) =>
      fail(error instanceof FetchError ? error : new FetchError(url.href, describeNetworkError(error))),
    );
    request.on('response', (response) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && headers.location) {
        response.resume();
        settled = true;
        cleanup();
        request.destroy();
        return resolve({ status, headers, body: Buffer.alloc(0), truncated: false });
      }
      const encoding = (headers['content-encoding'] ?? '').trim().toLowerCase();
      let stream: NodeJS.ReadableStream = response;
      if (encoding === 'gzip' || encoding === 'x-gzip') stream = response.pipe(zlib.createGunzip());
      else if (encoding === 'deflate') stream = response.pipe(zlib.createInflate());
      else if (encoding === 'br') stream = response.pipe(zlib.createBrotliDecompress());
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const finish = (decodeError?: string) => {
        if (settled) return;
        settled = true;
        cleanup();
        resolve({ status, headers, body: Buffer.concat(chunks, Math.min(size, options.maxBytes)), truncated, decodeError });
      };
      stream.on('data', (chunk: Buffer) => {
        if (truncated) return;
        const room = options.maxBytes - size;
        if (chunk.length > room) {
          if (room > 0) chunks.push(chunk.subarray(0, room));
          size = options.maxBytes;
          truncated = true;
          finish();
          request.destroy();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      stream.on('end', () => finish());
      stream.on('error', (error: Error) => {
        if (stream === response) fail(new FetchError(url.href, `the connection broke while reading the body (${error.message})`));
        else finish(`the ${encoding} Content-Encoding could not be decoded (${error.message})`);
      });
      response.on('aborted', () => fail(new FetchError(url.href, 'the server closed the connection before the body was complete')));
    });
  });
}

/** GET with redirects followed (at most `maxRedirects`, default 5), capped body, raw bytes. */
export const fetchResource: HttpGetter = async (url, options) => {
  const maxRedirects = options.maxRedirects ?? MAX_REDIRECTS;
  const redirects: FetchResult['redirects'] = [];
  let current = new URL(url);
  const origin = current.origin;
  for (;;) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') {
      throw new FetchError(current.href, `the ${current.protocol} scheme is not supported (only http and https)`);
    }
    const single = await getOnce(current, options);
    const location = single.headers.location;
    if (single.status >= 300 && single.status < 400 && location) {
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw new FetchError(current.href, `HTTP ${single.status} redirect to an invalid Location '${location}'`);
      }
      // A redirect that is not followed: to another host (production behind a canonical-host
      // redirect, or anything else), or one hop too many.
      const stopped = {
        url,
        finalUrl: current.href,
        status: single.status,
        headers: single.headers,
        body: Buffer.alloc(0),
        truncated: false,
      };
      if (next.origin !== origin) {
        return { ...stopped, redirects, tooManyRedirects: false, offOrigin: { status: single.status, from: origin, to: next.origin } };
      }
      redirects.push({ status: single.status, from: current.href, to: next.href });
      if (redirects.length > maxRedirects) return { ...stopped, redirects, tooManyRedirects: true };
      current = next;
      continue;
    }
    return { url, finalUrl: current.href, ...single, redirects, tooManyRedirects: false };
  }
};
