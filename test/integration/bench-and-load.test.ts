import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** A script run as `make bench` and `make load` run it, small: what the README promises must run. */
async function script(path: string, env: Record<string, string>): Promise<string> {
  const { stdout } = await run('npx', ['tsx', path], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

describe('make bench and make load, scaled down', () => {
  it('make bench prints the core, every bundle and the latency rows next to their targets', async () => {
    // Act
    const out = await script('scripts/bench.ts', {
      BENCH_MIX: 'storm',
      BENCH_BUNDLE_RUNS: '2',
      BENCH_LATENCY_SAMPLES: '5',
      BENCH_LATENCY_RATE: '20',
      BENCH_LATENCY_BURST: '10',
    });

    // Assess
    expect(out).toMatch(/^core storm +[\d,]+ signals\/s of one core's CPU time .* target ≥ 50,000/m);
    for (const fn of ['ingest', 'decide', 'reconcile']) {
      expect(out).toMatch(
        new RegExp(
          `^bundle +${fn} +[\\d.]+ KB minified \\(≤ 450 KB: .*gzipped \\(≤ 130 KB: .*cold import over bare node: median \\d+ ms`,
          'm',
        ),
      );
    }
    expect(out).toMatch(
      /^latency +webhook accepted → RunTask issued, steady .*: p50 \d+ ms, p95 \d+ ms, p99 \d+ ms/m,
    );
    expect(out).toMatch(/^latency +webhook accepted → RunTask issued, burst of 10: p50 /m);
  }, 240_000);

  it('make load drives the runtime to the end state the policy expects and prints its rows', async () => {
    // Act
    const out = await script('scripts/load.ts', {
      LOAD_SIGNALS: '300',
      LOAD_WORKLOADS: '10',
      LOAD_RECONCILE_SECONDS: '5',
      LOAD_SAMPLE_SECONDS: '1',
    });

    // Assess
    for (const row of [
      'duration',
      'throughput',
      'emulator-bound ceiling',
      'throughput ÷ ceiling',
      'emulator peak memory',
    ]) {
      expect(out).toMatch(new RegExp(`^  ${row.replace(/[()÷]/g, '.')} +.*`, 'm'));
    }
    expect(out).toMatch(/^ {2}max ever exceeded +no: /m);
    expect(out).toContain('end state matches the policy for every workload');
  }, 240_000);
});
