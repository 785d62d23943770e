import { describe, expect, it } from '@jest/globals';
import {
  credentialFailure,
  credentialProblem,
  describeCredentialFailure,
  noteCredentialFailure,
  resetCredentialFailure,
} from '@allthrive/toolkit';

// Shaped as the SDK throws them: the default provider chain when it finds nothing
// (node_modules/@aws-sdk/credential-provider-node/dist-cjs/index.js throws @smithy/core's
// CredentialsProviderError "Could not load credentials from any providers"), and STS
// AssumeRoleWithWebIdentity, the OIDC path of the web-identity provider
// (node_modules/@aws-sdk/nested-clients/dist-types/submodules/sts/models/errors.d.ts).
const meta = { $metadata: { httpStatusCode: 400 } };
const sdkError = (name: string, message: string, metadata = true) => Object.assign(new Error(message), { name }, metadata ? meta : {});

describe('credentialProblem', () => {
  it.each([
    ['CredentialsProviderError', sdkError('CredentialsProviderError', 'Could not load credentials from any providers', false), 'missing'],
    ['InvalidIdentityTokenException', sdkError('InvalidIdentityTokenException', 'Incorrect token audience'), 'role'],
    ['IDPRejectedClaimException', sdkError('IDPRejectedClaimException', 'Not authorized'), 'role'],
    ['AccessDenied', sdkError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'), 'role'],
    ['ExpiredTokenException', sdkError('ExpiredTokenException', 'Token expired'), 'expired'],
    ['InvalidAccessKeyId', sdkError('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'), 'invalid'],
    ['AccessDenied', sdkError('AccessDenied', 'Access Denied'), undefined],
    ['NoSuchBucket', sdkError('NoSuchBucket', 'Not found'), undefined],
  ])('%s (case %#)', (_name, error, problem) => {
    expect(credentialProblem(error)).toBe(problem);
  });

  it('tells how to trust GitHub’s OIDC token when a role cannot be assumed', () => {
    // The way an action gets there: a client notes the failure, the runner describes what was noted.
    resetCredentialFailure();
    noteCredentialFailure(sdkError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'), 'S3 HeadBucket');
    const sentence = describeCredentialFailure(credentialFailure()!);
    resetCredentialFailure();
    expect(sentence).toContain('AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity, on S3 HeadBucket');
    expect(sentence).toContain('repo:<owner>/<repo>:environment:<name>');
    expect(sentence).toContain('permissions: id-token: write');
  });
});
