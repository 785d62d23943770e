/**
 * Container image references (`[registry/]path[:tag][@sha256:digest]`). Hand-written because we
 * only need to split off tag and digest and recognise ECR hosts; a full OCI reference grammar
 * library would add weight for no user-visible gain.
 */
export interface ImageRef {
  /** Everything before the tag/digest: `123.dkr.ecr.eu-west-1.amazonaws.com/allthrive`. */
  repository: string;
  tag?: string;
  digest?: string;
}

export interface EcrRepository {
  registryId: string;
  region: string;
  repositoryName: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const REPOSITORY = /^[a-z0-9]([a-z0-9._:/-]*[a-z0-9])?$/i;

/** Returns undefined when `image` is not a plausible image reference. */
export function parseImage(image: string): ImageRef | undefined {
  if (!image || /\s/.test(image)) return undefined;
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  if (!REPOSITORY.test(rest)) return undefined;
  return { repository: rest, tag, digest };
}

export function formatImage(ref: ImageRef): string {
  return `${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** Docker Hub spellings (`nginx`, `library/nginx`, `docker.io/library/nginx`) compare equal. */
export function normalizeRepository(repository: string): string {
  let repo = repository.toLowerCase();
  for (const prefix of ['index.docker.io/', 'registry-1.docker.io/', 'docker.io/']) {
    if (repo.startsWith(prefix)) repo = repo.slice(prefix.length);
  }
  const first = repo.split('/')[0];
  const hasRegistry = repo.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry && !repo.includes('/')) repo = `library/${repo}`;
  return repo;
}

export function sameRepository(a: string, b: string): boolean {
  const left = parseImage(a);
  const right = parseImage(b);
  if (!left || !right) return false;
  return normalizeRepository(left.repository) === normalizeRepository(right.repository);
}

const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/(.+)$/;

/** The ECR registry, region and repository of an ECR image URI; undefined for other registries. */
export function ecrRepository(ref: ImageRef): EcrRepository | undefined {
  const match = ECR_HOST.exec(ref.repository);
  if (!match) return undefined;
  return { registryId: match[1], region: match[2], repositoryName: match[3] };
}
