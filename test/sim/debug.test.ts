import { it } from 'vitest';
import { simulate } from './setup';
import { inOrder, type World } from './world';

it('debug', async () => {
  try {
    await simulate(JSON.parse(process.env.STEPS ?? '[]'), inOrder, 0);
  } catch (e) {
    console.log((e as Error).message.slice(0, 300));
    const w = (e as { world: World }).world;
    for (const d of w.table.decisions) {
      const counts: Record<string, number> = {};
      for (const s of d.signals) counts[`${s.state}:${s.outcome}`] = (counts[`${s.state}:${s.outcome}`] ?? 0) + 1;
      console.log(d.at, d.action.kind, JSON.stringify(counts), d.reason.slice(0, 150));
    }
  }
});
