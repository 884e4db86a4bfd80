import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { config as zodConfig } from 'zod/v4/core';
import { formatIssuePath } from '../../../src/config/issue-path';
import { ConfigError, loadConfigFile, parseConfig } from '../../../src/config/load';
import { burstRegionDoc, configDoc, type Document, workloadDoc } from '../factories';

const CONFIG_DIR = new URL('../../../config/', import.meta.url);
const configFiles = readdirSync(CONFIG_DIR).filter((name) => name.endsWith('.yaml'));

/** The ConfigError that parsing `document` raises; fails the test when it parses. */
function configErrorOf(document: unknown): ConfigError {
  try {
    parseConfig(document, 'test.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, but the document parsed');
}

const withWorkload = (overrides: Document): Document =>
  configDoc({ workloads: [workloadDoc(overrides)], signals: {} });

function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'spillway-config-')), name);
  writeFileSync(path, text);
  return path;
}

describe('configuration', () => {
  describe('the shipped files', () => {
    it('has one file per environment', () => {
      expect([...configFiles].sort()).toEqual(['dev.yaml', 'local.yaml', 'prod.yaml', 'staging.yaml']);
    });

    it.each(configFiles)('loads config/%s, whose environment matches its name', (file) => {
      // Act
      const config = loadConfigFile(new URL(file, CONFIG_DIR).pathname);

      // Assess
      expect(config.environment).toBe(file.replace(/\.yaml$/, ''));
      expect(config.workloads.length).toBeGreaterThan(0);
      expect(Object.isFrozen(config)).toBe(true);
      expect(Object.isFrozen(config.workloads[0]?.burstRegions)).toBe(true);
    });
  });

  describe('parseConfig', () => {
    it('fills in the documented defaults', () => {
      // Prepare
      const document = configDoc({
        workloads: [
          {
            name: 'checkout-api',
            homeSite: 'onprem-dc1',
            burstRegions: [burstRegionDoc('us-west-2')],
            maxBurstTasks: 4,
          },
        ],
        signals: undefined,
      });

      // Act
      const config = parseConfig(document, 'test.yaml');

      // Assess
      expect(config.workloads[0]).toMatchObject({
        minBurstTasks: 0,
        scaleOutStep: 1,
        scaleInStep: 1,
        scaleOutCooldownSeconds: 60,
        scaleInCooldownSeconds: 300,
        drainSeconds: 30,
      });
      expect(config.workloads[0]?.burstRegions[0]?.network.assignPublicIp).toBe(false);
      expect(config.signals).toEqual({
        alertmanager: { workloadLabel: 'workload', auth: { scheme: 'bearer' } },
        grafana: { workloadLabel: 'workload', auth: { scheme: 'bearer' } },
        zabbix: { workloadTag: 'workload', hostGroups: [], auth: { scheme: 'bearer' } },
        datadog: { workloadTag: 'workload', auth: { scheme: 'bearer' } },
        icinga: { hosts: [], auth: { scheme: 'standard-webhooks', replayWindowSeconds: 300 } },
        nagios: { hosts: [], auth: { scheme: 'standard-webhooks', replayWindowSeconds: 300 } },
        'cloudwatch-sns': { auth: { scheme: 'sns', topicArns: [] } },
        generic: { auth: { scheme: 'standard-webhooks', replayWindowSeconds: 300 } },
        heartbeats: { auth: { scheme: 'bearer' } },
        cloudwatch: { alarms: [] },
      });
      expect(config.decisionLogRetentionDays).toBe(30);
    });

    it('rejects minBurstTasks above maxBurstTasks, naming workloads[0].minBurstTasks', () => {
      // Act
      const error = configErrorOf(withWorkload({ minBurstTasks: 9, maxBurstTasks: 6 }));

      // Assess
      expect(error.issues).toEqual([
        'workloads[0].minBurstTasks: minBurstTasks (9) exceeds maxBurstTasks (6)',
      ]);
      expect(error.message).toBe(
        'invalid Spillway config test.yaml:\n  workloads[0].minBurstTasks: minBurstTasks (9) exceeds maxBurstTasks (6)',
      );
      expect(error.source).toBe('test.yaml');
      expect(error.name).toBe('ConfigError');
    });

    it('rejects a burst region listed twice, naming the second one', () => {
      // Act
      const error = configErrorOf(
        withWorkload({ burstRegions: [burstRegionDoc('us-west-2'), burstRegionDoc('us-west-2')] }),
      );

      // Assess
      expect(error.issues).toEqual(['workloads[0].burstRegions[1].region: region us-west-2 is listed twice']);
    });

    it.each([
      ['us-west-3', 'us-west-1, us-west-2'],
      ['US-West-2', 'us-west-2'],
      ['uswest2', 'us-west-2'],
      ['us-west-2a', 'us-west-2'],
      ['eu-west-1 ', 'eu-west-1'],
    ])('rejects the region %j, naming it, its field and the nearest AWS regions (%s)', (region, nearest) => {
      // Act
      const error = configErrorOf(withWorkload({ burstRegions: [burstRegionDoc(region)] }));

      // Assess
      expect(error.issues).toEqual([
        `workloads[0].burstRegions[0].region: ${JSON.stringify(region)} is not an AWS region; nearest: ${nearest}`,
      ]);
    });

    it('rejects a control region of the right shape that AWS does not have (eu-north-9)', () => {
      // Act
      const error = configErrorOf(configDoc({ controlRegion: 'eu-north-9' }));

      // Assess
      expect(error.issues).toEqual(['controlRegion: "eu-north-9" is not an AWS region; nearest: eu-north-1']);
    });

    it.each(['us-gov-west-1', 'ap-southeast-2', 'eu-central-1', 'cn-northwest-1', 'ap-southeast-7'])(
      'accepts the region %s',
      (region) => {
        expect(() =>
          parseConfig(withWorkload({ burstRegions: [burstRegionDoc(region)] }), 'test.yaml'),
        ).not.toThrow();
      },
    );

    it('rejects a home site that is not one of the sites', () => {
      // Act
      const error = configErrorOf(withWorkload({ homeSite: 'onprem-dc9' }));

      // Assess
      expect(error.issues).toEqual([
        'workloads[0].homeSite: home site onprem-dc9 is not one of the sites (onprem-dc1)',
      ]);
    });

    it('rejects a workload defined twice', () => {
      // Act
      const error = configErrorOf(configDoc({ workloads: [workloadDoc(), workloadDoc()], signals: {} }));

      // Assess
      expect(error.issues).toEqual(['workloads[1].name: workload checkout-api is defined twice']);
    });

    it.each([
      ['in a workload', withWorkload({ maxTasks: 3 }), 'workloads[0]: Unrecognized key: "maxTasks"'],
      [
        'in a burst region',
        withWorkload({ burstRegions: [burstRegionDoc('us-west-2', { targetGroup: 'tg' })] }),
        'workloads[0].burstRegions[0]: Unrecognized key: "targetGroup"',
      ],
      ['at the top level', configDoc({ enviroment: 'dev' }), '(root): Unrecognized key: "enviroment"'],
    ])('rejects an unknown key %s (a typo must not be silently ignored)', (_, document, issue) => {
      // Act
      const error = configErrorOf(document);

      // Assess
      expect(error.issues).toEqual([issue]);
    });

    it('rejects an alarm mapping to a workload that is not configured', () => {
      // Prepare
      const document = configDoc({
        signals: {
          cloudwatch: { alarms: [{ alarmName: 'billing-api-', match: 'prefix', workload: 'billing-api' }] },
        },
      });

      // Act
      const error = configErrorOf(document);

      // Assess
      expect(error.issues).toEqual([
        'signals.cloudwatch.alarms[0].workload: mapping names unknown workload billing-api',
      ]);
    });

    it('rejects host and host-group mappings to workloads that are not configured', () => {
      // Prepare
      const document = configDoc({
        signals: {
          zabbix: { hostGroups: [{ group: 'Billing servers', workload: 'billing-api' }] },
          icinga: { hosts: [{ host: 'web-01', workload: 'checkout-api' }] },
          nagios: { hosts: [{ host: 'db-', match: 'prefix', workload: 'database' }] },
        },
      });

      // Act
      const error = configErrorOf(document);

      // Assess
      expect(error.issues).toEqual([
        'signals.zabbix.hostGroups[0].workload: mapping names unknown workload billing-api',
        'signals.nagios.hosts[0].workload: mapping names unknown workload database',
      ]);
    });

    it('lists every problem of a document, one per line', () => {
      // Prepare
      const document = configDoc({
        controlRegion: 'Frankfurt',
        workloads: [workloadDoc({ maxBurstTasks: 0 }), workloadDoc({ name: 'Search API' })],
        signals: {},
      });

      // Act
      const error = configErrorOf(document);

      // Assess
      expect(error.issues.map((issue) => issue.split(':')[0])).toEqual([
        'controlRegion',
        'workloads[0].maxBurstTasks',
        'workloads[1].name',
      ]);
      expect(error.message.split('\n')).toHaveLength(4);
    });

    it('words generic problems in English with no zod locale configured, as in a zod/mini-only bundle', () => {
      // Prepare: classic zod, loaded by other modules here, installs English globally on first use;
      // a bundle without classic zod has no locale at all.
      const installed = zodConfig().localeError;
      zodConfig({ localeError: undefined });
      try {
        // Act
        const error = configErrorOf(
          configDoc({
            environment: 'qa',
            workloads: [workloadDoc({ maxBurstTasks: 'six', scaleInStep: 0 })],
          }),
        );

        // Assess
        expect(error.issues).toEqual([
          'environment: Invalid option: expected one of "local"|"dev"|"staging"|"prod"',
          'workloads[0].maxBurstTasks: Invalid input: expected number, received string',
          'workloads[0].scaleInStep: Too small: expected number to be >=1',
        ]);
      } finally {
        zodConfig({ localeError: installed });
      }
    });

    it('lower-cases signature header names and defaults the Grafana one', () => {
      // Prepare
      const document = configDoc({
        signals: { grafana: { auth: { scheme: 'hmac-grafana', timestampHeader: 'X-Grafana-Timestamp' } } },
      });

      // Act
      const config = parseConfig(document, 'test.yaml');

      // Assess
      expect(config.signals.grafana.auth).toEqual({
        scheme: 'hmac-grafana',
        signatureHeader: 'x-grafana-alerting-signature',
        timestampHeader: 'x-grafana-timestamp',
        replayWindowSeconds: 300,
      });
    });

    it('rejects the reserved secret name tokens and a header name that is not one', () => {
      // Prepare
      const document = configDoc({
        signals: {
          alertmanager: { auth: { scheme: 'bearer', secret: 'tokens' } },
          grafana: { auth: { scheme: 'hmac-grafana', signatureHeader: 'X Signature' } },
        },
      });

      // Act
      const error = configErrorOf(document);

      // Assess
      expect(error.issues).toEqual([
        "signals.alertmanager.auth.secret: 'tokens' is reserved for the legacy bearer token list",
        'signals.grafana.auth.signatureHeader: must be an HTTP header name',
      ]);
    });

    it('rejects two maintenance windows of the same name', () => {
      const window = { site: 'onprem-dc1', start: '2027-03-13T22:00:00Z', end: '2027-03-14T04:00:00Z' };
      const document = configDoc({
        maintenanceWindows: [
          { ...window, name: 'dc1-works' },
          { ...window, name: 'dc1-works', start: '2027-04-13T22:00:00Z', end: '2027-04-14T04:00:00Z' },
        ],
      });
      expect(() => parseConfig(document, 'test.yaml')).toThrow(
        /maintenanceWindows\[1\]\.name: maintenance window dc1-works is defined twice/,
      );
    });

    it('rejects a maintenance window with a time that is not ISO-8601 or an end before its start', () => {
      // Prepare
      const window = { name: 'dc1-works', site: 'onprem-dc1', start: '2027-03-13T22:00:00Z' };
      const document = configDoc({
        maintenanceWindows: [
          { ...window, end: '2027-03-14 04:00' },
          { ...window, name: 'dc1-works-again', end: '2027-03-13T21:00:00+00:00' },
        ],
      });

      // Act
      const error = configErrorOf(document);

      // Assess
      expect(error.issues).toEqual([
        'maintenanceWindows[0].end: must be an ISO-8601 date-time such as 2026-12-01T02:00:00Z',
        'maintenanceWindows[1].end: end (2027-03-13T21:00:00+00:00) is not after start (2027-03-13T22:00:00Z)',
      ]);
    });

    it('rejects a maintenance window naming a site or a workload that is not configured', () => {
      // Prepare
      const document = configDoc({
        maintenanceWindows: [
          {
            name: 'dc9-works',
            site: 'onprem-dc9',
            start: '2027-03-13T22:00:00Z',
            end: '2027-03-14T04:00:00Z',
            workloads: ['checkout-api', 'billing-api'],
          },
        ],
      });

      // Act
      const error = configErrorOf(document);

      // Assess
      expect(error.issues).toEqual([
        'maintenanceWindows[0].site: site onprem-dc9 is not one of the sites (onprem-dc1)',
        'maintenanceWindows[0].workloads[1]: maintenance window names unknown workload billing-api',
      ]);
    });
  });

  describe('loadConfigFile', () => {
    it('says which file cannot be read', () => {
      // Act
      const act = () => loadConfigFile('/nonexistent/spillway.yaml');

      // Assess
      expect(act).toThrow(ConfigError);
      expect(act).toThrow(/^cannot read Spillway config \/nonexistent\/spillway\.yaml: /);
    });

    it('says which file is not valid YAML', () => {
      // Prepare
      const path = tempFile('broken.yaml', 'environment: dev\nworkloads: [\n');

      // Act
      const act = () => loadConfigFile(path);

      // Assess
      expect(act).toThrow(ConfigError);
      expect(act).toThrow(`Spillway config ${path} is not valid YAML: `);
    });

    it('names the file in a schema error', () => {
      // Prepare
      const path = tempFile('bad.yaml', 'environment: qa\n');

      // Act
      const act = () => loadConfigFile(path);

      // Assess
      expect(act).toThrow(`invalid Spillway config ${path}:`);
    });
  });
});

describe('formatIssuePath', () => {
  it.each([
    [['workloads', 0, 'burstRegions', 1, 'region'], 'workloads[0].burstRegions[1].region'],
    [['signals', 'cloudwatch', 'alarms', 2], 'signals.cloudwatch.alarms[2]'],
    [[0, 'startsAt'], '[0].startsAt'],
    [['detail-type'], 'detail-type'],
    [[], ''],
  ])('writes %j as %j', (path, text) => {
    expect(formatIssuePath(path)).toBe(text);
  });
});
