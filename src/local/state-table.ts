import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The state table as the local runtime creates it: `pk` and `sk`, both strings, on demand, as the
 * control-plane stack declares it on AWS. Scripts and tests that stand up a table of that shape use
 * this one definition.
 */
export const stateTableInput = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  BillingMode: 'PAY_PER_REQUEST',
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
  ],
});
