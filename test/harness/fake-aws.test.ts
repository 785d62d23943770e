import { describe, expect, it } from '@jest/globals';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { FakeAwsError, startFakeAws } from './fake-aws.js';

describe('scripted JSON-1.1 fake endpoint', () => {
  it('answers SDK calls from handlers, maps FakeAwsError to service exceptions and records requests', async () => {
    const fake = await startFakeAws({
      DescribeServices: (body) => ({ services: (body.services as string[]).map((serviceName) => ({ serviceName, status: 'ACTIVE' })) }),
      UpdateService: () => {
        throw new FakeAwsError('AccessDeniedException', 'not allowed to ecs:UpdateService');
      },
    });
    try {
      const ecs = new ECSClient({
        endpoint: fake.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
        maxAttempts: 1,
      });
      const described = await ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web', 'celery'] }));
      expect(described.services?.map((s) => s.serviceName)).toEqual(['web', 'celery']);
      await expect(ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web' }))).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: 'not allowed to ecs:UpdateService',
      });
      expect(fake.count('DescribeServices')).toBe(1);
      expect(fake.requests.map((r) => r.operation)).toEqual(['DescribeServices', 'UpdateService']);
    } finally {
      await fake.close();
    }
  });
});
