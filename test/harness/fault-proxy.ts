import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { listenOnLoopback } from './ports.js';

/**
 * A test-only fault-injection HTTP proxy on loopback. It sits between an action (pointed at it
 * through AWS_ENDPOINT_URL, or as the `url` of a site) and an upstream (moto, the scripted fake
 * in fake-aws.ts, a loopback web site) and, per request, by matcher and/or at a seeded rate:
 *
 * - answers `slowdown` (503), `internal` (500) or `throttle` (400) with the error body each AWS
 *   protocol really uses (S3 REST-XML, JSON 1.0/1.1, query/XML, CloudFront REST-XML) so the SDK
 *   parses and classifies it exactly as it would a real one;
 * - `reset-before`: resets the connection before the request reaches the upstream;
 * - `reset-after`: forwards, lets the upstream act on it, then resets instead of answering
 *   (the response is lost: what proves a retried mutation is idempotent);
 * - `delay`: forwards, then holds the response for `delayMs` (past a client's timeout);
 * - `truncate`: forwards, then sends the headers and only part of the body before closing.
 *
 * Every request is recorded (service, operation, method, path, forwarded or not, fault, status,
 * mutating or not) so tests can assert "no mutating request" or "exactly one UpdateService".
 * Written by hand because no maintained library injects protocol-correct AWS errors.
 */

export type FaultKind = 'slowdown' | 'internal' | 'throttle' | 'reset-before' | 'reset-after' | 'delay' | 'truncate';
export const FAULT_KINDS: readonly FaultKind[] = ['slowdown', 'internal', 'throttle', 'reset-before', 'reset-after', 'delay', 'truncate'];

export type Protocol = 'json' | 'query' | 'rest-xml-s3' | 'rest-xml-cloudfront' | 'http';

export interface RequestInfo {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  protocol: Protocol;
  /** Lower-case signing name (`s3`, `ecs`, `cloudformation`, ...) or `http` for a plain site. */
  service: string;
  /** API operation name (`PutObject`, `UpdateService`, ...); `GET /robots.txt` for a plain site. */
  operation: string;
  mutating: boolean;
}

export type Matcher = string | RegExp | ((value: string) => boolean);

export interface FaultRule {
  fault: FaultKind;
  /** Probability per matching request (0..1); default 1 (every matching request). */
  rate?: number;
  operation?: Matcher;
  service?: Matcher;
  method?: Matcher;
  path?: Matcher;
  /** Only mutating (or only non-mutating) requests. */
  mutating?: boolean;
  /** Skip this many matching requests before the rule may apply. */
  after?: number;
  /** Apply at most this many times. */
  times?: number;
  /** For `delay`: how long to hold the response (default 10 s). */
  delayMs?: number;
  /** Custom predicate over the parsed request. */
  when?: (request: RequestInfo) => boolean;
}

export interface RecordedRequest {
  seq: number;
  method: string;
  path: string;
  query: string;
  service: string;
  operation: string;
  protocol: Protocol;
  mutating: boolean;
  /** The request reached the upstream. */
  forwarded: boolean;
  fault?: FaultKind;
  /** Status the client received (undefined when the connection was reset). */
  status?: number;
  /** The request body as text (only bodies up to 64 KiB, for JSON/query/XML assertions). */
  body?: string;
  at: number;
}

export interface FaultProxyOptions {
  /** Upstream base URL, e.g. moto.endpoint. */
  upstream: string;
  rules?: FaultRule[];
  /** PRNG seed: the same seed and request order give the same faults. */
  seed?: number;
  /**
   * Replaces the body of a forwarded 2xx answer (undefined keeps it): for what the upstream cannot
   * produce, such as a one-off ECS task whose container exits 1 (moto's tasks always exit 0).
   */
  rewrite?: (request: RequestInfo, body: Buffer) => Buffer | undefined;
}

