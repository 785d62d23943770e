import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import { freePort } from './ports.js';

/** The moto version .ci/run installs; the harness only reports it in errors. */
export const MOTO_VERSION = '5.2.5';

export const TEST_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: 'us-east-1',
} as const;

export interface Moto {
  endpoint: string;
  port: number;
  /** Environment for a process (an action bundle, the AWS CLI) that should talk to this moto. */
  env: Record<string, string>;
  /** SDK v3 client configuration for test code that seeds or inspects moto. */
  clientConfig: {
    endpoint: string;
    region: string;
    forcePathStyle: boolean;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `moto_server` on a free loopback port and waits until it answers. Each test file gets
 * its own server, so files run in parallel without sharing state.
 */
export async function startMoto(options: { serverEnv?: Record<string, string>; timeoutMs?: number } = {}): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const command = process.env.MOTO_SERVER ?? 'moto_server';
  let output = '';
  let exited: string | undefined;
  const child: ChildProcess = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, ...options.serverEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (output = (output + d).slice(-4000)));
  child.stderr?.on('data', (d) => (output = (output + d).slice(-4000)));
  child.on('error', (error) => (exited = error.message));
  child.on('exit', (code, signal) => (exited ??= `exited with ${code ?? signal}`));

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (true) {
    if (exited) break;
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      exited = 'did not answer on /moto-api/ in time';
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (exited) {
    child.kill('SIGKILL');
    throw new Error(
      `moto could not start (${command} ${exited}). Install it with: pip install 'moto[server]==${MOTO_VERSION}' ` +
        `(.ci/run does this), or point MOTO_SERVER at the moto_server binary.\n${output}`,
    );
  }

  const credentials = { accessKeyId: TEST_CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: TEST_CREDENTIALS.AWS_SECRET_ACCESS_KEY };
  return {
    endpoint,
    port,
    env: { ...TEST_CREDENTIALS, AWS_ENDPOINT_URL: endpoint },
    clientConfig: { endpoint, region: TEST_CREDENTIALS.AWS_REGION, forcePathStyle: true, credentials },
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    },
  };
}

/**
 * Jest lifecycle wiring: one moto for the file (started before all tests, stopped after),
 * reset before each test. Read the fields only inside tests or hooks.
 */
export function useMoto(options: { serverEnv?: Record<string, string>; resetEachTest?: boolean } = {}): Moto {
  let moto: Moto | undefined;
  const get = (): Moto => {
    if (!moto) throw new Error('moto is not started yet: use it inside a test or hook');
    return moto;
  };
  beforeAll(async () => {
    moto = await startMoto(options);
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
  });
  if (options.resetEachTest !== false) {
    beforeEach(async () => {
      await get().reset();
    });
  }
  return {
    get endpoint() {
      return get().endpoint;
    },
    get port() {
      return get().port;
    },
    get env() {
      return get().env;
    },
    get clientConfig() {
      return get().clientConfig;
    },
    reset: () => get().reset(),
    stop: () => get().stop(),
  };
}

/** moto's default VPC subnet and security group (EC2 query API, as no EC2 SDK client is installed; moto routes by the credential scope). */
export async function defaultNetwork(moto: Moto): Promise<{ subnet: string; securityGroup: string }> {
  const call = async (action: string) => {
    const response = await fetch(moto.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: `Action=${action}&Version=2016-11-15`,
    });
    return response.text();
  };
  const subnet = /<subnetId>([^<]+)<\/subnetId>/.exec(await call('DescribeSubnets'))?.[1];
  const securityGroup = /<groupId>([^<]+)<\/groupId>/.exec(await call('DescribeSecurityGroups'))?.[1];
  if (!subnet || !securityGroup) throw new Error('moto has no default subnet or security group');
  return { subnet, securityGroup };
}
