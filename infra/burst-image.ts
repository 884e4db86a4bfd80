/**
 * Where a burst task's image comes from, per burst region: the reference the task definition uses,
 * the ECR repository its execution role must be able to pull from, and whether the region needs
 * the ECR Public pull-through cache rule.
 */

/** The repository prefix of the pull-through cache of ECR Public in every burst region. */
export const ECR_PUBLIC_CACHE_PREFIX = 'ecr-public';

const privateEcr =
  /^(?<account>\d{12})\.dkr\.ecr\.(?<region>[a-z0-9-]+)\.(?<suffix>amazonaws\.com(?:\.cn)?)\/(?<repository>[a-z0-9][a-z0-9._/-]*?)(?<reference>[:@].+)?$/;
const ecrPublic = /^public\.ecr\.aws\/(?<path>[a-z0-9][a-z0-9._/-]*?)(?<reference>[:@].+)?$/;

export interface BurstImage {
  /** What the task definition names. */
  readonly image: string;
  /** The ECR repository pulled from, when the image is in ECR: the execution role's pull grant. */
  readonly ecr?: {
    readonly account: string;
    readonly region: string;
    readonly repository: string;
    /** The tag or digest, without its `:` or `@`; `latest` when the reference names none. */
    readonly tagOrDigest: string;
  };
  /** True when the image comes through this region's ECR Public pull-through cache. */
  readonly pullThroughCache: boolean;
}

export class BurstImageError extends Error {
  override readonly name = 'BurstImageError';
}

/**
 * The image of a task definition in `region`, as its `imageSource` asks. `deployAccount` is the
 * account the burst stacks deploy to: a pull-through cache lives there.
 */
export function burstImage(
  spec: { readonly image: string; readonly imageSource?: 'as-written' | 'burst-region' | undefined },
  region: string,
  deployAccount: string,
): BurstImage {
  const ecr = privateEcr.exec(spec.image)?.groups;
  const reference = (raw: string | undefined) => (raw ? raw.slice(1) : 'latest');
  if (ecr) {
    const { account = '', suffix = '', repository = '' } = ecr;
    const from = spec.imageSource === 'burst-region' ? region : (ecr.region ?? region);
    return {
      image: `${account}.dkr.ecr.${from}.${suffix}/${repository}${ecr.reference ?? ''}`,
      ecr: { account, region: from, repository, tagOrDigest: reference(ecr.reference) },
      pullThroughCache: false,
    };
  }
  if (spec.imageSource !== 'burst-region') return { image: spec.image, pullThroughCache: false };
  const pub = ecrPublic.exec(spec.image)?.groups;
  if (!pub)
    throw new BurstImageError(
      `imageSource burst-region needs an ECR or ECR Public image, not '${spec.image}': set imageSource as-written, or push the image to ECR`,
    );
  const repository = `${ECR_PUBLIC_CACHE_PREFIX}/${pub.path}`;
  return {
    image: `${deployAccount}.dkr.ecr.${region}.amazonaws.com/${repository}${pub.reference ?? ''}`,
    ecr: { account: deployAccount, region, repository, tagOrDigest: reference(pub.reference) },
    pullThroughCache: true,
  };
}
