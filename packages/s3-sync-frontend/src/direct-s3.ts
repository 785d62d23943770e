/**
 * GetObject and PutObject as single signed HTTP requests, without the AWS SDK.
 *
 * Why: a redeploy sends a handful of plain GETs and PUTs, and the AWS SDK's load and its first
 * request cost about 0.15 s of the main thread (0.1 s to compile and set up its chunk, 0.05 s of
 * one-time work in the first request; bench/s3-sync-frontend/notes.md), more than the whole rest of
 * a redeploy. With these two requests direct, a deploy that needs nothing else (no listing, no
 * delete, no multipart upload, no copy) never loads the SDK at all.
 *
 * What is not written here: the signature is aws4's (a small, dependency-free SigV4 library; the
 * SDK's own signer needs most of the SDK's core), the transport Node's http(s) with a keep-alive
 * agent. And retries, redirects, throttling and error reporting stay the SDK's: a direct request
 * gets one attempt, and anything but the expected answer (an error status, a reset, a timeout)
 * hands that request, and every later one of the deploy, to the SDK, which sends it again with its
 * retries and reports what failed. A direct request can make a deploy faster, never different.
 *
 * Only used where the request certainly goes where the SDK's would go, with the credentials the
 * SDK would use:
 * - static keys in the environment (the first source of the SDK's default chain, unless AWS_PROFILE
 *   names a profile), and no AWS config file (it can name an endpoint, FIPS, dual-stack or another
 *   addressing style);
 * - an endpoint override (endpoint-url, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL) addressed path-style,
 *   as the action's S3 client addresses it; or S3 itself, virtual-hosted, in a region of the
 *   commercial partition, for a bucket name that is a plain DNS label (no dots, no ARN).
 */
