import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../src/adapters/client-config';
import { STATE_SCHEMA_VERSION, StateItemInvalid } from '../../src/adapters/state-codec';
import { listDeadLetters } from '../../src/cli/dlq';
import type { SignalEnvelope } from '../../src/core/signal';
import { alertmanagerBody, eventually, type Harness, startHarness } from './harness';

const dynamoOf = (harness: Harness) =>
  new DynamoDBClient(
    clientConfig(harness.runtime.provisioned.effectiveConfig.controlRegion, harness.runtime.endpoint),
  );

/** The raw state item of a workload, as the console shows it. */
async function stateItem(harness: Harness, workload: string) {
  const { Item } = await dynamoOf(harness).send(
    new GetItemCommand({
      TableName: harness.runtime.provisioned.stateTable,
      Key: marshall({ pk: `WORKLOAD#${workload}`, sk: 'STATE' }),
      ConsistentRead: true,
    }),
  );
  return Item ? unmarshall(Item) : undefined;
}

async function putStateItem(harness: Harness, item: Record<string, unknown>) {
  await dynamoOf(harness).send(
    new PutItemCommand({ TableName: harness.runtime.provisioned.stateTable, Item: marshall(item) }),
  );
}

const envelope = (workload: string, id: string): SignalEnvelope => ({
  kind: 'signal',
  version: 1,
  signal: {
    id: `sig-${id}`,
    source: 'alertmanager',
    workload,
    alertKey: `alertmanager:${id}`,
    state: 'firing',
    severity: 'critical',
    observedAt: new Date().toISOString(),
    dedupKey: `alertmanager:${id}-episode`,
  },
});

describe('state items in the emulator', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.runtime.stop();
  });

  it('reads an item of schema version 1 and writes it back in the current version', async () => {
    // Prepare: a state written before schema versions, the state as a nested map
    const observedAt = new Date(Date.now() - 60_000).toISOString();
    const old = {
      source: 'alertmanager',
      state: 'resolved',
      severity: 'warning',
      observedAt,
    };
    await putStateItem(harness, {
      pk: 'WORKLOAD#duplicates',
      sk: 'STATE',
      version: 3,
      state: {
        workload: 'duplicates',
        alerts: { 'alertmanager:before-upgrade': old },
        applied: { 'alertmanager:before-upgrade-episode': new Date(Date.now() + 3_600_000).toISOString() },
        pendingLaunches: [],
        tasks: {},
      },
      updatedAt: observedAt,
    });
    const read = await harness.store.load('duplicates');

    // Act: a signal makes the decide function write the state
    const response = await harness.post(
      'alertmanager',
      alertmanagerBody({
        workload: 'duplicates',
        status: 'firing',
        fingerprint: 'after-upgrade',
        startsAt: new Date().toISOString(),
      }),
    );

    // Assess: read as it was, then rewritten as one JSON string with the old alert kept
    expect(response.status).toBe(202);
    expect(read.alerts['alertmanager:before-upgrade']).toEqual(old);
    const rewritten = await eventually(async () => {
      const item = await stateItem(harness, 'duplicates');
      return item?.schemaVersion === STATE_SCHEMA_VERSION ? item : undefined;
    }, 'the state item to be rewritten');
    expect(typeof rewritten.state).toBe('string');
    expect(rewritten.version).toBeGreaterThan(3);
    const stored = JSON.parse(rewritten.state as string);
    expect(stored.alerts['alertmanager:before-upgrade']).toEqual(old);
    expect(Object.keys(stored.alerts)).toHaveLength(2);
  });

  it('fails the workload of an unreadable item alone, and dead-letters its messages with the reason', async () => {
    // Prepare: an item a newer Spillway wrote (a rollback), next to a workload in good order
    await putStateItem(harness, {
      pk: 'WORKLOAD#alarm-driven',
      sk: 'STATE',
      schemaVersion: STATE_SCHEMA_VERSION + 1,
      version: 9,
      state: '{"a":"shape this code does not know"}',
    });

    // Act: one batch with a signal for each
    const load = harness.store.load('alarm-driven').catch((error: unknown) => error);
    const states = await harness.store.loadStates(['alarm-driven', 'orphans']);
    const sent = await harness.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: harness.runtime.provisioned.signalsQueueUrl,
        Entries: [
          { Id: 'unreadable', MessageBody: JSON.stringify(envelope('alarm-driven', 'unreadable')) },
          { Id: 'readable', MessageBody: JSON.stringify(envelope('orphans', 'readable')) },
        ],
      }),
    );

    // Assess: the reads say why; the other workload decides; the message is dead-lettered
    const refused = await load;
    expect(refused).toBeInstanceOf(StateItemInvalid);
    expect((refused as Error).message).toContain(
      `state item of workload alarm-driven (schema version ${STATE_SCHEMA_VERSION + 1}) is invalid at schemaVersion`,
    );
    expect([...states.keys()]).toEqual(['orphans']);
    await eventually(async () => {
      const decisions = await harness.store.recentDecisions('orphans');
      return (
        decisions.some((d) => d.signals.some((s) => s.dedupKey === 'alertmanager:readable-episode')) ||
        undefined
      );
    }, 'a decision for the readable workload');
    const unreadableId = sent.Successful?.find((s) => s.Id === 'unreadable')?.MessageId;
    const [dead] = await eventually(async () => {
      const letters = await listDeadLetters(
        harness.sqs,
        harness.runtime.provisioned.signalsDlqUrl,
        harness.store,
      );
      return letters.length > 0 ? letters : undefined;
    }, "the unreadable workload's message in the dead-letter queue");
    expect(dead?.messageId).toBe(unreadableId);
    expect(dead?.reason).toMatch(
      /^workload alarm-driven: state item of workload alarm-driven .* roll forward$/,
    );
  });
});
