import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  type Filter,
  ModifyVpcAttributeCommand,
  type ResourceType,
} from '@aws-sdk/client-ec2';

/** The subnet and security group burst tasks get in one region of the emulator. */
export interface BurstNetwork {
  readonly vpcId: string;
  readonly subnetId: string;
  readonly securityGroupId: string;
}

/**
 * moto draws resource ids from one random generator that `POST /moto-api/seed` resets. Seeding it
 * with the same number per region just before the same calls makes a fresh emulator hand out the
 * same ids again, so the effective config the functions loaded at start stays right after the
 * emulator restarts. FNV-1a keeps the number stable across runs and Node versions.
 */
export function networkSeed(region: string): number {
  let hash = 0x811c9dc5;
  for (const char of region) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash & 0x7fffffff;
}

async function seedEmulator(endpoint: string, seed: number): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/seed?a=${seed}`, { method: 'POST' });
    return response.ok;
  } catch {
    return false;
  }
}

async function exists(ec2: EC2Client, network: BurstNetwork): Promise<boolean> {
  try {
    const subnets = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [network.subnetId] }));
    const groups = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [network.securityGroupId] }));
    return (subnets.Subnets?.length ?? 0) > 0 && (groups.SecurityGroups?.length ?? 0) > 0;
  } catch {
    return false;
  }
}

const NAME = 'spillway-burst';
const VPC_CIDR = '10.80.0.0/16';
const SUBNET_CIDR = '10.80.1.0/24';
const named = (type: ResourceType) => [{ ResourceType: type, Tags: [{ Key: 'Name', Value: NAME }] }];

async function createSubnet(ec2: EC2Client, vpcId: string): Promise<string> {
  const subnet = await ec2.send(
    new CreateSubnetCommand({
      VpcId: vpcId,
      CidrBlock: SUBNET_CIDR,
      TagSpecifications: named('subnet'),
    }),
  );
  return subnet.Subnet?.SubnetId as string;
}

async function createSecurityGroup(ec2: EC2Client, vpcId: string): Promise<string> {
  const group = await ec2.send(
    new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: NAME, Description: 'Spillway burst tasks' }),
  );
  return group.GroupId as string;
}

async function create(ec2: EC2Client): Promise<BurstNetwork> {
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: VPC_CIDR, TagSpecifications: named('vpc') }));
  const vpcId = vpc.Vpc?.VpcId as string;
  // As in a real burst VPC: tasks get private DNS names (moto also needs it to attach ENIs).
  await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
  return {
    vpcId,
    subnetId: await createSubnet(ec2, vpcId),
    securityGroupId: await createSecurityGroup(ec2, vpcId),
  };
}

/**
 * The network an earlier start left in this emulator (a runtime resumed after a crash, or a second
 * runtime against a shared emulator): creating it again would fail on the subnet's CIDR. Completes
 * it when a start stopped half-way through creating it.
 */
async function findExisting(ec2: EC2Client): Promise<BurstNetwork | undefined> {
  const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: [NAME] }] }));
  const vpcId = vpcs.Vpcs?.[0]?.VpcId;
  if (!vpcId) return undefined;
  const inVpc = (more: Filter): Filter[] => [{ Name: 'vpc-id', Values: [vpcId] }, more];
  const subnets = await ec2.send(
    new DescribeSubnetsCommand({ Filters: inVpc({ Name: 'cidr-block', Values: [SUBNET_CIDR] }) }),
  );
  const groups = await ec2.send(
    new DescribeSecurityGroupsCommand({ Filters: inVpc({ Name: 'group-name', Values: [NAME] }) }),
  );
  return {
    vpcId,
    subnetId: subnets.Subnets?.[0]?.SubnetId ?? (await createSubnet(ec2, vpcId)),
    securityGroupId: groups.SecurityGroups?.[0]?.GroupId ?? (await createSecurityGroup(ec2, vpcId)),
  };
}

async function remove(ec2: EC2Client, network: BurstNetwork): Promise<void> {
  await ec2.send(new DeleteSecurityGroupCommand({ GroupId: network.securityGroupId }));
  await ec2.send(new DeleteSubnetCommand({ SubnetId: network.subnetId }));
  await ec2.send(new DeleteVpcCommand({ VpcId: network.vpcId }));
}

const same = (a: BurstNetwork, b: BurstNetwork) =>
  a.subnetId === b.subnetId && a.securityGroupId === b.securityGroupId;

/**
 * A VPC, subnet and security group for burst tasks in one region, with the same ids as `expected`
 * when the emulator is moto and nothing else called it meanwhile (the caller keeps it quiet).
 * Reuses `expected` when it still exists, else the network an earlier start left. Returns other
 * ids only when the emulator cannot be seeded (not moto), a stranger's calls kept interleaving, or
 * the emulator holds a network made before `expected`; the caller compares and says so.
 */
export async function ensureBurstNetwork(
  ec2: EC2Client,
  endpoint: string,
  region: string,
  expected?: BurstNetwork,
): Promise<BurstNetwork> {
  if (expected && (await exists(ec2, expected))) return expected;
  // Also the region's first EC2 call, on which moto builds the default VPC, drawing ids: it must
  // come before seeding, on the first start as after a restart.
  const existing = await findExisting(ec2);
  if (existing) return existing;
  for (let attempt = 1; ; attempt++) {
    const seeded = await seedEmulator(endpoint, networkSeed(region));
    const created = await create(ec2);
    if (!expected || !seeded || same(created, expected) || attempt === 3) return created;
    await remove(ec2, created);
  }
}
