import { describe, expect, it } from 'vitest';
import { regionsTheSdkKnows } from '../../../scripts/aws-regions';
import { AWS_REGION_NAMES } from '../../../src/config/aws-regions.generated';

describe('the AWS regions the config accepts', () => {
  it('are the regions of the installed AWS SDK partition data (run `npx tsx scripts/aws-regions.ts` after an SDK upgrade)', async () => {
    // Act
    const known = await regionsTheSdkKnows();

    // Assess
    expect(AWS_REGION_NAMES).toEqual(known);
    expect(known).toContain('eu-north-1');
    expect(known).toContain('us-gov-west-1');
  });

  it('leave out the SDK’s global pseudo-regions, where nothing can run', () => {
    expect(AWS_REGION_NAMES.filter((name) => name.endsWith('-global'))).toEqual([]);
  });
});
