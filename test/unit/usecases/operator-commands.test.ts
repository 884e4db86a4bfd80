import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { SignalQueue } from '../../../src/adapters/signal-queue';
import type { OperatorCommand } from '../../../src/core/command';
import { parseQueueMessage } from '../../../src/usecases/parse-queue-message';
import { processBatch } from '../../../src/usecases/process-batch';
import { buildCommand, CommandError, sendCommand } from '../../../src/usecases/send-command';
import { aCommand, aConfig, aTask, at, envelopeOf, firing, isoAt, queueMessage } from '../factories';
import { fakeDecideDeps } from '../fakes';

const config = aConfig();
const envelope = (command: OperatorCommand | Record<string, unknown>) => ({
  kind: 'command',
  version: 1,
  command,
});

describe('parseQueueMessage with operator commands', () => {
  it('reads a command envelope, times in the one UTC form', () => {
    // Prepare
    const command = { ...aCommand({ action: 'pause' }), until: '2026-03-01T14:00:00+02:00' };

    // Act
    const parsed = parseQueueMessage(JSON.stringify(envelope(command)), config);

    // Assess
    expect(parsed).toEqual({
      ok: true,
      signals: [],
      commands: [{ ...command, until: '2026-03-01T12:00:00.000Z' }],
    });
  });

  it.each([
    ['a burst without a count', { action: 'burst' }, 'command.count: burst needs a count'],
    ['a pause with a count', { action: 'pause', count: 2 }, 'command.count: pause takes no count'],
    [
      'a burst with until',
      { action: 'burst', count: 1, until: isoAt(60) },
      'command.until: only pause and evacuate take until',
    ],
    ['no reason', { action: 'resume', reason: ' ' }, 'an operator command needs a reason'],
    ['an unknown action', { action: 'teleport' }, 'command.action'],
  ])('refuses %s (a poison message)', (_what, overrides, message) => {
    const body = JSON.stringify(envelope({ ...aCommand({ action: 'resume' }), ...overrides }));
    const parsed = parseQueueMessage(body, config);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(message);
  });

  it('refuses a command for an unknown workload', () => {
    const body = JSON.stringify(envelope(aCommand({ action: 'resume', workload: 'nope' })));
    expect(parseQueueMessage(body, config)).toEqual({
      ok: false,
      reason: 'command names unknown workload nope',
    });
  });
});

describe('processBatch with operator commands', () => {
  it('burst: launches through carry-out like any scale-out', async () => {
    // Prepare
    const deps = fakeDecideDeps();

    // Act
    const failed = await processBatch(
      [queueMessage('m1', envelope(aCommand({ action: 'burst', count: 3 })))],
      deps,
    );

    // Assess
    expect(failed).toEqual([]);
    expect(deps.compute.requests.map((r) => [r.burstRegion.region, r.count])).toEqual([['us-west-2', 3]]);
    expect(deps.store.get('checkout-api').tasks).not.toEqual({});
  });

  it('dry-run: a firing alert calls neither ECS nor Step Functions, and the decision is logged', async () => {
    // Prepare
    const deps = fakeDecideDeps();
    deps.store.put({
      ...deps.store.get('checkout-api'),
      version: 3,
      tasks: { a: aTask({ taskId: 'a' }) },
    });
    await processBatch([queueMessage('m1', envelope(aCommand({ action: 'dry_run_on' })))], deps);

    // Act
    await processBatch([queueMessage('m2', envelopeOf(firing('alertmanager:fp', -5)))], deps);
    deps.time.advance(3600);
    await processBatch(
      [queueMessage('m3', envelope(aCommand({ action: 'drain_all', issuedAt: 3600 })))],
      deps,
    );

    // Assess
    expect(deps.compute.requests).toEqual([]);
    expect(deps.drains.starts).toEqual([]);
    const reasons = deps.store.committedDecisions.map((d) => d.reason);
    // The dry_run_on decision itself already runs dry: with no alert it would have drained task a.
    expect(reasons.map((r) => r.match(/^dry-run: would (start|drain)/)?.[1])).toEqual([
      'drain',
      'start',
      'drain',
    ]);
    expect(deps.store.get('checkout-api').tasks.a?.status).toBe('running');
  });

  it('drain: starts one drain execution per task, and never RunTask or StopTask', async () => {
    // Prepare
    const deps = fakeDecideDeps();
    deps.store.put({
      ...deps.store.get('checkout-api'),
      version: 3,
      tasks: { a: aTask({ taskId: 'a' }), b: aTask({ taskId: 'b', startedAt: isoAt(-60) }) },
    });

    // Act
    await processBatch([queueMessage('m1', envelope(aCommand({ action: 'drain', count: 1 })))], deps);

    // Assess
    expect(deps.drains.starts.map((s) => s.input.taskArn.split('/').at(-1))).toEqual(['b']);
    expect(deps.compute.requests).toEqual([]);
    expect(deps.store.get('checkout-api').tasks.b?.status).toBe('draining');
  });

  it('dead-letters a bad command: reported as a failure with its reason', async () => {
    const deps = fakeDecideDeps();
    const failed = await processBatch(
      [queueMessage('m1', envelope({ ...aCommand({ action: 'burst' }), count: 0 }))],
      deps,
    );
    expect(failed).toEqual(['m1']);
    expect(deps.store.messageFailures[0]?.reason).toMatch(/^not a signal envelope: command\.count/);
  });
});

