import { awsErrorCode } from './errors.js';

/**
 * Credential failures, recognised wherever they happen so that every action says the same thing.
 *
 * Why a watcher and not a check in each engine: engines wrap AWS errors into their own sentences
 * (`S3 HeadBucket on s3://site failed ... Check the endpoint`, an InputError titled `bucket`), and
 * the original error is gone by the time the step fails. createAwsClient adds a middleware that
 * notes the first credential failure any client sees (the error still propagates unchanged, so
 * engines behave as before); runAction then reports that note, titled `AWS credentials`, instead of
 * the engine's sentence.
 */
export type CredentialProblem = 'missing' | 'expired' | 'invalid' | 'role';

export interface CredentialFailure {
  problem: CredentialProblem;
  code: string;
  message: string;
  /** `S3 HeadBucket`: the first request that needed the credentials. */
  request: string;
}

// Error codes from the AWS common errors pages (for example
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/CommonErrors.html,
// https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html) and from STS
// AssumeRoleWithWebIdentity (node_modules/@aws-sdk/client-sts models: InvalidIdentityTokenException,
// IDPRejectedClaimException, IDPCommunicationErrorException).
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired']);
const INVALID = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'AuthFailure',
  'InvalidToken',
]);
const ROLE = new Set([
  'InvalidIdentityToken',
  'InvalidIdentityTokenException',
  'IDPRejectedClaim',
  'IDPRejectedClaimException',
  'IDPCommunicationError',
  'IDPCommunicationErrorException',
]);

export function credentialProblem(error: unknown): CredentialProblem | undefined {
  const code = awsErrorCode(error) ?? '';
  const message = String((error as { message?: unknown } | undefined)?.message ?? '');
  // @smithy/property-provider CredentialsProviderError: the default chain found nothing.
  if (code === 'CredentialsProviderError' || /Could not load credentials from any providers/i.test(message)) return 'missing';
  if (ROLE.has(code) || (/AccessDenied/.test(code) && /sts:AssumeRole/.test(message))) return 'role';
  if (EXPIRED.has(code)) return 'expired';
  if (INVALID.has(code)) return 'invalid';
  return undefined;
}

let first: CredentialFailure | undefined;

/** Notes a credential failure (the first one wins: it is the cause, later ones are echoes). */
export function noteCredentialFailure(error: unknown, request: string): void {
  const problem = credentialProblem(error);
  if (!problem || first) return;
  first = {
    problem,
    code: awsErrorCode(error) ?? 'Error',
    message: String((error as { message?: unknown } | undefined)?.message ?? error).trim(),
    request,
  };
}

export function credentialFailure(): CredentialFailure | undefined {
  return first;
}

export function resetCredentialFailure(): void {
  first = undefined;
}

const PROVIDE =
  'aws-actions/configure-aws-credentials before this step, with `role-to-assume` and `aws-region`, and `permissions: id-token: write` on the job so it can get GitHub’s OIDC token';

/** The one sentence every action prints for a credential failure. */
export function describeCredentialFailure(failure: CredentialFailure): string {
  const cause = `${failure.code}: ${failure.message.replace(/\.$/, '')}, on ${failure.request}`;
  switch (failure.problem) {
    case 'missing':
      return `No AWS credentials were found for this step (${cause}): add ${PROVIDE} (or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment).`;
    case 'expired':
      return `The AWS credentials of this step have expired (${cause}): run aws-actions/configure-aws-credentials again right before this step, or give it a longer \`role-duration-seconds\` (at most the role's maximum session duration).`;
    case 'invalid':
      return `AWS rejected the credentials of this step (${cause}): the access key is unknown or the secret or session token does not match. Check what the job gives aws-actions/configure-aws-credentials, or use a role through OIDC: ${PROVIDE}.`;
    case 'role':
      return `The role could not be assumed with GitHub’s OIDC token (${cause}): the role’s trust policy must allow token.actions.githubusercontent.com with this repository’s \`sub\` claim (repo:<owner>/<repo>:environment:<name> when the job has an environment, else repo:<owner>/<repo>:ref:refs/heads/<branch>), and the job needs \`permissions: id-token: write\`.`;
  }
}
