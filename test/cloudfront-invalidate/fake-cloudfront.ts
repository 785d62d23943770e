import { createServer, type Server } from 'node:http';
import { distributionConfigXml } from '../harness/cloudfront-config.js';
import { listenOnLoopback } from '../harness/ports.js';

/**
 * A scripted CloudFront REST-XML endpoint on loopback for what moto cannot produce: invalidations
 * that stay InProgress, and TooManyInvalidationsInProgress. (test/harness/fake-aws.ts speaks
 * JSON 1.1 only; CloudFront speaks REST-XML.) Point a bundle at it with AWS_ENDPOINT_URL.
 */
export interface FakeCloudFront {
  endpoint: string;
  requests: { method: string; path: string; body: string }[];
  creates(): number;
  gets(): number;
  close(): Promise<void>;
}

const NS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';

export async function startFakeCloudFront(script: {
  /** Errors to answer CreateInvalidation with before succeeding (HTTP 400 TooManyInvalidationsInProgress etc.). */
  createErrors?: { code: string; status: number; message: string }[];
  /** Status returned by create and every get. */
  status?: string;
  /** Never answer GetInvalidation (a held connection). */
  holdGets?: boolean;
  /** OriginPath of the distribution's S3 origin (GetDistributionConfig). */
  originPath?: string;
}): Promise<FakeCloudFront> {
  const requests: FakeCloudFront['requests'] = [];
  const errors = [...(script.createErrors ?? [])];
  const status = script.status ?? 'InProgress';
  let created = 0;
  // API_InvalidationBatch: a second request with the same CallerReference and the same batch
  // returns the first invalidation instead of creating one. Kept per reference: id, paths, time.
  const byReference = new Map<string, { id: string; paths: string; createdAt: string }>();
  const invalidationXml = (id: string, reference: string, body = '', createdAt = new Date().toISOString()) =>
    `<?xml version="1.0" encoding="UTF-8"?><Invalidation xmlns="${NS}"><Id>${id}</Id><Status>${status}</Status>` +
    `<CreateTime>${createdAt}</CreateTime><InvalidationBatch>${body || `<Paths><Quantity>0</Quantity></Paths>`}` +
    `<CallerReference>${reference}</CallerReference></InvalidationBatch></Invalidation>`;
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = (request.url ?? '').split('?')[0];
    requests.push({ method: request.method ?? '', path, body });
    const xml = (code: number, text: string, headers: Record<string, string> = {}) => {
      response.writeHead(code, { 'content-type': 'text/xml', 'x-amz-request-id': `fake-${requests.length}`, ...headers });
      response.end(text);
    };
    const create = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation$/.exec(path);
    const get = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation\/([^/]+)$/.exec(path);
    if (/^\/2020-05-31\/distribution\/[^/]+\/config$/.test(path) && request.method === 'GET') {
      return xml(200, distributionConfigXml(script.originPath), { etag: 'E1' });
    }
    if (create && request.method === 'POST') {
      const error = errors.shift();
      if (error) {
        return xml(
          error.status,
          `<?xml version="1.0"?><ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${error.code}</Code><Message>${error.message}</Message></Error><RequestId>fake</RequestId></ErrorResponse>`,
        );
      }
      const reference = /<CallerReference>(.*?)<\/CallerReference>/.exec(body)?.[1] ?? '';
      const paths = /<Paths>.*<\/Paths>/s.exec(body)?.[0] ?? '';
      const earlier = byReference.get(reference);
      if (earlier && earlier.paths === paths) {
        return xml(201, invalidationXml(earlier.id, reference, paths, earlier.createdAt), {
          location: `https://cloudfront.amazonaws.com${path}/${earlier.id}`,
        });
      }
      created++;
      const id = `IFAKE${created}`;
      const createdAt = new Date().toISOString();
      byReference.set(reference, { id, paths, createdAt });
      return xml(201, invalidationXml(id, reference, paths, createdAt), { location: `https://cloudfront.amazonaws.com${path}/${id}` });
    }
    if (get && request.method === 'GET') {
      if (script.holdGets) return; // left open until close()
      return xml(200, invalidationXml(get[2], 'ref'));
    }
    xml(
      404,
      `<?xml version="1.0"?><ErrorResponse xmlns="${NS}"><Error><Code>NotFound</Code><Message>no route ${path}</Message></Error></ErrorResponse>`,
    );
  });
  const { port } = await listenOnLoopback(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    creates: () => requests.filter((r) => r.method === 'POST').length,
    gets: () => requests.filter((r) => r.method === 'GET' && r.path.includes('/invalidation/')).length,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
