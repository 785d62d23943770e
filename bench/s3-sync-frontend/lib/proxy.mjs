// A proxy between every tool and the S3 server: it counts requests by S3 operation (and the bytes
// of request bodies) and can hold every request for a fixed delay before forwarding it, which
// models the round trip from a runner to S3 (the time to send a body is not modelled). With `tls`
// ({ key, cert }) it speaks HTTPS to the tools, as S3 does, and plain HTTP to the server.
import http from 'node:http';
import https from 'node:https';
import { freePort } from './backends.mjs';

/** The S3 operation of a path-style request. */
export function operation(req) {
  const url = new URL(req.url, 'http://x');
  const q = url.searchParams;
  const objectPath = url.pathname.split('/').filter(Boolean).length > 1;
  switch (req.method) {
    case 'GET':
      if (q.has('list-type')) return 'ListObjectsV2';
      if (q.has('uploadId')) return 'ListParts';
      if (q.has('location')) return 'GetBucketLocation';
      return objectPath ? 'GetObject' : 'ListObjects';
    case 'HEAD':
      return objectPath ? 'HeadObject' : 'HeadBucket';
    case 'PUT':
      if (req.headers['x-amz-copy-source']) return q.has('partNumber') ? 'UploadPartCopy' : 'CopyObject';
      if (q.has('partNumber')) return 'UploadPart';
      return objectPath ? 'PutObject' : 'CreateBucket';
    case 'POST':
      if (q.has('delete')) return 'DeleteObjects';
      if (q.has('uploads')) return 'CreateMultipartUpload';
      if (q.has('uploadId')) return 'CompleteMultipartUpload';
      return 'POST';
    case 'DELETE':
      return q.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    default:
      return req.method;
  }
}

export async function startProxy(target, { onRequest, tls } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const counts = new Map();
  let bytesIn = 0;
  let delayMs = 0;
  const server = (tls ? https : http).createServer(tls ?? {}, (req, res) => {
    const op = operation(req);
    onRequest?.(req);
    counts.set(op, (counts.get(op) ?? 0) + 1);
    req.on('data', (chunk) => (bytesIn += chunk.length));
    const forward = () => {
      const upstream = http.request(
        { host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(upstream);
    };
    if (delayMs > 0) {
      req.pause();
      setTimeout(forward, delayMs);
    } else forward();
  });
  server.keepAliveTimeout = 30_000;
  server.requestTimeout = 0;
  const port = await freePort();
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    endpoint: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    setDelay(ms) {
      delayMs = ms;
    },
    reset() {
      counts.clear();
      bytesIn = 0;
    },
    snapshot() {
      const byOp = Object.fromEntries([...counts].sort());
      return { total: [...counts.values()].reduce((a, b) => a + b, 0), byOp, bytesIn };
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections?.();
        server.close(r);
        agent.destroy();
      }),
  };
}
