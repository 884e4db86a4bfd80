/**
 * `make bench`: prints figures, asserts nothing (these machines are shared and noisy).
 *   1. signals per second through normalise + decide (pure core, CPU time, three stated mixes:
 *      scripts/bench-core.ts)
 *   2. p50/p95/p99 from webhook accepted (202) to RunTask issued, through the local runtime, at a
 *      steady rate and under a burst, with the queue's backlog (scripts/bench-latency.ts)
 *   3. each function's bundle, built as deployed: size minified and gzipped against the budgets,
 *      and cold import time over a bare node start (scripts/bench-bundles.ts)
 */
import { benchBundles } from './bench-bundles';
import { benchCore } from './bench-core';
import { benchLatency } from './bench-latency';

async function main(): Promise<void> {
  console.log(`Spillway bench on node ${process.version}, ${new Date().toISOString()}`);
  await benchCore();
  await benchBundles();
  await benchLatency();
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.message}`);
  process.exit(1);
});
