import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { buildSpillwayApp, type SpillwayStacks } from '../../infra/spillway-app';
import type { BurstRegionStack } from '../../infra/stacks/burst-region-stack';
import { loadConfigFile } from '../../src/config/load';
import type { SpillwayConfig } from '../../src/config/schema';

/** The account the tests deploy to, so ARNs read as they would in a real template. */
export const TEST_ACCOUNT = '111122223333';

/**
 * The moment the tests synthesise at, before every maintenance window in config/: what they
 * assert must not change with the calendar (staging's window ends on 2027-03-14).
 */
export const TEST_NOW = new Date('2026-11-25T12:00:00Z');

export interface SynthOptions {
  readonly environment: unknown;
  /**
   * Run esbuild for the functions. Off, CDK skips bundling: only the function tests need bundles.
   * @default false
   */
  readonly bundle?: boolean;
  /** @default TEST_ACCOUNT; `null` for environment-agnostic stacks, as `cdk synth` without credentials. */
  readonly account?: string | null;
  /** @default the repository's config/ */
  readonly configDirectory?: string;
  /** @default TEST_NOW */
  readonly now?: Date;
}

const temporaryDirectories: string[] = [];

/** A fresh temporary directory, removed by `removeTemporaryDirectories`. */
export function temporaryDirectory(purpose: string): string {
  const directory = mkdtempSync(join(tmpdir(), `spillway-${purpose}-`));
  temporaryDirectories.push(directory);
  return directory;
}

/** Removes the cloud assemblies and config variants the tests of this file wrote; for `afterAll`. */
export function removeTemporaryDirectories(): void {
  for (const directory of temporaryDirectories.splice(0)) rmSync(directory, { recursive: true, force: true });
}

/** The feature flags `cdk synth` runs with: tests must see the templates the CLI produces. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/** A fresh app with Spillway's stacks for one environment, not yet synthesised. */
export function buildTestApp(options: SynthOptions): SpillwayStacks & { readonly app: App } {
  const app = new App({
    outdir: temporaryDirectory('cdk-test'),
    context: {
      ...cdkJsonContext(),
      env: options.environment,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
  const account = options.account === null ? undefined : (options.account ?? TEST_ACCOUNT);
  const stacks = buildSpillwayApp(app, {
    ...(options.configDirectory ? { configDirectory: options.configDirectory } : {}),
    ...(account ? { account } : {}),
    now: options.now ?? TEST_NOW,
  });
  return { ...stacks, app };
}

/** The parts of a config document that variants edit; the rest passes through untouched. */
export interface ConfigDocument {
  workloads: (Record<string, unknown> & { burstRegions: Record<string, unknown>[] })[];
  [key: string]: unknown;
}

/**
 * Writes a variant of `config/<environment>.yaml` to a fresh directory, for `configDirectory`.
 * `change` edits the parsed YAML document in place.
 */
export function writeConfigVariant(environment: string, change: (document: ConfigDocument) => void): string {
  const document = parseYaml(
    readFileSync(new URL(`../../config/${environment}.yaml`, import.meta.url), 'utf8'),
  ) as ConfigDocument;
  change(document);
  const directory = temporaryDirectory('config-test');
  writeFileSync(join(directory, `${environment}.yaml`), stringifyYaml(document));
  return directory;
}

/** The repository's config of an environment, as the app loads it. */
export function repositoryConfig(environment: string): SpillwayConfig {
  return loadConfigFile(fileURLToPath(new URL(`../../config/${environment}.yaml`, import.meta.url)));
}

/** The burst stack of a region; fails the test when there is none. */
export function burstStackIn(stacks: SpillwayStacks, region: string): BurstRegionStack {
  const stack = stacks.burst.get(region);
  if (!stack)
    throw new Error(`no burst stack for ${region}; there are: ${[...stacks.burst.keys()].join(', ')}`);
  return stack;
}

/** Every resource of a type in a template, by logical id. */
export function resourcesOf(
  template: Template,
  type: string,
): Record<string, { Properties: Record<string, unknown> }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, unknown> }>;
}

export interface PolicyStatementJson {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every statement a role can use: its inline policies and the managed policies attached to it. */
export function statementsOfRole(template: Template, roleLogicalId: string): PolicyStatementJson[] {
  const roleRef = { Ref: roleLogicalId };
  const mentionsRole = (roles: unknown) =>
    asArray(roles ?? []).some((role) => JSON.stringify(role) === JSON.stringify(roleRef));
  const documents: { Statement: PolicyStatementJson[] }[] = [];
  for (const policy of Object.values(resourcesOf(template, 'AWS::IAM::Policy'))) {
    if (mentionsRole(policy.Properties.Roles)) documents.push(policy.Properties.PolicyDocument as never);
  }
  const role = resourcesOf(template, 'AWS::IAM::Role')[roleLogicalId];
  const attached = asArray((role?.Properties.ManagedPolicyArns as unknown[]) ?? []).map((arn) =>
    JSON.stringify(arn),
  );
  for (const [id, policy] of Object.entries(resourcesOf(template, 'AWS::IAM::ManagedPolicy'))) {
    if (attached.includes(JSON.stringify({ Ref: id })) || mentionsRole(policy.Properties.Roles)) {
      documents.push(policy.Properties.PolicyDocument as never);
    }
  }
  return documents.flatMap((document) => document.Statement);
}

/** The actions of a set of statements, flattened. */
export const actionsOf = (statements: readonly PolicyStatementJson[]): string[] =>
  statements.flatMap((statement) => asArray(statement.Action));

/** The statements that allow `action`. */
export const statementsAllowing = (statements: readonly PolicyStatementJson[], action: string) =>
  statements.filter(
    (statement) => statement.Effect === 'Allow' && asArray(statement.Action).includes(action),
  );

/** A statement's resources as a list. */
export const resourcesOfStatement = (statement: PolicyStatementJson): unknown[] =>
  asArray(statement.Resource);
