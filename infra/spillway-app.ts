import { join } from 'node:path';
import { type App, Tags } from 'aws-cdk-lib';
import { ConfigError, loadConfigFile } from '../src/config/load';
import type { SpillwayConfig } from '../src/config/schema';
import { burstTopology } from './burst-topology';
import { type DeployEnvironment, resolveDeployEnvironment } from './deploy-environment';
import { addGuardrails } from './guardrails';
import { configDirectory } from './repository-paths';
import { BurstRegionStack } from './stacks/burst-region-stack';
import { ControlPlaneStack } from './stacks/control-plane-stack';

export interface SpillwayAppOptions {
  /**
   * Directory holding `<environment>.yaml`.
   * @default the repository's `config/`
   */
  readonly configDirectory?: string;
  /**
   * AWS account of every stack.
   * @default CDK_DEFAULT_ACCOUNT, or environment-agnostic stacks when that is unset
   */
  readonly account?: string;
  /**
   * The time of the synth: maintenance windows over by then get no schedules. Tests fix it, so that
   * what they synthesise does not change with the calendar.
   * @default now
   */
  readonly now?: Date;
}

/** The stacks of one environment, for whoever composes or tests them. */
export interface SpillwayStacks {
  readonly environment: DeployEnvironment;
  readonly config: SpillwayConfig;
  readonly control: ControlPlaneStack;
  /** Burst stacks by region, in the order the config first names each region. */
  readonly burst: ReadonlyMap<string, BurstRegionStack>;
}

/**
 * Adds one environment of Spillway to `app`, the environment being the app's `env` context
 * (`-c env=prod`): a control-plane stack in the config's control region, a burst stack in every
 * burst region, and cdk-nag's AwsSolutions checks over all of them.
 *
 * @throws DeployEnvironmentError when `env` is missing or unknown
 * @throws ConfigError when `config/<env>.yaml` is unreadable or invalid, naming the field
 * @throws TopologyError when the config is valid but cannot be deployed as written
 */
export function buildSpillwayApp(app: App, options: SpillwayAppOptions = {}): SpillwayStacks {
  const environment = resolveDeployEnvironment(app.node.tryGetContext('env'));
  const configPath = join(options.configDirectory ?? configDirectory, `${environment}.yaml`);
  const config = loadConfigFile(configPath);
  if (config.environment !== environment) {
    throw new ConfigError(
      `Spillway config ${configPath} declares environment ${config.environment}, but -c env=${environment} was given`,
      configPath,
    );
  }
  const topology = burstTopology(config);
  const account = options.account ?? process.env.CDK_DEFAULT_ACCOUNT;
  const terminationProtection = environment === 'prod';

  const burst = new Map(
    topology.map((regionTopology) => [
      regionTopology.region,
      new BurstRegionStack(app, `Spillway-${environment}-burst-${regionTopology.region}`, {
        env: { account, region: regionTopology.region },
        description: `Spillway ${environment}: burst clusters, task definitions and drain workflow in ${regionTopology.region}`,
        terminationProtection,
        config,
        topology: regionTopology,
      }),
    ]),
  );
  const control = new ControlPlaneStack(app, `Spillway-${environment}-control`, {
    env: { account, region: config.controlRegion },
    description: `Spillway ${environment}: control plane (state, signals, webhook API, decide and reconcile)`,
    terminationProtection,
    config,
    topology,
    ...(options.now ? { now: options.now } : {}),
  });
  for (const stack of burst.values()) {
    // No references cross regions, but decide must not start tasks before their definitions exist.
    control.addStackDependency(
      stack,
      'the control plane starts tasks and drains defined in the burst regions',
    );
  }

  Tags.of(app).add('spillway:environment', environment);
  addGuardrails(app);
  return { environment, config, control, burst };
}
