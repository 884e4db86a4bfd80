/**
 * The environment variables the functions read, named once: CDK sets them, the local runtime
 * sets them, and only `./settings.ts` reads them.
 */
export const ENV = {
  /** Path of the Spillway config file; in Lambda the bundled `spillway-config.json`. */
  config: 'SPILLWAY_CONFIG',
  /** Control-region DynamoDB table: workload state and decision log. */
  stateTable: 'SPILLWAY_STATE_TABLE',
  /** URL of the signals queue. */
  signalsQueueUrl: 'SPILLWAY_SIGNALS_QUEUE_URL',
  /** Name of the drain ledger table, the same in every burst region. */
  drainLedgerTable: 'SPILLWAY_DRAIN_LEDGER_TABLE',
  /** JSON object: burst region → drain state machine ARN. */
  drainStateMachines: 'SPILLWAY_DRAIN_STATE_MACHINES',
  /** Optional endpoint for every AWS client (LocalStack, moto); unset on AWS. */
  awsEndpoint: 'SPILLWAY_AWS_ENDPOINT',
  /** Local runtime only: the webhook bearer token itself. */
  webhookToken: 'SPILLWAY_WEBHOOK_TOKEN',
  /**
   * On AWS: ARN of the Secrets Manager secret holding every source's webhook credentials (one
   * JSON secret with an entry per source; docs/ingest.md).
   */
  webhookTokenSecretArn: 'SPILLWAY_WEBHOOK_TOKEN_SECRET_ARN',
  /** Local runtime only: webhook secrets as JSON, in the layout of the Secrets Manager secret. */
  webhookSecrets: 'SPILLWAY_WEBHOOK_SECRETS',
  /** Local runtime only: a file holding that JSON, re-read while running. */
  webhookSecretsFile: 'SPILLWAY_WEBHOOK_SECRETS_FILE',
  /**
   * Local runtime and tests only: a PEM that stands in for SNS's signing certificates, honoured only
   * together with SPILLWAY_AWS_ENDPOINT (an emulator), never on AWS.
   */
  snsCertificateFile: 'SPILLWAY_SNS_CERTIFICATE_FILE',
} as const;

/** Name of the file the CDK bundling step writes the environment's validated config to. */
export const BUNDLED_CONFIG_FILE = 'spillway-config.json';

/** Resource names that must be predictable across stacks and regions. */
export const resourceNames = (environment: string) => ({
  drainStateMachine: `spillway-${environment}-drain`,
  drainLedgerTable: `spillway-${environment}-drain-ledger`,
  stateTable: `spillway-${environment}-state`,
  signalsQueue: `spillway-${environment}-signals`,
  signalsDlq: `spillway-${environment}-signals-dlq`,
  taskExecutionRole: (region: string) => `spillway-${environment}-task-execution-${region}`,
  /** The role burst task containers run as; RunTask passes it, so it needs a predictable name. */
  burstTaskRole: (region: string) => `spillway-${environment}-burst-task-${region}`,
});
