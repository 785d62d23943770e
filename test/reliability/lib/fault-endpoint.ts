import { afterEach } from '@jest/globals';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../../harness/fault-proxy.js';

export interface FaultEndpoint {
  /**
   * The endpoint for one run: with rules, a fresh fault proxy in front of the upstream (the
   * previous one closed, so each faulted run has its own request log and seeded draws); without,
   * the upstream itself, and the last proxy's log stays readable for the test's assertions.
   */
  endpoint(rules?: FaultRule[], seed?: number): Promise<string>;
  /** The proxy of this test's last faulted run; throws when the test has not made one. */
  readonly proxy: FaultProxy;
  /** The same, or undefined before the first faulted run (for cancellation `ready` checks). */
  readonly started: FaultProxy | undefined;
}

/**
 * A suite's fault proxy, closed after every test so suites stay independent. `upstream` is read
 * at each start, so it may name an endpoint a beforeAll has not started yet when this is called.
 */
export function useFaultProxy(upstream: () => string): FaultEndpoint {
  let current: FaultProxy | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return {
    async endpoint(rules, seed = 1) {
      if (!rules) return upstream();
      await current?.close();
      current = await startFaultProxy({ upstream: upstream(), seed, rules });
      return current.endpoint;
    },
    get proxy() {
      if (!current) throw new Error('this test has made no faulted run: there is no fault proxy to read');
      return current;
    },
    get started() {
      return current;
    },
  };
}
