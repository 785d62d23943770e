import { createServer, type IncomingMessage, type Server } from 'node:http';
import { listenOnLoopback } from './ports.js';

/**
 * A scripted AWS JSON-1.1 endpoint on loopback (ECS, ECR, CloudWatch Logs, ... speak this protocol):
 * requests are dispatched on `X-Amz-Target` (`AmazonEC2ContainerServiceV20141113.DescribeServices`
 * → handler `DescribeServices`). For behaviour no emulator produces (rollouts that fail, exec
 * sessions), used by bundle tests and benchmarks through AWS_ENDPOINT_URL. Every request is recorded.
 */
export type FakeHandler = (body: Record<string, unknown>, request: IncomingMessage) => unknown | Promise<unknown>;

export class FakeAwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface FakeAwsEndpoint {
  endpoint: string;
  requests: { operation: string; body: Record<string, unknown>; at: number }[];
  /** Requests per operation name. */
  count(operation: string): number;
  close(): Promise<void>;
}

export async function startFakeAws(handlers: Record<string, FakeHandler>): Promise<FakeAwsEndpoint> {
  const requests: FakeAwsEndpoint['requests'] = [];
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.slice(target.lastIndexOf('.') + 1);
    let body: Record<string, unknown> = {};
    try {
      body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    } catch {
      // leave empty; the handler decides
    }
    requests.push({ operation, body, at: Date.now() });
    const send = (status: number, payload: unknown) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `fake-${requests.length}` });
      response.end(JSON.stringify(payload));
    };
    const handler = handlers[operation];
    if (!handler) return send(400, { __type: 'UnknownOperationException', message: `fake endpoint has no handler for ${operation}` });
    try {
      send(200, (await handler(body, request)) ?? {});
    } catch (error) {
      if (error instanceof FakeAwsError) send(error.status, { __type: error.code, message: error.message });
      else send(500, { __type: 'InternalFailure', message: String(error) });
    }
  });
  const { port } = await listenOnLoopback(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    count: (operation) => requests.filter((r) => r.operation === operation).length,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
