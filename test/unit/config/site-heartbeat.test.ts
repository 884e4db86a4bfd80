import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/config/load';
import { configDoc, type Document } from '../factories';

const withSites = (sites: Document[]) => configDoc({ sites });
const problem = (document: Document): string => {
  try {
    parseConfig(document, 'test');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the config was accepted');
};

describe('sites watched for loss', () => {
  it('fills the defaults of a heartbeat', () => {
    const config = parseConfig(withSites([{ id: 'onprem-dc1', kind: 'onprem', heartbeat: {} }]), 'test');
    expect(config.sites[0]?.heartbeat).toEqual({
      lossAfterSeconds: 180,
      recoveryStableSeconds: 300,
      flapWindowSeconds: 3600,
      alertmanagerWatchdog: false,
      spendGuardDuringLoss: 'exceed',
    });
    expect(config.signals.heartbeats.auth).toEqual({ scheme: 'bearer' });
  });

  it('refuses what cannot work, naming the field', () => {
    expect(
      problem(
        withSites([
          { id: 'aws-east', kind: 'cloud', heartbeat: {} },
          { id: 'onprem-dc1', kind: 'onprem' },
        ]),
      ),
    ).toMatch(
      /sites\[0\]\.heartbeat: site aws-east is a cloud site: only an on-prem site is watched for loss/,
    );
    expect(
      problem(
        withSites([{ id: 'onprem-dc1', kind: 'onprem', heartbeat: { watchdogLabels: { site: 'dc1' } } }]),
      ),
    ).toMatch(/watchdogLabels needs alertmanagerWatchdog: true/);
    expect(
      problem(
        withSites([
          { id: 'onprem-dc1', kind: 'onprem', heartbeat: { alertmanagerWatchdog: true } },
          {
            id: 'onprem-dc2',
            kind: 'onprem',
            heartbeat: { alertmanagerWatchdog: true, watchdogLabels: { site: 'dc2' } },
          },
        ]),
      ),
    ).toMatch(
      /sites\[0\]\.heartbeat\.watchdogLabels: 2 sites use the Watchdog alert \(onprem-dc1, onprem-dc2\)/,
    );
    expect(
      problem(
        withSites([{ id: 'onprem-dc1', kind: 'onprem', heartbeat: { witness: { url: 'dc1.example' } } }]),
      ),
    ).toMatch(/heartbeat\.witness\.url: must be an http:\/\/ or https:\/\/ URL/);
    expect(
      problem(
        withSites([{ id: 'onprem-dc1', kind: 'onprem', heartbeat: { spendGuardDuringLoss: 'ignore' } }]),
      ),
    ).toMatch(/spendGuardDuringLoss/);
    expect(
      problem(
        withSites([
          { id: 'onprem-dc1', kind: 'onprem' },
          { id: 'onprem-dc1', kind: 'onprem' },
        ]),
      ),
    ).toMatch(/sites\[1\]\.id: site onprem-dc1 is defined twice/);
  });

  it('still names the sites when a workload is homed in none of them', () => {
    expect(problem(configDoc({ sites: [{ id: 'onprem-dc2', kind: 'onprem', heartbeat: {} }] }))).toMatch(
      /workloads\[0\]\.homeSite: home site onprem-dc1 is not one of the sites \(onprem-dc2\)/,
    );
  });
});
