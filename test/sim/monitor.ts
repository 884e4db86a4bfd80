/**
 * An Alertmanager in front of Spillway: the truth of which alerts fire, and the webhook deliveries
 * it sends about them. Like the real one it re-sends firing alerts (repeat_interval), retries a
 * delivery that was not answered 2xx, and — as any at-least-once sender or a replaying proxy
 * may — delivers an old payload again.
 */
export interface Delivery {
  readonly label: string;
  readonly payload: Record<string, unknown>;
}

const STORM_DELIVERY_ALERTS = 2_000;

const chunks = <T>(items: readonly T[]): T[][] =>
  Array.from({ length: Math.ceil(items.length / STORM_DELIVERY_ALERTS) }, (_, i) =>
    items.slice(i * STORM_DELIVERY_ALERTS, (i + 1) * STORM_DELIVERY_ALERTS),
  );

interface AlertTruth {
  readonly workload: string;
  readonly name: string;
  startsAt?: string;
  severity: string;
}

export class Monitor {
  private readonly alerts = new Map<string, AlertTruth>();
  /** Every delivery sent so far, oldest first: what a replay picks from. */
  readonly history: Delivery[] = [];
  /** Deliveries not answered 2xx, to be sent again. */
  readonly unsent: Delivery[] = [];
  private storms = 0;

  constructor(private readonly workloads: readonly string[]) {}

  workloadOf(index: number): string {
    return this.workloads[index % this.workloads.length] as string;
  }

  /** A firing delivery for alert `alert` of a workload; undefined when it already fires. */
  fire(workload: string, alert: number, severity: string, now: Date): Delivery | undefined {
    const truth = this.truth(workload, `Pressure${alert}`);
    if (truth.startsAt) return undefined;
    truth.startsAt = now.toISOString();
    truth.severity = severity;
    return this.send([truth], 'firing', now, `fire ${workload}/${truth.name}`);
  }

  resolve(workload: string, alert: number, now: Date): Delivery | undefined {
    const truth = this.alerts.get(`${workload}/Pressure${alert}`);
    if (!truth?.startsAt) return undefined;
    const delivery = this.send([truth], 'resolved', now, `resolve ${workload}/${truth.name}`);
    truth.startsAt = undefined;
    return delivery;
  }

  /** Alertmanager's repeat: every firing alert of the workload, sent again as it stands. */
  resend(workload: string, now: Date): Delivery[] {
    const firing = [...this.alerts.values()].filter((a) => a.workload === workload && a.startsAt);
    return chunks(firing).map((part, i) => this.send(part, 'firing', now, `resend ${workload} part ${i}`));
  }

  /**
   * `size` distinct alerts of one workload firing at once: an alert storm, in deliveries of at
   * most STORM_DELIVERY_ALERTS alerts each (a webhook body stays under ingest's 1 MiB).
   */
  storm(workload: string, size: number, now: Date): Delivery[] {
    const storm = ++this.storms;
    const alerts = Array.from({ length: size }, (_, i) => {
      const truth = this.truth(workload, `Storm${storm}x${i}`);
      truth.startsAt = now.toISOString();
      truth.severity = 'warning';
      return truth;
    });
    return chunks(alerts).map((part, i) =>
      this.send(part, 'firing', now, `storm ${workload} ${size} part ${i}`),
    );
  }

  /** Resolved deliveries for every alert of the workload that fires now. */
  resolveAll(workload: string, now: Date): Delivery[] {
    const firing = [...this.alerts.values()].filter((a) => a.workload === workload && a.startsAt);
    const deliveries = chunks(firing).map((part, i) =>
      this.send(part, 'resolved', now, `resolve all ${workload} part ${i}`),
    );
    for (const alert of firing) alert.startsAt = undefined;
    return deliveries;
  }

  /** The alert ends, and its resolution never reaches Spillway (a sender restarted, a route changed). */
  loseResolution(workload: string, alert: number): void {
    const truth = this.alerts.get(`${workload}/Pressure${alert}`);
    if (truth) truth.startsAt = undefined;
  }

  replay(index: number): Delivery | undefined {
    const old = this.history[index % Math.max(this.history.length, 1)];
    return old ? { label: `replay of ${old.label}`, payload: old.payload } : undefined;
  }

  retryLater(delivery: Delivery): void {
    this.unsent.push(delivery);
  }

  takeUnsent(): Delivery[] {
    return this.unsent.splice(0);
  }

  firing(workload: string): number {
    return [...this.alerts.values()].filter((a) => a.workload === workload && a.startsAt).length;
  }

  private truth(workload: string, name: string): AlertTruth {
    const key = `${workload}/${name}`;
    let truth = this.alerts.get(key);
    if (!truth) {
      truth = { workload, name, severity: 'warning' };
      this.alerts.set(key, truth);
    }
    return truth;
  }

  private send(
    alerts: readonly AlertTruth[],
    status: 'firing' | 'resolved',
    now: Date,
    label: string,
  ): Delivery {
    const payload = {
      version: '4',
      groupKey: `{}:{workload="${alerts[0]?.workload}"}`,
      truncatedAlerts: 0,
      status,
      receiver: 'spillway',
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      externalURL: 'http://alertmanager.sim:9093',
      alerts: alerts.map((alert) => ({
        status,
        labels: { alertname: alert.name, workload: alert.workload, severity: alert.severity },
        annotations: { summary: `${alert.name} on ${alert.workload}` },
        startsAt: alert.startsAt,
        endsAt: status === 'resolved' ? now.toISOString() : '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint: `${alert.workload}-${alert.name}`.replace(/[^A-Za-z0-9]/g, '').slice(0, 40),
      })),
    };
    const delivery = { label, payload };
    this.history.push(delivery);
    return delivery;
  }
}
