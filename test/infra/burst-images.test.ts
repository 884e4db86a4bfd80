import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BurstImageError, burstImage } from '../../infra/burst-image';
import type { SpillwayStacks } from '../../infra/spillway-app';
import {
  buildTestApp,
  burstStackIn,
  removeTemporaryDirectories,
  resourcesOf,
  TEST_ACCOUNT,
  writeConfigVariant,
} from './synth-spillway';

afterAll(removeTemporaryDirectories);

const ECR = '444455556666.dkr.ecr.eu-central-1.amazonaws.com/shop/checkout-api:1.4.2';

describe('burstImage', () => {
  it.each([
    [{ image: ECR }, 'eu-west-1', ECR, 'eu-central-1'],
    [
      { image: ECR, imageSource: 'burst-region' as const },
      'eu-west-1',
      '444455556666.dkr.ecr.eu-west-1.amazonaws.com/shop/checkout-api:1.4.2',
      'eu-west-1',
    ],
    [
      { image: 'public.ecr.aws/nginx/nginx:stable', imageSource: 'burst-region' as const },
      'eu-north-1',
      `${TEST_ACCOUNT}.dkr.ecr.eu-north-1.amazonaws.com/ecr-public/nginx/nginx:stable`,
      'eu-north-1',
    ],
  ])('%j in %s pulls %s', (spec, region, image, pulledFrom) => {
    const source = burstImage(spec, region, TEST_ACCOUNT);
    expect(source.image).toBe(image);
    expect(source.ecr?.region).toBe(pulledFrom);
  });

  it('leaves any other image as written, and refuses to fetch it from the burst region', () => {
    expect(burstImage({ image: 'nginx:stable' }, 'eu-west-1', TEST_ACCOUNT)).toEqual({
      image: 'nginx:stable',
      pullThroughCache: false,
    });
    expect(() =>
      burstImage({ image: 'nginx:stable', imageSource: 'burst-region' }, 'eu-west-1', TEST_ACCOUNT),
    ).toThrow(BurstImageError);
  });
});

describe('burst task images in the burst stacks', () => {
  let stacks: SpillwayStacks;

  beforeAll(() => {
    // Prepare: checkout-api from a private ECR repository replicated to the burst regions
    const configDirectory = writeConfigVariant('dev', (document) => {
      const [workload] = document.workloads;
      for (const burstRegion of workload?.burstRegions ?? [])
        burstRegion.taskDefinition = {
          ...(burstRegion.taskDefinition as object),
          image: ECR,
          imageSource: 'burst-region',
        };
    });
    stacks = buildTestApp({ environment: 'dev', configDirectory });
  });

  it("lets each region's task execution role pull exactly that region's copy of the repository", () => {
    for (const region of ['eu-west-1', 'eu-north-1']) {
      const template = Template.fromStack(burstStackIn(stacks, region));
      const repository = `arn:aws:ecr:${region}:444455556666:repository/shop/checkout-api`;
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: Match.arrayWith(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']),
              Resource: repository,
            }),
          ]),
        },
      });
      expect(JSON.stringify(template.toJSON())).toContain(
        `${region}:444455556666:repository/shop/checkout-api`,
      );
      expect(JSON.stringify(template.toJSON()), repository).not.toContain('eu-central-1:444455556666');
    }
  });

  it('creates the ECR Public pull-through cache only where an image needs it', () => {
    const configDirectory = writeConfigVariant('dev', (document) => {
      const [workload] = document.workloads;
      const euWest1 = workload?.burstRegions.find((b) => b.region === 'eu-west-1');
      if (!euWest1) throw new Error('dev config changed: no eu-west-1 burst region');
      euWest1.taskDefinition = { ...(euWest1.taskDefinition as object), imageSource: 'burst-region' };
    });
    const withCache = buildTestApp({ environment: 'dev', configDirectory });
    const euWest1 = Template.fromStack(burstStackIn(withCache, 'eu-west-1'));
    const euNorth1 = Template.fromStack(burstStackIn(withCache, 'eu-north-1'));
    euWest1.hasResourceProperties('AWS::ECR::PullThroughCacheRule', {
      EcrRepositoryPrefix: 'ecr-public',
      UpstreamRegistryUrl: 'public.ecr.aws',
    });
    expect(Object.keys(resourcesOf(euNorth1, 'AWS::ECR::PullThroughCacheRule'))).toEqual([]);
  });
});
