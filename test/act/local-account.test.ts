/**
 * The account file of `npm run local`: every mistake is named with the key that holds it before
 * anything starts, and what it describes is what moto holds afterwards.
 */
import { DescribeStacksCommand, CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetDistributionConfigCommand, CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';
import { accountProblems, MOTO_ECS_SERVICE_RUNNING, seedAccount } from '../../scripts/local/account.mjs';
import { useMoto } from '../harness/moto.js';

describe('account file', () => {
  const moto = useMoto({ serverEnv: { MOTO_ECS_SERVICE_RUNNING: String(MOTO_ECS_SERVICE_RUNNING) } });

  it('names each problem with its key', () => {
    expect(
      accountProblems({
        bucket: {},
        buckets: { site: { files: { 'a.txt': 1 } } },
        distributions: { cdn: { bucket: 'nope' } },
        stacks: { s: { outputs: { DistributionId: '${distribution:other}' } } },
        repositories: { web: { images: 'latest' } },
        clusters: { c: { services: { web: { desiredCount: -1, image: 'web:missing' } } } },
      }),
    ).toEqual([
      "the account: unknown key 'bucket' (expected buckets, distributions, stacks, repositories, clusters)",
      "buckets.site.files['a.txt'] must be a string",
      "distributions.cdn.bucket 'nope' is not one of the buckets (site)",
      "stacks.s.outputs.DistributionId names distribution 'other', which is not in distributions",
      'repositories.web.images must be a list of tags',
      'clusters.c.services.web.desiredCount must be a whole number ≥ 0',
      "clusters.c.services.web.image 'web:missing' must be <repository>:<tag> of an image under repositories",
    ]);
    expect(accountProblems([])).toEqual(['the account must be an object']);
    expect(accountProblems({})).toEqual([]);
  });

  it('seeds what it describes: files, a distribution with its origin path named by a stack output, services with their counts', async () => {
    const seeded = await seedAccount({
      endpoint: moto.endpoint,
      account: {
        buckets: { site: { files: { 'index.html': 'old' } } },
        distributions: { cdn: { bucket: 'site', originPath: '/app' } },
        stacks: { 'site-stack': { outputs: { DistributionId: '${distribution:cdn}', Plain: 'value' } } },
        repositories: { web: { images: ['v1'] } },
        clusters: { 'prod-cluster': { services: { web: { desiredCount: 3, image: 'web:v1' } } } },
      },
    });
    const s3 = new S3Client(moto.clientConfig);
    const object = await s3.send(new GetObjectCommand({ Bucket: 'site', Key: 'index.html' }));
    expect(await object.Body!.transformToString()).toBe('old');
    const stack = await new CloudFormationClient(moto.clientConfig).send(new DescribeStacksCommand({ StackName: 'site-stack' }));
    expect(Object.fromEntries((stack.Stacks?.[0].Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]))).toEqual({
      DistributionId: seeded.distributions.cdn,
      Plain: 'value',
    });
    const config = await new CloudFrontClient(moto.clientConfig).send(new GetDistributionConfigCommand({ Id: seeded.distributions.cdn }));
    expect(config.DistributionConfig?.Origins?.Items?.[0]).toMatchObject({ DomainName: 'site.s3.amazonaws.com', OriginPath: '/app' });
    const services = await new ECSClient(moto.clientConfig).send(
      new DescribeServicesCommand({ cluster: 'prod-cluster', services: ['web'] }),
    );
    expect(services.services?.[0]).toMatchObject({ desiredCount: 3, taskDefinition: seeded.taskDefinitions['prod-cluster/web'] });
    expect(seeded.taskDefinitions['prod-cluster/web']).toMatch(/task-definition\/prod-web:1$/);
    expect(seeded.images['web:v1']).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
