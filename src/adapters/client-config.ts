/**
 * Options shared by every SDK client. An explicit endpoint sends all calls to an emulator
 * (LocalStack, moto) instead of AWS; nothing else changes between the two.
 */
export function clientConfig(region: string, endpoint: string | undefined) {
  return {
    region,
    maxAttempts: 4,
    ...(endpoint ? { endpoint } : {}),
  };
}

/** One client per region, created on first use and kept for the life of the container. */
export function perRegion<T>(create: (region: string) => T): (region: string) => T {
  const clients = new Map<string, T>();
  return (region) => {
    let client = clients.get(region);
    if (!client) {
      client = create(region);
      clients.set(region, client);
    }
    return client;
  };
}