import { existsSync } from 'node:fs';
import type { Agent, IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import aws4 from 'aws4';
import { overriddenEndpoint, resolveRegion, type AwsOptions, type Logger } from '@allthrive/toolkit';
import { unquote, type TextObject } from './etag.js';

/** What a direct GetObject found: the object, or (object undefined) that the key does not exist. */
export interface ReadAhead {
  object: TextObject | undefined;
}

export interface DirectS3 {
  /** GetObject: the object, or that there is none (404 NoSuchKey); undefined: ask the SDK. */
  getText(key: string, signal?: AbortSignal): Promise<ReadAhead | undefined>;
  /**
   * getText started now, plus `sent`: settles once the request is on the wire (or failed), or after
   * SENT_WAIT_MS. Node writes a request only when its event loop turns (the socket's connect, TLS),
   * and the engine's load that follows holds the loop: the action awaits `sent` first.
   */
  prefetch(key: string, signal?: AbortSignal): { read: Promise<ReadAhead | undefined>; sent: Promise<void> };
  /**
   * PutObject of `body`, whose hex SHA-256 is `sha256` (the SigV4 payload hash), with the fields
   * the SDK's PutObject input would carry: the unquoted ETag on a 200; undefined: the PUT must be
   * sent through the SDK.
   */
  put(key: string, body: Buffer, sha256: string, fields: PutFields, signal?: AbortSignal): Promise<string | undefined>;
}

/** The PutObject input fields a direct PUT sends, named as in the SDK's PutObjectCommand input. */
export interface PutFields {
  ContentType?: string;
  CacheControl?: string;
  Metadata?: Record<string, string>;
  ChecksumSHA256?: string;
  IfMatch?: string;
  IfNoneMatch?: string;
}

/** The HTTP headers S3's PutObject takes for those fields (the SDK's serialisation of them). */
function putHeaders(fields: PutFields): Record<string, string> {
  const headers: Record<string, string> = {};
  const set = (name: string, value: string | undefined) => value !== undefined && (headers[name] = value);
  set('Content-Type', fields.ContentType);
  set('Cache-Control', fields.CacheControl);
  for (const [name, value] of Object.entries(fields.Metadata ?? {})) set(`x-amz-meta-${name}`, value);
  set('x-amz-checksum-sha256', fields.ChecksumSHA256);
  set('If-Match', fields.IfMatch);
  set('If-None-Match', fields.IfNoneMatch);
  return headers;
}

export interface DirectOptions {
  /** Where the SDK would find the AWS config file; default AWS_CONFIG_FILE or ~/.aws/config. */
  configFile?: string;
  /** Requests in flight at once (the deploy's concurrency): the agent's socket pool. */
  maxSockets?: number;
  /** A request with no byte sent or received for this long is abandoned (to the SDK). */
  idleMs?: number;
  /** Hears once when the direct requests hand over to the SDK, and why. */
  logger?: Pick<Logger, 'info'>;
}

/** Regions of the commercial `aws` partition, whose S3 endpoint is s3.<region>.amazonaws.com. */
const COMMERCIAL_REGION = /^(us|eu|ap|sa|ca|me|af|il|mx)-(east|west|south|north|central|northeast|southeast|northwest|southwest)-\d+$/;

/** A bucket name usable as a host label under S3's wildcard certificate. */
const DNS_LABEL_BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** Manifests are small (about 150 bytes per file); a larger answer is left to the SDK. */
const MAX_TEXT_BYTES = 64 * 1024 * 1024;

/**
 * Long enough for a connection to a local endpoint or to S3 in the runner's region (TCP and TLS:
 * a few round trips of 1-2 ms), short against the engine's load; past it the request proceeds when
 * the loop next turns.
 */
const SENT_WAIT_MS = 30;

/** The SHA-256 of an empty payload: a GET's x-amz-content-sha256. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

interface Target {
  url: URL;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** Direct requests to `bucket`, or undefined where the SDK's requests could go elsewhere (above). */
export function directS3(bucket: string, aws: AwsOptions, options: DirectOptions = {}): DirectS3 | undefined {
  const target = directTarget(bucket, aws, options);
  return target && new DirectClient(target, options);
}

/** The bucket's base URL, region and credentials, when requests without the SDK are safe. */
export function directTarget(bucket: string, aws: AwsOptions, options: Pick<DirectOptions, 'configFile'> = {}): Target | undefined {
  const env = aws.env ?? process.env;
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey || env.AWS_PROFILE) return undefined;
  if (truthy(env.AWS_USE_FIPS_ENDPOINT) || truthy(env.AWS_USE_DUALSTACK_ENDPOINT)) return undefined;
  if (existsSync(options.configFile ?? env.AWS_CONFIG_FILE ?? path.join(os.homedir(), '.aws', 'config'))) return undefined;
  let region: string;
  try {
    region = resolveRegion(aws);
  } catch {
    return undefined; // the SDK path reports the missing region
  }
  const credentials = { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined };
  const override = overriddenEndpoint('S3', aws);
  if (override) {
    const url = new URL(override);
    if (url.search || url.hash) return undefined;
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/${encodeSegment(bucket)}/`;
    return { url, region, credentials };
  }
  if (!COMMERCIAL_REGION.test(region) || !DNS_LABEL_BUCKET.test(bucket)) return undefined;
  return { url: new URL(`https://${bucket}.s3.${region}.amazonaws.com/`), region, credentials };
}

function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function truthy(value: string | undefined): boolean {
  return (value ?? '').trim().toLowerCase() === 'true';
}

/** Why a direct request was not usable: its request and every later one go through the SDK. */
class NotUsable extends Error {}

class DirectClient implements DirectS3 {
  private agent: Agent | undefined;
  /** Set by the first request that was not usable: from then on every request is the SDK's. */
  private handedOver = false;

  constructor(
    private readonly target: Target,
    private readonly options: DirectOptions,
  ) {}

  prefetch(key: string, signal?: AbortSignal): { read: Promise<ReadAhead | undefined>; sent: Promise<void> } {
    let onSent = () => {};
    const sent = new Promise<void>((resolve) => {
      onSent = resolve;
      setTimeout(resolve, SENT_WAIT_MS).unref();
    });
    const read = this.getText(key, signal, onSent);
    void read.finally(onSent);
    return { read, sent };
  }

  async getText(key: string, signal?: AbortSignal, onSent?: () => void): Promise<ReadAhead | undefined> {
    const answer = await this.send('GET', key, { headers: { 'X-Amz-Content-Sha256': EMPTY_SHA256 }, signal, readBody: true, onSent });
    if (!answer) return undefined;
    if (answer.status === 200) {
      return {
        object: {
          text: answer.body.toString('utf8'),
          lastModified: Date.parse(answer.headers['last-modified'] ?? '') || 0,
          etag: unquote(answer.headers.etag ?? ''),
        },
      };
    }
    // S3's error body names the cause: only NoSuchKey says the object does not exist (a
    // NoSuchBucket is reported by the SDK's path, against the `bucket` input)
    if (answer.status === 404 && /<Code>NoSuchKey<\/Code>/.test(answer.body.toString('utf8'))) return { object: undefined };
    return this.handOver(`GetObject ${key}: HTTP ${answer.status}`);
  }

  async put(key: string, body: Buffer, sha256: string, fields: PutFields, signal?: AbortSignal): Promise<string | undefined> {
    const answer = await this.send('PUT', key, {
      headers: { ...putHeaders(fields), 'Content-Length': String(body.length), 'X-Amz-Content-Sha256': sha256 },
      body,
      signal,
    });
    if (!answer) return undefined;
    if (answer.status === 200 && answer.headers.etag) return unquote(answer.headers.etag);
    return this.handOver(`PutObject ${key}: HTTP ${answer.status}`);
  }

  private handOver(why: string): undefined {
    if (!this.handedOver) {
      this.handedOver = true;
      this.options.logger?.info(
        `Direct S3 request not usable (${why}): this and every later request of the deploy go through the AWS SDK.`,
      );
    }
    return undefined;
  }

  private async send(
    method: 'GET' | 'PUT',
    key: string,
    request: { headers: Record<string, string>; body?: Buffer; signal?: AbortSignal; readBody?: boolean; onSent?: () => void },
  ): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer } | undefined> {
    if (this.handedOver || request.signal?.aborted) return undefined;
    // Joined, not resolved as a URL: a key is sent as it is, never normalised (a `..` segment is a
    // key like any other), and encoded as SigV4 encodes it (RFC 3986, each segment once).
    const url = this.target.url;
    const objectPath = url.pathname + key.split('/').map(encodeSegment).join('/');
    const signed = aws4.sign(
      { method, host: url.host, path: objectPath, service: 's3', region: this.target.region, headers: request.headers },
      this.target.credentials,
    );
    try {
      return await new Promise((resolve, reject) => {
        const req = this.transport().request({
          method,
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port || undefined,
          path: objectPath,
          headers: signed.headers as Record<string, string>,
          agent: this.socketPool(),
          signal: request.signal,
          timeout: this.options.idleMs ?? 15_000,
        });
        req.on('timeout', () => req.destroy(new NotUsable('no byte sent or received in time')));
        req.on('error', reject);
        if (request.onSent) req.on('finish', request.onSent);
        req.on('response', (response: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          // a success's body is only read for a GET; an error's always (S3 names the cause in it)
          const keep = request.readBody || (response.statusCode ?? 0) >= 300;
          response.on('data', (chunk: Buffer) => {
            if (!keep) return;
            bytes += chunk.length;
            if (bytes > MAX_TEXT_BYTES) req.destroy(new NotUsable('answer too large'));
            else chunks.push(chunk);
          });
          response.on('error', reject);
          response.on('end', () => {
            const declared = response.headers['content-length'];
            if (!response.complete || (keep && declared !== undefined && Number(declared) !== bytes)) {
              return reject(new NotUsable('answer cut short'));
            }
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
          });
        });
        req.end(request.body);
      });
    } catch (error) {
      if (request.signal?.aborted) return undefined; // the SDK's request then reports the cancellation
      return this.handOver(`${method === 'GET' ? 'GetObject' : 'PutObject'} ${key}: ${(error as Error).message}`);
    }
  }

  private transport() {
    // Loaded synchronously, and https (with its TLS code) only for an https endpoint.
    return this.target.url.protocol === 'https:' ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http');
  }

  private socketPool(): Agent {
    this.agent ??= new (this.transport().Agent)({ keepAlive: true, maxSockets: this.options.maxSockets ?? 16 });
    return this.agent;
  }
}
