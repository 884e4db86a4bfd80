/**
 * `make bench`: prints figures, asserts nothing (these machines are shared and noisy).
 *   1. signals per second through normalise + decide (pure core, CPU time, three stated mixes:
 *      scripts/bench-core.ts)
 *   2. p50/p99 from webhook accepted (202) to RunTask issued, through the local runtime
 *   3. each function's bundle size, minified and gzipped (budget 450 KB minified)
 *   4. time to import each bundled handler in a fresh Node process
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { build } from 'esbuild';
import { clientConfig } from '../src/adapters/client-config';
import { StateStore } from '../src/adapters/state-store';
import { loadConfigFile } from '../src/config/load';
import type { WorkloadConfig } from '../src/config/schema';
import { startLocalRuntime } from '../src/local/runtime';
import { ESM_REQUIRE_BANNER, LAMBDA_EXTERNAL_MODULES } from '../src/runtime/bundling';
import { benchCore } from './bench-core';
import { loadAlert } from './load-alert';

const BUDGET_MINIFIED_BYTES = 450 * 1024;
const FUNCTIONS = ['ingest', 'decide', 'reconcile'] as const;
const out = resolve('.local/bench');
mkdirSync(out, { recursive: true });

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

async function benchLatency(): Promise<void> {
  const base = loadConfigFile('config/local.yaml');
  const template = base.workloads[0] as WorkloadConfig;
  const workloads = Array.from({ length: 60 }, (_, i) => ({
    ...template,
    name: `bench-${i}`,
    burstRegions: template.burstRegions.slice(0, 1),
    scaleOutStep: 1,
    scaleOutCooldownSeconds: 3600,
  }));
  const configPath = resolve(out, 'config.json');
  writeFileSync(
    configPath,
    JSON.stringify({ ...base, workloads, signals: { alertmanager: { workloadLabel: 'workload' } } }),
  );
  process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  const runtime = await startLocalRuntime({
    configPath,
    port: 0,
    webhookToken: 'bench',
    reconcileSeconds: 3600,
    log: () => {},
  });
  try {
    const accepted = new Map<string, number>();
    for (const [i, workload] of workloads.entries()) {
      const response = await fetch(`${runtime.url}/webhooks/alertmanager`, {
        method: 'POST',
        headers: { authorization: 'Bearer bench', 'content-type': 'application/json' },
        body: JSON.stringify(
          loadAlert(workload.name, i, 'firing', Date.UTC(2026, 10, 25, 10) + (i % 3600) * 1000),
        ),
      });
      if (response.status !== 202) throw new Error(`webhook answered ${response.status}`);
      accepted.set(workload.name, Date.now());
      await new Promise((r) => setTimeout(r, 50)); // one alert at a time: latency, not queueing
    }
    await runtime.queueIdle();
    const store = new StateStore(
      runtime.provisioned.stateTable,
      new DynamoDBClient(clientConfig(base.controlRegion, runtime.endpoint)),
    );
    const latencies: number[] = [];
    for (const workload of workloads) {
      // startedAt is stamped when RunTask has answered: an upper bound of "RunTask issued".
      for (const task of Object.values((await store.load(workload.name)).tasks)) {
        latencies.push(Date.parse(task.startedAt) - (accepted.get(workload.name) ?? 0));
      }
    }
    latencies.sort((a, b) => a - b);
    if (latencies.length !== workloads.length)
      throw new Error(`expected ${workloads.length} burst tasks, found ${latencies.length}`);
    console.log(
      `latency   webhook accepted → RunTask answered: p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms (${latencies.length} alerts, one at a time, moto on loopback)`,
    );
  } finally {
    await runtime.stop();
  }
}

async function benchBundles(): Promise<void> {
  // The functions read the JSON config CDK bundles next to them.
  const bundledConfig = resolve(out, 'spillway-config.json');
  writeFileSync(bundledConfig, JSON.stringify(loadConfigFile('config/local.yaml')));
  for (const fn of FUNCTIONS) {
    const outfile = resolve(out, `${fn}.mjs`);
    await build({
      entryPoints: [`functions/${fn}/handler.ts`],
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      mainFields: ['module', 'main'],
      minify: true,
      outfile,
      banner: { js: ESM_REQUIRE_BANNER },
      external: [...LAMBDA_EXTERNAL_MODULES],
      logLevel: 'error',
    });
    const code = readFileSync(outfile);
    const gzipped = gzipSync(code).length;
    const verdict = code.length <= BUDGET_MINIFIED_BYTES ? 'within' : 'OVER';
    const imports: number[] = [];
    for (let i = 0; i < 5; i++) {
      const ms = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const t = performance.now(); await import(${JSON.stringify(outfile)}); console.log(performance.now() - t);`,
        ],
        {
          env: {
            ...process.env,
            SPILLWAY_CONFIG: bundledConfig,
            SPILLWAY_STATE_TABLE: 'bench',
            SPILLWAY_SIGNALS_QUEUE_URL: 'http://127.0.0.1:9/queue',
            SPILLWAY_DRAIN_LEDGER_TABLE: 'bench',
            SPILLWAY_DRAIN_STATE_MACHINES: '{}',
            SPILLWAY_WEBHOOK_TOKEN: 'bench',
            AWS_REGION: 'us-east-1',
          },
        },
      );
      imports.push(Number(ms.toString().trim()));
    }
    imports.sort((a, b) => a - b);
    console.log(
      `bundle    ${fn.padEnd(9)} ${kb(code.length).padStart(9)} minified (${verdict} the 450 KB budget), ${kb(gzipped).padStart(8)} gzipped; import in a fresh node: median ${imports[2]?.toFixed(0)} ms (5 runs)`,
    );
  }
}

async function main(): Promise<void> {
  console.log(`Spillway bench on node ${process.version}, ${new Date().toISOString()}`);
  benchCore();
  await benchBundles();
  await benchLatency();
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.message}`);
  process.exit(1);
});
