import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { genericPayloadSchema } from '../../../../src/core/normalise/generic';

describe('schemas/generic-signal.v1.json', () => {
  it('publishes exactly the body the generic normaliser accepts', () => {
    // Prepare
    const published = JSON.parse(
      readFileSync(resolve(import.meta.dirname, '../../../../schemas/generic-signal.v1.json'), 'utf8'),
    );
    const { $id, title, description, ...schema } = published;

    // Assess: regenerate the file from z.toJSONSchema(genericPayloadSchema, { io: 'input' }) when this fails
    expect(schema).toEqual(z.toJSONSchema(genericPayloadSchema, { io: 'input' }));
    expect([$id, title, typeof description]).toEqual([
      'urn:spillway:schema:generic-signal:v1',
      'spillway.signal/v1',
      'string',
    ]);
  });
});
