import { AWS_REGION_NAMES } from './aws-regions.generated';
import { editDistance } from './edit-distance';

const KNOWN = new Set(AWS_REGION_NAMES);
const MOST_SUGGESTED = 3;

/**
 * The AWS regions fewest edits away from `name` (at most three), so `us-west-3` is answered with
 * `us-west-1, us-west-2` rather than the whole list. Case and surrounding blanks are ignored when
 * measuring: `US-West-2 ` is a slip of the keyboard, not a different region.
 */
function nearestAwsRegions(name: string): string[] {
  const typed = name.trim().toLowerCase();
  const ranked = AWS_REGION_NAMES.map((region) => ({ region, distance: editDistance(typed, region) }));
  const closest = Math.min(...ranked.map((entry) => entry.distance));
  return ranked
    .filter((entry) => entry.distance === closest)
    .map((entry) => entry.region)
    .slice(0, MOST_SUGGESTED);
}

/** Why `name` is not a region to run in, naming the nearest ones; undefined when it is one. */
export function notAnAwsRegion(name: string): string | undefined {
  if (KNOWN.has(name)) return undefined;
  return `${JSON.stringify(name)} is not an AWS region; nearest: ${nearestAwsRegions(name).join(', ')}`;
}
