/**
 * One Alertmanager v4 delivery of one synthetic alert, as `make bench` sends it: alert `alert` of a
 * workload, firing or resolved, started at `startsAt` (epoch ms).
 */
export function loadAlert(workload: string, alert: number, status: 'firing' | 'resolved', startsAt: number) {
  return {
    version: '4',
    groupKey: `{}:{alertname="Load${alert % 7}"}`,
    truncatedAlerts: 0,
    status,
    receiver: 'spillway',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    alerts: [
      {
        status,
        labels: {
          alertname: `Load${alert % 7}`,
          workload,
          severity: alert % 3 === 0 ? 'critical' : 'warning',
        },
        annotations: { summary: `load ${alert}` },
        startsAt: new Date(startsAt).toISOString(),
        endsAt: status === 'resolved' ? new Date(startsAt + 30_000).toISOString() : '0001-01-01T00:00:00Z',
        fingerprint: `f${alert.toString(16).padStart(15, '0')}`,
      },
    ],
  };
}
