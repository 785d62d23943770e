import { BatchGetImageCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { ActionError, type Logger } from '@allthrive/toolkit';
import { awsFailure } from './aws-errors.js';
import { ecrRepository, formatImage, parseImage } from './image-ref.js';

/** Manifest types we accept, so ECR returns the tag's own manifest (multi-arch indexes included). */
const MEDIA_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v1+json',
];

export interface PinnedImage {
  /** What goes into the task definitions. */
  image: string;
  /** Set when the tag was resolved through ECR. */
  digest?: string;
}

/**
 * Resolves an ECR tag to its digest and returns `repo@sha256:...`, so web, celery and celery-beat
 * run byte-identical images (ECS resolves tags per service deployment, at slightly different
 * times). A tag that does not exist fails here, before any service is touched. Images that are
 * already pinned, or not in ECR, are returned as given.
 */
export async function pinDigest(image: string, ecr: ECRClient | undefined, logger: Logger, signal?: AbortSignal): Promise<PinnedImage> {
  const ref = parseImage(image);
  if (!ref) throw new ActionError(`The image '${image}' is not a valid image reference.`);
  if (ref.digest) return { image, digest: ref.digest };
  const repo = ecrRepository(ref);
  if (!repo) {
    logger.info(`Image ${image} is not in ECR, so its tag is not pinned to a digest; ECS resolves it for each service itself.`);
    return { image };
  }
  if (!ecr) throw new ActionError('pin-digest needs an ECR client, but none was given (a bug in the caller).');
  const tag = ref.tag ?? 'latest';
  let response;
  try {
    response = await ecr.send(
      new BatchGetImageCommand({
        registryId: repo.registryId,
        repositoryName: repo.repositoryName,
        imageIds: [{ imageTag: tag }],
        acceptedMediaTypes: MEDIA_TYPES,
      }),
      { abortSignal: signal },
    );
  } catch (error) {
    throw awsFailure(
      error,
      'ECR',
      'BatchGetImage',
      `Resolving ${image} to a digest failed, so no service was touched. Set pin-digest: false to deploy the tag as it is.`,
    );
  }
  const digest = response.images?.find((i) => i.imageId?.imageDigest)?.imageId?.imageDigest;
  if (!digest) {
    const failure = response.failures?.[0];
    const why = failure ? `${failure.failureCode}: ${failure.failureReason ?? 'no reason given'}` : 'ECR returned no image';
    throw new ActionError(
      `The image tag '${tag}' does not exist in ECR repository ${repo.repositoryName} (registry ${repo.registryId}, ${repo.region}): ${why}. ` +
        'No service was touched. Check that the image was pushed before this step and that the tag is spelled right.',
      'image not found',
    );
  }
  const pinned = formatImage({ repository: ref.repository, digest });
  logger.info(`Pinned ${image} to ${pinned}.`);
  return { image: pinned, digest };
}
