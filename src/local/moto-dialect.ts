/**
 * Adapts the drain workflow definition to the emulator's Step Functions executor, and says what it
 * changed. Moto passes `aws-sdk:*` parameters to boto3 unchanged and returns boto3's responses
 * unchanged, where AWS uses the SDK's PascalCase names for both; and it looks up boto3 clients by
 * the integration's service name, where boto3 calls `elasticloadbalancingv2` `elbv2`. On AWS the
 * definition is deployed exactly as written.
 *
 * The rewrite is safe because Spillway's own workflow fields are all camelCase: only AWS response
 * fields (`Tasks`, `LastStatus`) start with a capital, and those are what moto spells in camelCase.
 */
export interface DialectChange {
  readonly state: string;
  readonly change: string;
}

const SERVICE_RENAMES: Readonly<Record<string, string>> = { elasticloadbalancingv2: 'elbv2' };

/** Services whose boto3 parameter names are camelCase while the SDK's are PascalCase. */
const CAMEL_CASE_SERVICES = new Set(['ecs']);

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/** `$.picked.task.LastStatus` → `$.picked.task.lastStatus`; context paths (`$$.`) are left alone. */
export function camelCasePath(path: string): string {
  if (!path.startsWith('$.')) return path;
  return path.replace(/\.([A-Z][A-Za-z0-9]*)/g, (_, segment: string) => `.${lowerFirst(segment)}`);
}

/** Rewrites JSONPath references inside a value, including inside intrinsic function calls. */
function rewritePaths(value: unknown): unknown {
  if (typeof value === 'string') {
    if (value.startsWith('States.')) return value.replace(/\$\.[A-Za-z0-9_.[\]*]+/g, camelCasePath);
    return camelCasePath(value);
  }
  if (Array.isArray(value)) return value.map(rewritePaths);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, rewritePaths(child)]));
  }
  return value;
}

function camelCaseKeys(parameters: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(parameters).map(([key, value]) => [lowerFirst(key), value]));
}

export function toMotoDialect(definition: Record<string, unknown>): {
  definition: Record<string, unknown>;
  changes: DialectChange[];
} {
  const changes: DialectChange[] = [];
  const states = definition.States as Record<string, Record<string, unknown>>;
  const rewritten: Record<string, Record<string, unknown>> = {};
  for (const [name, original] of Object.entries(states)) {
    let state = { ...original };
    const resource = typeof state.Resource === 'string' ? state.Resource : '';
    const sdk = /^arn:aws:states:::aws-sdk:([a-z0-9]+):(.+)$/.exec(resource);
    if (sdk?.[1]) {
      const service = sdk[1];
      const renamed = SERVICE_RENAMES[service];
      if (renamed) {
        state.Resource = `arn:aws:states:::aws-sdk:${renamed}:${sdk[2]}`;
        changes.push({ state: name, change: `service ${service} → ${renamed}` });
      }
      if (CAMEL_CASE_SERVICES.has(service) && state.Parameters) {
        state.Parameters = camelCaseKeys(state.Parameters as Record<string, unknown>);
        changes.push({ state: name, change: `${service} parameter names in camelCase` });
      }
    }
    const before = JSON.stringify(state);
    for (const field of [
      'ResultSelector',
      'Parameters',
      'Choices',
      'Variable',
      'SecondsPath',
      'InputPath',
      'OutputPath',
    ]) {
      if (field in state) state = { ...state, [field]: rewritePaths(state[field]) };
    }
    if (
      JSON.stringify(state) !== before &&
      !changes.some((c) => c.state === name && c.change.includes('paths'))
    ) {
      changes.push({ state: name, change: 'response field paths in camelCase' });
    }
    rewritten[name] = state;
  }
  return { definition: { ...definition, States: rewritten }, changes };
}
