import type { MiddlewareStack } from '@smithy/types';

/** The Lambda functions, by the name their logs and roles carry. */
export type FunctionName = 'ingest' | 'decide' | 'reconcile';

/** What a hook may touch of an SDK client: its middleware stack and its resolved region. */
export interface HookableClient {
  // biome-ignore lint/suspicious/noExplicitAny: every SDK client has its own input and output unions.
  readonly middlewareStack: MiddlewareStack<any, any>;
  readonly config: { readonly region: () => Promise<string> };
}

type ClientHook = (fn: FunctionName, client: HookableClient) => void;

let hook: ClientHook | undefined;

/**
 * Lets the local runtime see every client a function's adapters create (it records their calls to
 * prove the deployed roles allow them). Never set on Lambda, where `observed` costs one check per
 * client, at cold start.
 */
export function setClientHook(next: ClientHook | undefined): void {
  hook = next;
}

/** Returns `client` after showing it to the hook, when one is set. */
export function observed<C extends HookableClient>(fn: FunctionName, client: C): C {
  hook?.(fn, client);
  return client;
}
