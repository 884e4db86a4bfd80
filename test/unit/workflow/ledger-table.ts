/**
 * A drain ledger table in memory that evaluates DynamoDB update and condition expressions, so the
 * conditional writes of the drain workflow (as written in its definition) and of the canceller
 * (as the DrainLedger adapter sends them) race against one row exactly as they do in DynamoDB.
 * It understands the subset Spillway writes: SET of placeholders; conditions of attribute_exists,
 * attribute_not_exists, =, <>, IN, AND, OR, NOT and parentheses. As in DynamoDB, a comparison
 * with an attribute the item does not have is false.
 */
import { BatchGetItemCommand, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { CONDITION_FAILED, drainWorkflowDefinition } from '../../../src/workflow/drain-definition';

type Value = Record<string, unknown>;
type Item = Record<string, Value>;

export interface UpdateRequest {
  readonly Key: { readonly taskArn: { readonly S: string } };
  readonly UpdateExpression: string;
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues: Record<string, Value>;
}

export class ConditionFailed extends Error {
  override readonly name = 'ConditionalCheckFailedException';
}

export class LedgerTable {
  readonly items = new Map<string, Item>();
  /** Every write tried, with whether it landed: the order a race was decided in. */
  readonly writes: { readonly condition?: string; readonly landed: boolean }[] = [];

  update(request: UpdateRequest): void {
    const key = request.Key.taskArn.S;
    const item = this.items.get(key);
    if (request.ConditionExpression) {
      const holds = evaluate(request.ConditionExpression, item, request);
      this.writes.push({ condition: request.ConditionExpression, landed: holds });
      if (!holds) throw new ConditionFailed('The conditional request failed');
    } else {
      this.writes.push({ landed: true });
    }
    const next: Item = { ...(item ?? { taskArn: { S: key } }) };
    const assignments = request.UpdateExpression.replace(/^SET\s+/, '').split(/\s*,\s*/);
    for (const assignment of assignments) {
      const [name, value] = assignment.split(/\s*=\s*/) as [string, string];
      next[attributeName(name, request)] = placeholderValue(value, request);
    }
    this.items.set(key, next);
  }

  /** A client for the DrainLedger adapter: UpdateItem and BatchGetItem against this table. */
  client(): DynamoDBClient {
    const send = async (command: unknown) => {
      if (command instanceof UpdateItemCommand) {
        this.update(command.input as unknown as UpdateRequest);
        return {};
      }
      if (command instanceof BatchGetItemCommand) {
        const [[table, request]] = Object.entries(command.input.RequestItems ?? {}) as [
          [string, { Keys: { taskArn: { S: string } }[] }],
        ];
        const found = request.Keys.flatMap((k) =>
          this.items.has(k.taskArn.S) ? [this.items.get(k.taskArn.S)] : [],
        );
        return { Responses: { [table]: found } };
      }
      throw new Error(`LedgerTable cannot answer ${String(command)}`);
    };
    return { send } as unknown as DynamoDBClient;
  }

  status(taskArn: string): string | undefined {
    return this.items.get(taskArn)?.status?.S as string | undefined;
  }

  drainId(taskArn: string): string | undefined {
    return this.items.get(taskArn)?.drainId?.S as string | undefined;
  }
}

function attributeName(placeholder: string, request: UpdateRequest): string {
  const name = request.ExpressionAttributeNames[placeholder];
  if (!name) throw new Error(`unknown attribute placeholder ${placeholder}`);
  return name;
}

function placeholderValue(placeholder: string, request: UpdateRequest): Value {
  const value = request.ExpressionAttributeValues[placeholder];
  if (!value) throw new Error(`unknown value placeholder ${placeholder}`);
  return value;
}

function evaluate(expression: string, item: Item | undefined, request: UpdateRequest): boolean {
  const tokens = expression.match(/\(|\)|,|<>|=|[#:]?[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
  let position = 0;
  const peek = () => tokens[position];
  const take = (expected?: string) => {
    const token = tokens[position++];
    if (expected && token !== expected)
      throw new Error(`expected ${expected}, got ${token} in ${expression}`);
    return token as string;
  };
  const operand = (token: string): Value | undefined =>
    token.startsWith('#') ? item?.[attributeName(token, request)] : placeholderValue(token, request);
  const same = (a: Value | undefined, b: Value | undefined) =>
    a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);

  const primary = (): boolean => {
    const token = take();
    if (token === '(') {
      const value = or();
      take(')');
      return value;
    }
    if (token === 'attribute_exists' || token === 'attribute_not_exists') {
      take('(');
      const present = operand(take()) !== undefined;
      take(')');
      return token === 'attribute_exists' ? present : !present;
    }
    const left = operand(token);
    const operator = take();
    if (operator === 'IN') {
      take('(');
      const candidates = [operand(take())];
      while (peek() === ',') {
        take(',');
        candidates.push(operand(take()));
      }
      take(')');
      return candidates.some((candidate) => same(left, candidate));
    }
    const right = operand(take());
    if (left === undefined || right === undefined) return false;
    if (operator === '=') return same(left, right);
    if (operator === '<>') return !same(left, right);
    throw new Error(`unsupported operator ${operator} in ${expression}`);
  };
  const not = (): boolean => {
    if (peek() === 'NOT') {
      take();
      return !not();
    }
    return primary();
  };
  const and = (): boolean => {
    let value = not();
    while (peek() === 'AND') {
      take();
      value = not() && value;
    }
    return value;
  };
  const or = (): boolean => {
    let value = and();
    while (peek() === 'OR') {
      take();
      value = and() || value;
    }
    return value;
  };
  const result = or();
  if (position !== tokens.length) throw new Error(`unparsed rest of ${expression}`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// The workflow's ledger writes, run one state at a time
// ---------------------------------------------------------------------------------------------

const states = (drainWorkflowDefinition() as { States: Record<string, Record<string, unknown>> }).States;

export interface Execution {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

/** Resolves a Parameters value the way Step Functions does, for the paths the ledger states use. */
function resolve(value: unknown, execution: Execution, enteredTime: string): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, execution, enteredTime));
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => {
      if (!key.endsWith('.$')) return [key, resolve(child, execution, enteredTime)];
      return [key.slice(0, -2), path(child as string, execution, enteredTime)];
    }),
  );
}

