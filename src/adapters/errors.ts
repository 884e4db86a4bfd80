/** Base of every adapter error: the service, the operation and the cause, for one log line. */
export class AdapterError extends Error {
  override readonly name: string = 'AdapterError';
  constructor(
    message: string,
    readonly service: string,
    readonly operation: string,
    options?: ErrorOptions & { retryable?: boolean },
  ) {
    super(message, options);
    this.retryable = options?.retryable ?? true;
  }
  /** False for faults a retry cannot fix (access denied, invalid parameters). */
  readonly retryable: boolean;
}

const permanentErrorNames = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedOperation',
  'InvalidParameterException',
  'ValidationException',
  'ClientException',
  'ClusterNotFoundException',
  'ResourceNotFoundException',
]);

export function isPermanent(error: unknown): boolean {
  return error instanceof Error && permanentErrorNames.has(error.name);
}

export function wrap(service: string, operation: string, error: unknown): AdapterError {
  const cause = error instanceof Error ? error : new Error(String(error));
  return new AdapterError(
    `${service} ${operation} failed: ${cause.name}: ${cause.message}`,
    service,
    operation,
    {
      cause,
      retryable: !isPermanent(cause),
    },
  );
}
