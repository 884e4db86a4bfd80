import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { LocalMetrics } from '../../../src/local/prometheus-metrics';

const MONITORING = resolve(import.meta.dirname, '../../../docs/monitoring');
const read = (name: string) => readFileSync(resolve(MONITORING, name), 'utf8');
/** `promtool`, from Debian's prometheus package (`make browser` installs it with Chromium). */
const promtool = spawnSync('promtool', ['--version']).status === 0;

/** Every series name `GET /metrics` exposes, with the labels it carries. */
function exposedSeries(): Map<string, Set<string>> {
  const series = new Map<string, Set<string>>();
  // prom-client's typings leave out what every metric object carries: its type and label names.
  const metrics = new LocalMetrics().registry.getMetricsAsArray() as unknown as {
    name: string;
    type: string;
    labelNames: string[];
  }[];
  for (const metric of metrics) {
    const labels = new Set(metric.labelNames);
    if (metric.type === 'histogram') {
      series.set(`${metric.name}_bucket`, new Set([...labels, 'le']));
      series.set(`${metric.name}_sum`, labels);
      series.set(`${metric.name}_count`, labels);
    } else series.set(metric.name, labels);
  }
  return series;
}

/**
 * What a PromQL expression asks of the metrics: the series it selects (with the labels its
 * matchers name) and the labels it groups by. Enough PromQL for Spillway's own examples.
 */
function demands(expr: string) {
  const selectors = [...expr.matchAll(/\b(spillway_[a-z_]+)\s*(?:\{([^}]*)\})?/g)].map(
    ([, name, matchers]) => ({
      name: name as string,
      labels: [...(matchers ?? '').matchAll(/([a-z_]+)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1] as string),
    }),
  );
  const grouping = [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap(([, list]) =>
    (list ?? '')
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean),
  );
  return { selectors, grouping };
}

/** What is wrong with `expr` against what /metrics exposes; empty when nothing is. */
function problemsOf(
  expr: string,
  exposed: Map<string, Set<string>>,
  allowed: readonly string[] = [],
): string[] {
  const { selectors, grouping } = demands(expr);
  const problems: string[] = [];
  if (selectors.length === 0 && !allowed.some((name) => expr.includes(name)))
    problems.push(`${expr}: selects no spillway_ metric`);
  const labels = new Set<string>();
  for (const { name, labels: matched } of selectors) {
    const has = exposed.get(name);
    if (!has) {
      problems.push(`${expr}: ${name} is not exposed by /metrics`);
      continue;
    }
    for (const label of has) labels.add(label);
    for (const label of matched) if (!has.has(label)) problems.push(`${expr}: ${name} has no label ${label}`);
  }
  for (const label of grouping)
    if (selectors.length > 0 && !labels.has(label))
      problems.push(`${expr}: groups by ${label}, which no selected series has`);
  return problems;
}

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

describe('docs/monitoring: the example Prometheus and Grafana setup for /metrics', () => {
  const exposed = exposedSeries();

  it('has a Grafana dashboard whose every query names only series and labels /metrics exposes', () => {
    // Prepare
    const dashboard = JSON.parse(read('grafana-dashboard.json')) as { title: string; panels: Panel[] };
    const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');

    // Act
    const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    const problems = exprs.flatMap((expr) => problemsOf(expr, exposed));

    // Assess
    expect(panels.length).toBeGreaterThan(5);
    expect(panels.filter((p) => (p.targets ?? []).length === 0).map((p) => p.title)).toEqual([]);
    expect(problems).toEqual([]);
    const drawn = new Set(exprs.flatMap((expr) => demands(expr).selectors.map((s) => s.name)));
    expect(drawn).toContain('spillway_burst_tasks');
    expect(drawn).toContain('spillway_decision_latency_seconds_bucket');
  });

  it('has alert rules whose expressions name only what /metrics exposes (and up)', () => {
    // Prepare
    const rules = parseYaml(read('spillway-rules.yml')) as {
      groups: { rules: { alert: string; expr: string; annotations: Record<string, string> }[] }[];
    };

    // Act
    const all = rules.groups.flatMap((g) => g.rules);
    const problems = all.flatMap((rule) => problemsOf(rule.expr, exposed, ['up{']));

    // Assess
    expect(all.length).toBeGreaterThan(3);
    expect(problems).toEqual([]);
    expect(
      all.filter((rule) => !rule.annotations?.summary || !rule.annotations?.runbook).map((r) => r.alert),
    ).toEqual([]);
  });

  it('scrapes the local runtime where it serves /metrics, and loads the rules', () => {
    // Prepare
    const config = parseYaml(read('prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
    };

    // Assess
    expect(config.rule_files).toEqual(['spillway-rules.yml']);
    expect(config.scrape_configs).toContainEqual(
      expect.objectContaining({ job_name: 'spillway', static_configs: [{ targets: ['127.0.0.1:8787'] }] }),
    );
  });

  it.runIf(promtool)('passes promtool check rules', () => {
    // Act
    const checked = spawnSync('promtool', ['check', 'rules', resolve(MONITORING, 'spillway-rules.yml')], {
      encoding: 'utf8',
    });

    // Assess
    expect(checked.stdout + checked.stderr).toMatch(/SUCCESS/);
    expect(checked.status, checked.stderr).toBe(0);
  });

  it.runIf(promtool)('passes promtool check config, which checks the rule files it names too', () => {
    // Act
    const checked = spawnSync('promtool', ['check', 'config', resolve(MONITORING, 'prometheus.yml')], {
      encoding: 'utf8',
    });

    // Assess
    expect(checked.status, checked.stdout + checked.stderr).toBe(0);
  });
});