export interface FaultProxy {
  endpoint: string;
  port: number;
  requests: RecordedRequest[];
  /** Replaces the rules (and resets their counters). */
  setRules(rules: FaultRule[]): void;
  /** Requests for one operation that reached the upstream (or all, with `{ all: true }`). */
  count(operation: string, options?: { all?: boolean }): number;
  /** Mutating requests that reached the upstream. */
  mutations(): RecordedRequest[];
  faults(): RecordedRequest[];
  clear(): void;
  close(): Promise<void>;
}

/** mulberry32: a tiny seeded PRNG, enough for reproducible fault schedules. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MUTATING_OPERATION =
  /^(Register|Deregister|Update|Create|Run|Start|Stop|Delete|Execute|Put|Submit|Tag|Untag|Copy|Complete|Abort|Upload|Restore|Set|Modify|Cancel|Terminate|Invoke)/;

function credentialScopeService(headers: IncomingHttpHeaders, query: URLSearchParams): string | undefined {
  const auth = String(headers.authorization ?? '');
  const scope =
    /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(auth) ??
    /^[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request$/.exec(query.get('X-Amz-Credential') ?? '');
  return scope?.[1];
}

const TARGET_SERVICES: [RegExp, string][] = [
  [/^AmazonEC2ContainerServiceV/i, 'ecs'],
  [/^AmazonEC2ContainerRegistry/i, 'ecr'],
  [/^Logs_/i, 'logs'],
  [/^CloudFormation/i, 'cloudformation'],
  [/^AmazonSSM/i, 'ssm'],
  [/^AWSSecurityTokenService/i, 'sts'],
];

function s3Operation(method: string, path: string, query: URLSearchParams, headers: IncomingHttpHeaders): string {
  const parts = path.split('/').filter(Boolean);
  const hasKey = parts.length > 1;
  const has = (name: string) => query.has(name);
  if (parts.length === 0) return method === 'GET' ? 'ListBuckets' : `${method} /`;
  if (!hasKey) {
    if (method === 'GET' && query.get('list-type') === '2') return 'ListObjectsV2';
    if (method === 'GET' && has('versions')) return 'ListObjectVersions';
    if (method === 'GET' && has('uploads')) return 'ListMultipartUploads';
    if (method === 'GET' && has('location')) return 'GetBucketLocation';
    if (method === 'GET') {
      const sub = [...query.keys()].find((k) => !['prefix', 'delimiter', 'marker', 'max-keys', 'encoding-type', 'x-id'].includes(k));
      return sub ? `GetBucket${sub[0].toUpperCase()}${sub.slice(1)}` : 'ListObjects';
    }
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'POST' && has('delete')) return 'DeleteObjects';
    if (method === 'PUT') return [...query.keys()].length ? `PutBucket${[...query.keys()][0]}` : 'CreateBucket';
    if (method === 'DELETE') return 'DeleteBucket';
  } else {
    if (method === 'GET' && has('uploadId')) return 'ListParts';
    if (method === 'GET' && has('tagging')) return 'GetObjectTagging';
    if (method === 'GET') return 'GetObject';
    if (method === 'HEAD') return 'HeadObject';
    if (method === 'PUT' && has('partNumber') && has('uploadId')) return headers['x-amz-copy-source'] ? 'UploadPartCopy' : 'UploadPart';
    if (method === 'PUT' && has('tagging')) return 'PutObjectTagging';
    if (method === 'PUT') return headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
    if (method === 'POST' && has('uploads')) return 'CreateMultipartUpload';
    if (method === 'POST' && has('uploadId')) return 'CompleteMultipartUpload';
    if (method === 'DELETE' && has('uploadId')) return 'AbortMultipartUpload';
    if (method === 'DELETE') return 'DeleteObject';
  }
  return `${method} ${path}`;
}

function cloudFrontOperation(method: string, path: string): string {
  // /2020-05-31/distribution/{Id}/invalidation[/{InvId}], /2020-05-31/distribution/{Id}[/config]
  const rest = path
    .replace(/^\/\d{4}-\d{2}-\d{2}\//, '')
    .split('/')
    .filter(Boolean);
  if (rest[0] === 'distribution') {
    if (rest.length === 1) return method === 'POST' ? 'CreateDistribution' : 'ListDistributions';
    if (rest[2] === 'invalidation') {
      if (rest.length === 3) return method === 'POST' ? 'CreateInvalidation' : 'ListInvalidations';
      return 'GetInvalidation';
    }
    if (rest[2] === 'config') return method === 'PUT' ? 'UpdateDistribution' : 'GetDistributionConfig';
    if (rest.length === 2) return method === 'DELETE' ? 'DeleteDistribution' : 'GetDistribution';
  }
  return `${method} ${path}`;
}

/** Works out protocol, service and operation of a request the way AWS routes it. */
export function classify(method: string, rawUrl: string, headers: IncomingHttpHeaders, body: Buffer): RequestInfo {
  const url = new URL(rawUrl, 'http://proxy.invalid');
  const path = decodeURIComponent(url.pathname);
  const query = url.searchParams;
  const base = { method, path, query, headers, body };
  const target = headers['x-amz-target'];
  const scoped = credentialScopeService(headers, query);
  if (typeof target === 'string' && target) {
    const prefix = target.slice(0, target.lastIndexOf('.'));
    const service = scoped ?? TARGET_SERVICES.find(([re]) => re.test(prefix))?.[1] ?? prefix.toLowerCase();
    const operation = target.slice(target.lastIndexOf('.') + 1);
    return { ...base, protocol: 'json', service, operation, mutating: MUTATING_OPERATION.test(operation) };
  }
  const contentType = String(headers['content-type'] ?? '');
  if (method === 'POST' && contentType.startsWith('application/x-www-form-urlencoded')) {
    const action = new URLSearchParams(body.toString('utf8')).get('Action');
    if (action) {
      return { ...base, protocol: 'query', service: scoped ?? 'query', operation: action, mutating: MUTATING_OPERATION.test(action) };
    }
  }
  if (scoped === 'cloudfront' || /^\/\d{4}-\d{2}-\d{2}\/(distribution|origin-access|cache-policy|function)/.test(path)) {
    const operation = cloudFrontOperation(method, path);
    return { ...base, protocol: 'rest-xml-cloudfront', service: 'cloudfront', operation, mutating: !['GET', 'HEAD'].includes(method) };
  }
  if (scoped === 's3' || (scoped === undefined && headers['x-amz-content-sha256'] !== undefined)) {
    const operation = s3Operation(method, path, query, headers);
    return { ...base, protocol: 'rest-xml-s3', service: 's3', operation, mutating: !['GET', 'HEAD'].includes(method) };
  }
  if (scoped) {
    return { ...base, protocol: 'http', service: scoped, operation: `${method} ${path}`, mutating: !['GET', 'HEAD'].includes(method) };
  }
  return {
    ...base,
    protocol: 'http',
    service: 'http',
    operation: `${method} ${path}`,
    mutating: !['GET', 'HEAD', 'OPTIONS'].includes(method),
  };
}

