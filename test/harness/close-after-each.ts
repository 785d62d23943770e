import { afterEach } from '@jest/globals';

/**
 * For tests that start a server of their own (a fake endpoint, a proxy): returns `closing`, which
 * hands its argument back and closes it after the running test, passed or failed, so no test
 * leaves a listener behind for the next one.
 */
export function closeAfterEach(): <T extends { close(): Promise<unknown> }>(server: T) => T {
  const open: { close(): Promise<unknown> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((server) => server.close()));
  });
  return (server) => {
    open.push(server);
    return server;
  };
}