describe('buildCommand and sendCommand (the CLI side)', () => {
  it('sends one command envelope to the queue and returns the command with its id', async () => {
    // Prepare
    const sent: SendMessageBatchCommand[] = [];
    const sqs = {
      send: async (c: SendMessageBatchCommand) => {
        sent.push(c);
        return { Successful: [{ Id: '0' }], Failed: [] };
      },
    } as never;
    const command = buildCommand({
      workload: 'checkout-api',
      action: 'burst',
      count: 2,
      reason: ' sale ',
      issuedAt: at(0),
      id: 'cmd-1',
    });

    // Act
    await sendCommand(new SignalQueue(sqs, 'https://queue'), command);

    // Assess
    expect(command).toEqual({
      id: 'cmd-1',
      workload: 'checkout-api',
      action: 'burst',
      count: 2,
      reason: 'sale',
      issuedAt: isoAt(0),
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toBeInstanceOf(SendMessageBatchCommand);
    const [entry] = sent[0]?.input.Entries ?? [];
    expect(JSON.parse(entry?.MessageBody ?? '{}')).toEqual({ kind: 'command', version: 1, command });
    expect(entry?.MessageAttributes?.source?.StringValue).toBe('operator');
    expect(parseQueueMessage(entry?.MessageBody ?? '', config)).toEqual({
      ok: true,
      signals: [],
      commands: [command],
    });
  });

  it("refuses what the decide function would dead-letter, by the decide function's own schema", () => {
    // An id the queue's consumer refuses (spaces), which no CLI-side check looks at
    expect(() =>
      buildCommand({ workload: 'checkout-api', action: 'resume', reason: 'done', id: 'not an id' }),
    ).toThrow(/the command would be refused: .*id/);
  });

  it('generates a fresh id per command unless given', () => {
    const a = buildCommand({ workload: 'checkout-api', action: 'resume', reason: 'done' });
    const b = buildCommand({ workload: 'checkout-api', action: 'resume', reason: 'done' });
    expect(a.id).toMatch(/^cmd-[0-9a-f-]{36}$/);
    expect(a.id).not.toBe(b.id);
  });

  it.each([
    [{ action: 'burst' as const, reason: 'x' }, 'burst needs a whole number of tasks'],
    [{ action: 'drain' as const, count: 0, reason: 'x' }, 'drain needs a whole number of tasks'],
    [
      { action: 'burst' as const, count: 1001, reason: 'x' },
      'burst needs a whole number of tasks from 1 to 1000',
    ],
    [{ action: 'pause' as const, reason: '  ' }, '--reason is required'],
    [{ action: 'pause' as const, reason: 'r'.repeat(501) }, '--reason is 501 characters; at most 500'],
    [{ action: 'pause' as const, reason: 'x', until: 'tomorrow' }, '--until must be an ISO-8601 time'],
    [{ action: 'pause' as const, reason: 'x', until: '2026-03-01' }, '--until must be an ISO-8601 time'],
    [{ action: 'pause' as const, reason: 'x', until: isoAt(0) }, 'is not in the future'],
    [
      { action: 'resume' as const, reason: 'x', until: isoAt(60) },
      '--until applies to pause and evacuate only',
    ],
  ])('refuses %j before anything is sent', (request, message) => {
    const build = () => buildCommand({ workload: 'checkout-api', issuedAt: at(0), ...request });
    expect(build).toThrow(CommandError);
    expect(build).toThrow(message);
  });

  it('takes until on an evacuation, in the one UTC form', () => {
    const command = buildCommand({
      workload: 'checkout-api',
      action: 'evacuate',
      reason: 'dc1 power work',
      until: '2026-03-01T15:00:00+02:00',
      issuedAt: at(0),
      id: 'cmd-e',
    });
    expect(command).toEqual({
      id: 'cmd-e',
      workload: 'checkout-api',
      action: 'evacuate',
      reason: 'dc1 power work',
      until: isoAt(3600),
      issuedAt: isoAt(0),
    });
  });
});
