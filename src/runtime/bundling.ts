/**
 * How every function is bundled, shared by the CDK construct and `make bench` so the bench
 * measures what is deployed.
 */

/** Node 22 loads the bundle as ESM; some bundled dependencies still call `require`. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * Credential providers the SDK's default chain imports lazily and a Lambda function never
 * reaches: Lambda puts credentials in the environment, which the chain tries first. Left out of
 * the bundle (about 70 KB); should one ever be needed, the nodejs22.x runtime ships them.
 */
export const LAMBDA_EXTERNAL_MODULES: readonly string[] = [
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/nested-clients',
];
