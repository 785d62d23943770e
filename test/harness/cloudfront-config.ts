/**
 * The body of a GetDistributionConfig answer (GET /2020-05-31/distribution/<id>/config), for the
 * scripted CloudFront endpoints: one S3 origin that the default cache behavior uses, with
 * `originPath` (none by default), as the DistributionConfig shape in the CloudFront API reference
 * (API_GetDistributionConfig, API_Origin) and @aws-sdk/client-cloudfront's model describe it.
 */
export function distributionConfigXml(originPath = ''): string {
  const ns = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<DistributionConfig xmlns="${ns}"><CallerReference>fake</CallerReference>` +
    `<Origins><Quantity>1</Quantity><Items><Origin><Id>site</Id><DomainName>site.s3.us-east-1.amazonaws.com</DomainName>` +
    `<OriginPath>${originPath}</OriginPath><S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity></S3OriginConfig></Origin></Items></Origins>` +
    `<DefaultCacheBehavior><TargetOriginId>site</TargetOriginId><ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy></DefaultCacheBehavior>` +
    `<Comment></Comment><Enabled>true</Enabled></DistributionConfig>`
  );
}
