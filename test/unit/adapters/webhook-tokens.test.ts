import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { AdapterError } from '../../../src/adapters/errors';
import {
  localSecrets,
  parseTokens,
  parseWebhookSecrets,
  secretsManagerSecrets,
  TOKEN_CACHE_SECONDS,
} from '../../../src/adapters/webhook-tokens';
import { FakeClock } from '../fakes';

/** A Secrets Manager client whose `send` answers from a list, one answer per call. */
function fakeSecrets(answers: (string | Error)[]) {
  const calls: unknown[] = [];
  const client = {
    send: async (command: { input: unknown }) => {
      calls.push(command.input);
      const answer = answers.shift();
      if (answer === undefined) throw new Error('no more answers');
      if (answer instanceof Error) throw answer;
      return { SecretString: answer };
    },
  } as unknown as SecretsManagerClient;
  return { client, calls };
}

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:spillway/webhook-AbCdEf';

describe('parseTokens', () => {
  it('reads a plain token, without surrounding blanks', () => {
    expect(parseTokens('  s3cret-token\n')).toEqual(['s3cret-token']);
  });

  it('reads the tokens of a rotation in progress', () => {
    expect(parseTokens('{"tokens": ["new-token", "old-token"]}')).toEqual(['new-token', 'old-token']);
  });

  it.each([
    ['an empty secret', '  ', 'webhook secret is empty'],
    ['a JSON secret without tokens', '{"token": "x"}', 'webhook secret must be a token or {"tokens": ["…"]}'],
    ['an empty token in the list', '{"tokens": ["a", ""]}', "entry 'tokens' is neither"],
    ['a token that is not a string', '{"tokens": ["a", 7]}', "entry 'tokens' is neither"],
  ])('refuses %s', (_, secret, message) => {
    expect(() => parseTokens(secret)).toThrow(message);
  });

  // BUG (reported): JSON.parse's SyntaxError quotes the text around the error (Node 20+), and the
  // ingest function logs that message when the token store fails: part of a token reaches the logs.
  it('refuses malformed JSON without quoting the secret in the error', () => {
    // Act
    let message = '';
    try {
      parseTokens('{"tokens": ["abc", oops-secret-token]}');
    } catch (error) {
      message = (error as Error).message;
    }

    // Assess
    expect(message).not.toBe('');
    expect(message).not.toMatch(/oops|secret-tok/);
  });
});

describe('secretsManagerSecrets', () => {
  it('fetches on first use and caches for TOKEN_CACHE_SECONDS', async () => {
    // Prepare
    const { client, calls } = fakeSecrets(['first', 'second']);
    const clock = new FakeClock();
    const secrets = secretsManagerSecrets(client, SECRET_ARN, clock.now);
    const tokens = () => secrets('alertmanager');

    // Act
    const one = await tokens();
    clock.advance(TOKEN_CACHE_SECONDS - 1);
    const two = await tokens();
    clock.advance(1);
    const three = await tokens();

    // Assess
    expect([one, two, three]).toEqual([['first'], ['first'], ['second']]);
    expect(calls).toEqual([{ SecretId: SECRET_ARN }, { SecretId: SECRET_ARN }]);
  });

  it('wraps a Secrets Manager failure in an AdapterError and tries again on the next call', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const { client } = fakeSecrets([throttled, 'tok']);
    const secrets = secretsManagerSecrets(client, SECRET_ARN, new FakeClock().now);
    const tokens = () => secrets('alertmanager');

    // Act
    const failure = await tokens().catch((error: unknown) => error);
    const recovered = await tokens();

    // Assess
    expect(failure).toBeInstanceOf(AdapterError);
    expect((failure as AdapterError).message).toBe(
      'secretsmanager GetSecretValue failed: ThrottlingException: Rate exceeded',
    );
    expect((failure as AdapterError).retryable).toBe(true);
    expect(recovered).toEqual(['tok']);
  });
});

describe('parseWebhookSecrets', () => {
  it('reads one entry per source, a string or a list during a rotation', () => {
    expect(
      parseWebhookSecrets('{"alertmanager": ["new", "old"], "grafana": "hmac-key", "generic": "whsec_abc="}'),
    ).toEqual({ alertmanager: ['new', 'old'], grafana: ['hmac-key'], generic: ['whsec_abc='] });
  });

  it('reads the legacy layouts as the alertmanager entry', () => {
    expect(parseWebhookSecrets('plain-token')).toEqual({ alertmanager: ['plain-token'] });
    expect(parseWebhookSecrets('{"tokens": ["a", "b"], "datadog": "c"}')).toEqual({
      alertmanager: ['a', 'b'],
      datadog: ['c'],
    });
  });

  it('refuses an entry that is neither a string nor a list of strings, without quoting values', () => {
    let message = '';
    try {
      parseWebhookSecrets('{"grafana": {"secret": "do-not-log-me"}}');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("entry 'grafana' is neither");
    expect(message).not.toContain('do-not-log-me');
  });
});

describe('secretsManagerSecrets, per source', () => {
  it('answers an empty list for a source the secret has no entry for', async () => {
    const { client } = fakeSecrets(['{"grafana": "k"}']);
    const secrets = secretsManagerSecrets(client, SECRET_ARN, new FakeClock().now);
    expect([await secrets('grafana'), await secrets('datadog'), await secrets('__proto__')]).toEqual([
      ['k'],
      [],
      [],
    ]);
  });
});

describe('localSecrets', () => {
  it('answers named entries from the JSON or the file, and the local token for every other source', async () => {
    // Prepare
    const file = join(mkdtempSync(join(tmpdir(), 'spillway-')), 'secrets.json');
    writeFileSync(file, '{"datadog": "from-file"}');
    const secrets = localSecrets({ token: 'tok', json: '{"grafana": ["from-env"]}', file });

    // Act
    const answers = [await secrets('grafana'), await secrets('datadog'), await secrets('alertmanager')];

    // Assess
    expect(answers).toEqual([['from-env'], ['from-file'], ['tok']]);
  });
});
