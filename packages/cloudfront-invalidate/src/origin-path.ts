import { GetDistributionConfigCommand, type CloudFrontClient, type DistributionConfig, type Origin } from '@aws-sdk/client-cloudfront';
import { ActionError, CancelledError, awsErrorCode, describeAwsError, isAccessDenied } from '@allthrive/toolkit';

/** The `origin-path` input: read it from the distribution, ignore it, or this value (`/app`). */
export type OriginPathSetting = 'auto' | 'none' | `/${string}`;

/** What the origin path is and where it came from, for the log. */
export interface OriginPathChoice {
  /** '' when nothing is stripped. */
  originPath: string;
  /** One sentence for the log. */
  reason: string;
  originId?: string;
}

/** S3 REST or website endpoints (`b.s3.amazonaws.com`, `b.s3.eu-west-1.amazonaws.com`, `b.s3-website-us-east-1.amazonaws.com`). */
const S3_DOMAIN = /\.s3([.-][a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/i;

function isS3(origin: Origin): boolean {
  return Boolean(origin.S3OriginConfig) || S3_DOMAIN.test(origin.DomainName ?? '');
}

/**
 * The S3 origin viewers reach through the default cache behavior: its target origin when that is
 * an S3 origin (for an origin group, its first member: the primary), otherwise the only S3
 * origin. Undefined when there is none, or several and the default behavior uses none of them.
 */
export function defaultS3Origin(config: DistributionConfig): { origin?: Origin; why: string } {
  const origins = config.Origins?.Items ?? [];
  let target = config.DefaultCacheBehavior?.TargetOriginId;
  const group = config.OriginGroups?.Items?.find((g) => g.Id === target);
  if (group) target = group.Members?.Items?.[0]?.OriginId;
  const targeted = origins.find((o) => o.Id === target);
  if (targeted && isS3(targeted)) return { origin: targeted, why: 'the default cache behavior uses' };
  const s3 = origins.filter(isS3);
  if (s3.length === 1) return { origin: s3[0], why: 'the only S3 origin is' };
  return { why: s3.length ? `${s3.length} S3 origins and the default cache behavior uses none of them` : 'no S3 origin' };
}

/**
 * Decides which origin path to strip. CloudFront prepends an origin's OriginPath to the object
 * key it requests, so an invalidation path is the viewer's path, without it (API_Origin,
 * "OriginPath"; peers' bug reports s3_website#207, aws-cdk#4223). `auto` reads the
 * distribution's configuration (cloudfront:GetDistributionConfig).
 */
export async function chooseOriginPath(
  setting: OriginPathSetting,
  distributionId: string,
  deps: { cloudfront: Pick<CloudFrontClient, 'send'>; signal?: AbortSignal; idInput?: string },
): Promise<OriginPathChoice> {
  if (setting === 'none') return { originPath: '', reason: "origin-path is 'none': paths are sent as given." };
  if (setting !== 'auto') return { originPath: setting, reason: `origin-path is '${setting}'` };
  let config: DistributionConfig | undefined;
  try {
    const response = await deps.cloudfront.send(new GetDistributionConfigCommand({ Id: distributionId }), { abortSignal: deps.signal });
    config = response?.DistributionConfig;
  } catch (error) {
    if (deps.signal?.aborted) throw new CancelledError('the run was cancelled while reading the distribution; nothing was invalidated');
    const base = describeAwsError(error, { service: 'CloudFront', operation: 'GetDistributionConfig' });
    if (isAccessDenied(error) || awsErrorCode(error) === 'AccessDenied') {
      throw new ActionError(
        `${base} origin-path is 'auto', which reads the distribution's origins to remove their OriginPath from the paths: grant cloudfront:GetDistributionConfig, or set 'origin-path' to the S3 origin's path (such as /app) or to 'none'. Nothing was invalidated.`,
        'origin-path',
      );
    }
    if (awsErrorCode(error) === 'NoSuchDistribution') {
      throw new ActionError(
        `${base} Check '${deps.idInput ?? 'distribution-id'}': no distribution ${distributionId} is visible to these credentials. Nothing was invalidated.`,
      );
    }
    throw new ActionError(`${base} Nothing was invalidated.`);
  }
  const { origin, why } = defaultS3Origin(config ?? ({} as DistributionConfig));
  if (!origin) return { originPath: '', reason: `Distribution ${distributionId} has ${why}: paths are sent as given.` };
  const originPath = (origin.OriginPath ?? '').replace(/\/+$/, '');
  return {
    originPath,
    originId: origin.Id,
    reason: `Distribution ${distributionId}: ${why} S3 origin '${origin.Id}' with ${originPath ? `OriginPath '${originPath}'` : 'no OriginPath'}`,
  };
}

/**
 * Removes `originPath` (`/app`) from the front of every path under it: `/app/x` → `/x`, `/app`
 * and `/app/` → `/`. Other paths (`/*`, `/application.js`) are left alone.
 */
export function stripOriginPath(paths: readonly string[], originPath: string): { paths: string[]; stripped: number; example?: string } {
  if (!originPath) return { paths: [...paths], stripped: 0 };
  let stripped = 0;
  let example: string | undefined;
  let fallbackExample: string | undefined;
  const result = paths.map((p) => {
    if (p !== originPath && !p.startsWith(`${originPath}/`)) return p;
    const viewer = p.slice(originPath.length) || '/';
    stripped++;
    const line = `${p} -> ${viewer}`;
    if (!p.endsWith('/')) example ??= line;
    fallbackExample ??= line;
    return viewer;
  });
  return { paths: result, stripped, example: example ?? fallbackExample };
}
