import { type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnPullThroughCacheRule, type IRepository, Repository } from 'aws-cdk-lib/aws-ecr';
import { CfnCluster, ContainerImage, FargateTaskDefinition, LogDrivers, Protocol } from 'aws-cdk-lib/aws-ecs';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { resourceNames } from '../../src/runtime/env-names';
import { burstTaskRoleName } from '../burst-arns';
import { type BurstImage, burstImage, ECR_PUBLIC_CACHE_PREFIX } from '../burst-image';
import type { BurstRegionTopology } from '../burst-topology';
import { acknowledge, acknowledgeWildcardResources } from '../guardrails';

/** Fargate on demand and Fargate Spot: what burst tasks may run on. */
export const BURST_CAPACITY_PROVIDERS = ['FARGATE', 'FARGATE_SPOT'] as const;

export interface BurstWorkloadsProps {
  /** Deployment environment; names the roles. */
  readonly environment: string;
  /** This region's clusters and workload placements. */
  readonly topology: BurstRegionTopology;
  /** How long task logs are kept. */
  readonly logRetention: RetentionDays;
  /** What happens to task logs when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * What burst tasks of one region run on and as: the ECS clusters, one Fargate task definition per
 * workload, and the two roles tasks use. The roles have fixed names because the control plane,
 * in another region, passes them at RunTask.
 */
export class BurstWorkloads extends Construct {
  readonly clusters: ReadonlyMap<string, CfnCluster>;
  readonly taskDefinitions: ReadonlyMap<string, FargateTaskDefinition>;
  readonly executionRole: Role;
  readonly taskRole: Role;

  constructor(scope: Construct, id: string, props: BurstWorkloadsProps) {
    super(scope, id);
    const { region } = props.topology;

    // The L1 cluster on purpose: the L2 creates a VPC, while burst tasks join the subnets the config names.
    // Spot tasks run through the FARGATE_SPOT capacity provider, which RunTask can only name when
    // it is associated with the cluster; the default strategy keeps anything started without one
    // (an operator's RunTask, the on-demand path) on plain Fargate.
    this.clusters = new Map(
      props.topology.clusterNames.map((name) => [
        name,
        new CfnCluster(this, `Cluster-${name}`, {
          clusterName: name,
          clusterSettings: [{ name: 'containerInsights', value: 'enabled' }],
          capacityProviders: [...BURST_CAPACITY_PROVIDERS],
          defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
        }),
      ]),
    );

    this.executionRole = new Role(this, 'TaskExecutionRole', {
      roleName: resourceNames(props.environment).taskExecutionRole(region),
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `Spillway ${props.environment}: lets ECS pull images and write logs for burst tasks in ${region}`,
    });
    this.taskRole = new Role(this, 'TaskRole', {
      roleName: burstTaskRoleName(props.environment, region),
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `Spillway ${props.environment}: identity of burst task containers in ${region}; no permissions by default`,
    });

    // An image in ECR: the execution role may pull exactly its repository (ECS's own grant).
    const repositories = new Map<string, IRepository>();
    const ecrImage = (workloadName: string, source: BurstImage) => {
      const { account, region: from, repository, tagOrDigest } = source.ecr as NonNullable<BurstImage['ecr']>;
      const arn = `arn:${Stack.of(this).partition}:ecr:${from}:${account}:repository/${repository}`;
      let repo = repositories.get(arn);
      if (!repo && repositories.size === 0)
        acknowledge(
          this.executionRole,
          'AwsSolutions-IAM5[Resource::*]',
          'ecr:GetAuthorizationToken has no resource to scope: it issues the registry login; what may be pulled is scoped to the repository',
        );
      if (!repo) {
        repo = Repository.fromRepositoryAttributes(this, `Repository-${workloadName}`, {
          repositoryArn: arn,
          repositoryName: repository,
        });
        repositories.set(arn, repo);
      }
      return ContainerImage.fromEcrRepository(repo, tagOrDigest);
    };
    // ECR Public through this region's registry: the first pull of an image creates its cached
    // repository, which the execution role may do under the cache's prefix only.
    let cacheRule: CfnPullThroughCacheRule | undefined;
    const pullThroughCache = () => {
      if (cacheRule) return;
      cacheRule = new CfnPullThroughCacheRule(this, 'EcrPublicCache', {
        ecrRepositoryPrefix: ECR_PUBLIC_CACHE_PREFIX,
        upstreamRegistryUrl: 'public.ecr.aws',
      });
      const cached = `arn:${Stack.of(this).partition}:ecr:${region}:${Stack.of(this).account}:repository/${ECR_PUBLIC_CACHE_PREFIX}/*`;
      this.executionRole.addToPolicy(
        new PolicyStatement({
          actions: ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
          resources: [cached],
        }),
      );
      acknowledgeWildcardResources(
        this.executionRole,
        [cached],
        "The pull-through cache creates one repository per upstream image on its first pull: the cache's prefix is the narrowest scope",
      );
    };

    this.taskDefinitions = new Map(
      props.topology.placements.map(({ workload, burstRegion }) => {
        const spec = burstRegion.taskDefinition;
        const logGroup = new LogGroup(this, `TaskLogs-${workload.name}`, {
          retention: props.logRetention,
          removalPolicy: props.removalPolicy,
        });
        const taskDefinition = new FargateTaskDefinition(this, `TaskDefinition-${workload.name}`, {
          family: spec.family,
          cpu: spec.cpu,
          memoryLimitMiB: spec.memoryMiB,
          executionRole: this.executionRole,
          taskRole: this.taskRole,
        });
        const source = burstImage(spec, region, Stack.of(this).account);
        if (source.pullThroughCache) pullThroughCache();
        taskDefinition.addContainer('app', {
          containerName: 'app',
          image: source.ecr ? ecrImage(workload.name, source) : ContainerImage.fromRegistry(source.image),
          essential: true,
          portMappings: [{ containerPort: spec.containerPort, protocol: Protocol.TCP }],
          logging: LogDrivers.awsLogs({ streamPrefix: workload.name, logGroup }),
        });
        return [workload.name, taskDefinition] as const;
      }),
    );
  }
}