function path(expression: string, execution: Execution, enteredTime: string): unknown {
  if (expression === '$$.Execution.Name') return execution.name;
  if (expression === '$$.Execution.Id')
    return `arn:aws:states:us-west-2:123456789012:execution:drain:${execution.name}`;
  if (expression === '$$.State.EnteredTime') return enteredTime;
  const json = /^States\.JsonToString\((.+)\)$/.exec(expression);
  if (json) return JSON.stringify(path(json[1] as string, execution, enteredTime));
  if (!expression.startsWith('$.')) throw new Error(`unsupported path ${expression}`);
  return expression
    .slice(2)
    .split('.')
    .reduce<unknown>(
      (at, segment) => (at as Record<string, unknown> | undefined)?.[segment],
      execution.input,
    );
}

/**
 * Runs one ledger-writing Task state of the definition for an execution against the table, and
 * answers the state the execution goes to next: its Next, or where its Catch sends a condition
 * that did not hold.
 */
export function runLedgerState(
  table: LedgerTable,
  stateName: string,
  execution: Execution,
  enteredTime = '2026-03-01T12:00:00.000Z',
): string {
  const state = states[stateName];
  if (state?.Resource !== 'arn:aws:states:::dynamodb:updateItem')
    throw new Error(`${stateName} writes no ledger`);
  const parameters = resolve(state.Parameters, execution, enteredTime) as UpdateRequest;
  try {
    table.update(parameters);
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
    const catcher = (state.Catch as { ErrorEquals: string[]; Next: string }[] | undefined)?.find((c) =>
      c.ErrorEquals.includes(CONDITION_FAILED),
    );
    if (!catcher) throw new Error(`${stateName} does not catch ${CONDITION_FAILED}`);
    return catcher.Next;
  }
  return (state.Next as string | undefined) ?? 'End';
}