const FAULT_STATUS: Record<'slowdown' | 'internal' | 'throttle', number> = { slowdown: 503, internal: 500, throttle: 400 };

/** The error code each protocol's services really send for a fault. */
function errorCode(fault: 'slowdown' | 'internal' | 'throttle', protocol: Protocol): string {
  if (protocol === 'rest-xml-s3') return { slowdown: 'SlowDown', internal: 'InternalError', throttle: 'ThrottlingException' }[fault];
  if (protocol === 'json')
    return { slowdown: 'ServiceUnavailableException', internal: 'InternalFailure', throttle: 'ThrottlingException' }[fault];
  if (protocol === 'query' || protocol === 'rest-xml-cloudfront')
    return { slowdown: 'ServiceUnavailable', internal: 'InternalFailure', throttle: 'Throttling' }[fault];
  return { slowdown: 'Service Unavailable', internal: 'Internal Server Error', throttle: 'Too Many Requests' }[fault];
}

const MESSAGES = {
  slowdown: 'Please reduce your request rate.',
  internal: 'We encountered an internal error. Please try again.',
  throttle: 'Rate exceeded',
};

const QUERY_NAMESPACES: Record<string, string> = {
  cloudformation: 'http://cloudformation.amazonaws.com/doc/2010-05-15/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
};

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Status, headers and body of an injected error in the request's own protocol. */
export function errorResponse(
  fault: 'slowdown' | 'internal' | 'throttle',
  info: Pick<RequestInfo, 'protocol' | 'service' | 'method' | 'headers'>,
  requestId: string,
): { status: number; headers: Record<string, string>; body: string } {
  const status = fault === 'throttle' && info.protocol === 'http' ? 429 : FAULT_STATUS[fault];
  const code = errorCode(fault, info.protocol);
  const message = MESSAGES[fault];
  const type = fault === 'throttle' ? 'Sender' : 'Receiver';
  const common = { 'x-amzn-requestid': requestId, 'x-amz-request-id': requestId };
  switch (info.protocol) {
    case 'json': {
      const contentType = String(info.headers['content-type'] ?? 'application/x-amz-json-1.1');
      return {
        status,
        headers: {
          ...common,
          'content-type': contentType,
          'x-amzn-errortype': `${code}:http://internal.amazon.com/coral/com.amazon.coral.service/`,
        },
        body: JSON.stringify({ __type: code, message }),
      };
    }
    case 'query': {
      const ns = QUERY_NAMESPACES[info.service] ?? `https://${info.service}.amazonaws.com/doc/`;
      return {
        status,
        headers: { ...common, 'content-type': 'text/xml' },
        body: `<ErrorResponse xmlns="${ns}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    }
    case 'rest-xml-cloudfront':
      return {
        status,
        headers: { ...common, 'content-type': 'text/xml' },
        body: `<?xml version="1.0"?>\n<ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    case 'rest-xml-s3':
      return {
        status,
        headers: { ...common, 'content-type': 'application/xml', 'x-amz-id-2': `fault-proxy-${requestId}` },
        // HEAD answers carry no body: the SDK then names the error from the status code.
        body:
          info.method === 'HEAD'
            ? ''
            : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><RequestId>${requestId}</RequestId><HostId>fault-proxy</HostId></Error>`,
      };
    default:
      return {
        status,
        headers: { 'content-type': 'text/plain; charset=utf-8', ...(status === 429 || status === 503 ? { 'retry-after': '1' } : {}) },
        body: `${code}\n`,
      };
  }
}

function matches(matcher: Matcher | undefined, value: string): boolean {
  if (matcher === undefined) return true;
  if (typeof matcher === 'string') return matcher === value;
  if (matcher instanceof RegExp) return matcher.test(value);
  return matcher(value);
}

interface RuleState {
  rule: FaultRule;
  seen: number;
  applied: number;
}

interface Upstream {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  const random = seededRandom(options.seed ?? 1);
  let rules: RuleState[] = [];
  const setRules = (next: FaultRule[]) => {
    rules = next.map((rule) => ({ rule, seen: 0, applied: 0 }));
  };
  setRules(options.rules ?? []);
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let seq = 0;

  const pickFault = (info: RequestInfo): FaultRule | undefined => {
    for (const state of rules) {
      const { rule } = state;
      if (!matches(rule.operation, info.operation) || !matches(rule.service, info.service)) continue;
      if (!matches(rule.method, info.method) || !matches(rule.path, info.path)) continue;
      if (rule.mutating !== undefined && rule.mutating !== info.mutating) continue;
      if (rule.when && !rule.when(info)) continue;
      state.seen++;
      if (state.seen <= (rule.after ?? 0)) continue;
      if (rule.times !== undefined && state.applied >= rule.times) continue;
      // Always draw, so the schedule depends only on the seed and the request order.
      const draw = random();
      if (draw >= (rule.rate ?? 1)) continue;
      state.applied++;
      return rule;
    }
    return undefined;
  };

  const forward = (request: IncomingMessage, body: Buffer): Promise<Upstream> =>
    new Promise((resolve, reject) => {
      const headers = { ...request.headers };
      delete headers.connection;
      delete headers['keep-alive'];
      headers['content-length'] = String(body.length);
      delete headers['transfer-encoding'];
      const outgoing = httpRequest(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          method: request.method,
          path: request.url,
          headers,
          agent: false,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks) }));
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  const reset = (response: ServerResponse) => {
    const socket = response.socket;
    if (socket && typeof (socket as Socket & { resetAndDestroy?: () => void }).resetAndDestroy === 'function') {
      (socket as Socket & { resetAndDestroy: () => void }).resetAndDestroy();
    } else socket?.destroy();
  };

  const writeUpstream = (response: ServerResponse, result: Upstream, truncate = false) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(result.headers)) {
      if (value === undefined || ['connection', 'keep-alive', 'transfer-encoding', 'content-length'].includes(name)) continue;
      headers[name] = value;
    }
    headers['content-length'] = String(result.body.length);
    response.writeHead(result.status, headers);
    if (truncate) {
      // Headers promise the whole body; half of it arrives, then the connection closes.
      const half = result.body.subarray(0, Math.floor(result.body.length / 2));
      response.write(half, () => setTimeout(() => reset(response), 20).unref());
      return;
    }
    response.end(result.body);
  };

  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const method = request.method ?? 'GET';
    const info = classify(method, request.url ?? '/', request.headers, body);
    const url = new URL(request.url ?? '/', 'http://proxy.invalid');
    const record: RecordedRequest = {
      seq: ++seq,
      method,
      path: info.path,
      query: url.search,
      service: info.service,
      operation: info.operation,
      protocol: info.protocol,
      mutating: info.mutating,
      forwarded: false,
      body: body.length <= 65536 ? body.toString('utf8') : undefined,
      at: Date.now(),
    };
    requests.push(record);
    const rule = pickFault(info);
    record.fault = rule?.fault;
    const requestId = `fault-proxy-${record.seq}`;
    try {
      switch (rule?.fault) {
        case 'slowdown':
        case 'internal':
        case 'throttle': {
          const error = errorResponse(rule.fault, info, requestId);
          record.status = error.status;
          response.writeHead(error.status, { ...error.headers, 'content-length': String(Buffer.byteLength(error.body)) });
          response.end(error.body);
          return;
        }
        case 'reset-before':
          reset(response);
          return;
        default:
          break;
      }
      record.forwarded = true;
      const result = await forward(request, body);
      if (rule?.fault === 'reset-after') {
        reset(response);
        return;
      }
      if (rule?.fault === 'delay') {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, rule.delayMs ?? 10_000);
          timers.add(timer);
          response.once('close', () => {
            clearTimeout(timer);
            timers.delete(timer);
            resolve();
          });
        });
        if (response.destroyed || response.socket === null) return;
      }
      if (options.rewrite && result.status >= 200 && result.status < 300) result.body = options.rewrite(info, result.body) ?? result.body;
      record.status = result.status;
      writeUpstream(response, result, rule?.fault === 'truncate');
    } catch (error) {
      record.status = 502;
      if (!response.headersSent) {
        response.writeHead(502, { 'content-type': 'text/plain' });
        response.end(`fault proxy: upstream failed: ${(error as Error).message}`);
      } else reset(response);
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const { port } = await listenOnLoopback(server);

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    requests,
    setRules,
    count: (operation, countOptions = {}) => requests.filter((r) => r.operation === operation && (countOptions.all || r.forwarded)).length,
    mutations: () => requests.filter((r) => r.mutating && r.forwarded),
    faults: () => requests.filter((r) => r.fault !== undefined),
    clear: () => {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
