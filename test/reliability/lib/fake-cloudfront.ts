import { distributionConfigXml } from '../../harness/cloudfront-config.js';
import { createServer, type Server } from 'node:http';
import { listenOnLoopback } from '../../harness/ports.js';

/**
 * A scripted CloudFront REST-XML endpoint for what moto cannot show: invalidations that stay
 * `InProgress` (moto answers `COMPLETED` at once). CreateInvalidation honours CallerReference
 * the way CloudFront does (same reference and paths → the same invalidation back).
 */
export interface FakeCloudFront {
  endpoint: string;
  /** Invalidations created, in order. */
  invalidations: { id: string; callerReference: string; paths: string[]; status: string; createdAt: string }[];
  /** Operation names received, in order. */
  calls: string[];
  /** Describes (GetInvalidation) an invalidation needs before it is Completed; Infinity = never. */
  completeAfter: number;
  close(): Promise<void>;
}

const NS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';

function invalidationXml(inv: FakeCloudFront['invalidations'][number]): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Invalidation xmlns="${NS}"><Id>${inv.id}</Id><Status>${inv.status}</Status>` +
    `<CreateTime>${inv.createdAt}</CreateTime><InvalidationBatch><Paths><Quantity>${inv.paths.length}</Quantity><Items>` +
    inv.paths.map((p) => `<Path>${p}</Path>`).join('') +
    `</Items></Paths><CallerReference>${inv.callerReference}</CallerReference></InvalidationBatch></Invalidation>`
  );
}

export async function startFakeCloudFront(options: { completeAfter?: number; distributionId?: string } = {}): Promise<FakeCloudFront> {
  const distributionId = options.distributionId ?? 'EFAKEDIST1234';
  const describes = new Map<string, number>();
  const fake: Omit<FakeCloudFront, 'endpoint' | 'close'> = {
    invalidations: [],
    calls: [],
    completeAfter: options.completeAfter ?? Infinity,
  };
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const send = (status: number, xml: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'text/xml', 'x-amz-request-id': `fake-${fake.calls.length}`, ...headers });
      response.end(xml);
    };
    const error = (status: number, code: string, message: string) =>
      send(
        status,
        `<?xml version="1.0"?>\n<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fake</RequestId></ErrorResponse>`,
      );
    const m = /^\/2020-05-31\/distribution\/([^/]+)(?:\/(invalidation|config)(?:\/([^/]+))?)?$/.exec(path);
    if (!m) return error(404, 'NotFound', `fake CloudFront has no route for ${request.method} ${path}`);
    const [, id, sub, invalidationId] = m;
    if (id !== distributionId) {
      fake.calls.push('NoSuchDistribution');
      return error(404, 'NoSuchDistribution', 'The specified distribution does not exist.');
    }
    if (sub === 'invalidation' && request.method === 'POST') {
      fake.calls.push('CreateInvalidation');
      const callerReference = /<CallerReference>([^<]*)<\/CallerReference>/.exec(body)?.[1] ?? '';
      const paths = [...body.matchAll(/<Path>([^<]*)<\/Path>/g)].map((x) => x[1]);
      let inv = fake.invalidations.find((i) => i.callerReference === callerReference);
      if (inv && inv.paths.join('\n') !== paths.join('\n'))
        return error(409, 'InvalidationBatchAlreadyExists', 'CallerReference reused with different paths');
      if (!inv) {
        inv = {
          id: `I${String(fake.invalidations.length + 1).padStart(12, '0')}`,
          callerReference,
          paths,
          status: 'InProgress',
          createdAt: new Date().toISOString(), // CloudFront's CreateTime: when the invalidation was created
        };
        fake.invalidations.push(inv);
      }
      return send(201, invalidationXml(inv), {
        location: `https://cloudfront.amazonaws.com/2020-05-31/distribution/${id}/invalidation/${inv.id}`,
      });
    }
    if (sub === 'invalidation' && invalidationId) {
      fake.calls.push('GetInvalidation');
      const inv = fake.invalidations.find((i) => i.id === invalidationId);
      if (!inv) return error(404, 'NoSuchInvalidation', 'The specified invalidation does not exist.');
      const seen = (describes.get(inv.id) ?? 0) + 1;
      describes.set(inv.id, seen);
      if (seen >= fake.completeAfter) inv.status = 'Completed';
      return send(200, invalidationXml(inv));
    }
    if (sub === 'config' && request.method === 'GET') {
      fake.calls.push('GetDistributionConfig');
      return send(200, distributionConfigXml(), { etag: 'E1' });
    }
    if (!sub && request.method === 'GET') {
      fake.calls.push('GetDistribution');
      return send(
        200,
        `<?xml version="1.0"?>\n<Distribution xmlns="${NS}"><Id>${id}</Id><ARN>arn:aws:cloudfront::123456789012:distribution/${id}</ARN><Status>Deployed</Status><LastModifiedTime>2026-11-27T08:00:00.000Z</LastModifiedTime><InProgressInvalidationBatches>0</InProgressInvalidationBatches><DomainName>d111111abcdef8.cloudfront.net</DomainName></Distribution>`,
        { etag: 'E1' },
      );
    }
    return error(400, 'InvalidArgument', `fake CloudFront does not implement ${request.method} ${path}`);
  });
  const { port } = await listenOnLoopback(server);
  return Object.assign(fake, {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as FakeCloudFront;
}
