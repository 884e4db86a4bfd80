import type { SourceAuth, SpillwayConfig } from '../../config/schema';
import { normaliseAlertmanager } from './alertmanager';
import { normaliseAlarmNotification } from './cloudwatch-alarm';
import { normaliseDatadog } from './datadog';
import { normaliseGeneric } from './generic';
import { normaliseGrafana } from './grafana';
import { normaliseHostNotification } from './host-monitor';
import {
  looksLikeIcingaNotificationRequest,
  normaliseIcingaNotificationRequest,
} from './icinga-notifications';
import { controlCharacterAt, type IdentifierPath } from './identifiers';
import type { NormaliseResult } from './result';
import { normaliseZabbix } from './zabbix';

/** The sources that deliver to `POST /webhooks/<source>`. */
export const webhookSources = [
  'alertmanager',
  'grafana',
  'zabbix',
  'datadog',
  'icinga',
  'nagios',
  'cloudwatch-sns',
  'generic',
] as const;

export type WebhookSource = (typeof webhookSources)[number];

export const isWebhookSource = (name: string): name is WebhookSource =>
  (webhookSources as readonly string[]).includes(name);

export interface WebhookSourceSpec {
  readonly auth: SourceAuth;
  /** The secret entry the source's credentials live under (unused by `sns`). */
  readonly secretName: string;
  /** SNS posts `text/plain; charset=UTF-8` although the body is JSON. */
  readonly contentTypes: readonly string[];
  /** For `cloudwatch-sns` this is the SNS `Message` text; for the others the parsed body. */
  normalise(body: unknown, now: Date): NormaliseResult;
}

/** Everything ingest needs to know about one source, from the config. */
export function webhookSource(source: WebhookSource, config: SpillwayConfig): WebhookSourceSpec {
  const known = new Set(config.workloads.map((w) => w.name));
  const signals = config.signals;
  const spec = (auth: SourceAuth, normalise: WebhookSourceSpec['normalise'], contentTypes = JSON_ONLY) => ({
    auth,
    secretName: ('secret' in auth && auth.secret) || source,
    contentTypes,
    normalise: (body: unknown, now: Date) =>
      controlCharacterAt(body, identifierPaths(source, signals)) ?? normalise(body, now),
  });
  switch (source) {
    case 'alertmanager': {
      const { workloadLabel, auth } = signals.alertmanager;
      return spec(auth, (body, now) =>
        normaliseAlertmanager(body, { workloadLabel, knownWorkloads: known }, now),
      );
    }
    case 'grafana': {
      const { workloadLabel, auth } = signals.grafana;
      return spec(auth, (body, now) => normaliseGrafana(body, { workloadLabel, knownWorkloads: known }, now));
    }
    case 'zabbix':
      return spec(signals.zabbix.auth, (body, now) =>
        normaliseZabbix(body, { ...signals.zabbix, knownWorkloads: known }, now),
      );
    case 'datadog':
      return spec(signals.datadog.auth, (body, now) =>
        normaliseDatadog(body, { workloadTag: signals.datadog.workloadTag, knownWorkloads: known }, now),
      );
    case 'icinga':
    case 'nagios': {
      const mapping = { hosts: signals[source].hosts, knownWorkloads: known };
      return spec(signals[source].auth, (body, now) =>
        source === 'icinga' && looksLikeIcingaNotificationRequest(body)
          ? normaliseIcingaNotificationRequest(body, mapping, now)
          : normaliseHostNotification(source, body, mapping, now),
      );
    }
    case 'cloudwatch-sns':
      return spec(
        signals['cloudwatch-sns'].auth,
        (message, now) => normaliseAlarmNotification(String(message), signals.cloudwatch.alarms, now),
        [...JSON_ONLY, 'text/plain'],
      );
    case 'generic':
      return spec(signals.generic.auth, (body, now) => normaliseGeneric(body, known, now));
  }
}

const JSON_ONLY = ['application/json'];

/**
 * Each source's identifiers, where a control character is refused (docs/ingest.md lists them).
 * `cloudwatch-sns` carries its identifiers inside `Message`, which its normaliser checks.
 */
export function identifierPaths(source: WebhookSource, signals: SpillwayConfig['signals']): IdentifierPath[] {
  switch (source) {
    case 'alertmanager':
    case 'grafana': {
      const label = signals[source].workloadLabel;
      return [
        `alerts[].labels.${label}`,
        'alerts[].labels.alertname',
        'alerts[].labels.{}',
        'alerts[].fingerprint',
      ];
    }
    case 'zabbix':
      return ['event.id', 'event.tags[].tag', 'host.name', 'host.groups[]', 'trigger.id', 'recovery.id'];
    case 'datadog':
      return ['id', 'alert_id', 'alert_scope', 'tags', 'tags[]', 'event_tags', 'event_tags[]'];
    case 'icinga':
    case 'nagios':
      return [
        'host',
        'service',
        'workload',
        'state',
        'notificationType',
        'object.name',
        'object.tags.{}',
        'object.tags.host',
        'object.tags.service',
        'object.tags.workload',
      ];
    case 'generic':
      return ['signals[].workload', 'signals[].alert', 'signals[].episode'];
    case 'cloudwatch-sns':
      return [];
  }
}
