import { CloudFrontClient, CreateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import type { Moto } from '../harness/moto.js';

/** A distribution in moto (CreateInvalidation/GetInvalidation need one to exist); `originPath` as in the S3 origin. */
export async function createDistribution(moto: Moto, originPath?: string): Promise<string> {
  const cloudfront = new CloudFrontClient(moto.clientConfig);
  const response = await cloudfront.send(
    new CreateDistributionCommand({
      DistributionConfig: {
        CallerReference: `test-${Date.now()}-${Math.random()}`,
        Comment: 'cloudfront-invalidate test',
        Enabled: true,
        Origins: {
          Quantity: 1,
          Items: [
            { Id: 'site', DomainName: 'site.s3.amazonaws.com', OriginPath: originPath, S3OriginConfig: { OriginAccessIdentity: '' } },
          ],
        },
        DefaultCacheBehavior: {
          TargetOriginId: 'site',
          ViewerProtocolPolicy: 'redirect-to-https',
          CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
        },
      },
    }),
  );
  cloudfront.destroy();
  return response.Distribution!.Id!;
}

/**
 * A stack whose outputs hold the distribution id, as the product's infrastructure stack does. moto
 * needs a Resources section: a WaitConditionHandle is the no-op resource it accepts.
 */
export async function createStack(
  moto: Moto,
  stackName: string,
  distributionId: string,
  output: { key?: string; exportName?: string } = {},
): Promise<void> {
  const cloudformation = new CloudFormationClient(moto.clientConfig);
  const template = {
    Parameters: { DistId: { Type: 'String' }, Bucket: { Type: 'String' } },
    Resources: { Dummy: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
    Outputs: {
      BucketName: { Value: { Ref: 'Bucket' } },
      [output.key ?? 'DistributionId']: { Value: { Ref: 'DistId' }, Export: { Name: output.exportName ?? `${stackName}-distribution-id` } },
    },
  };
  await cloudformation.send(
    new CreateStackCommand({
      StackName: stackName,
      TemplateBody: JSON.stringify(template),
      Parameters: [
        { ParameterKey: 'DistId', ParameterValue: distributionId },
        { ParameterKey: 'Bucket', ParameterValue: 'production-allthrive-frontend' },
      ],
    }),
  );
  cloudformation.destroy();
}
