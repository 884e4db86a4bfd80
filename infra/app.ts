import { App } from 'aws-cdk-lib';
import { ConfigError } from '../src/config/load';
import { TopologyError } from './burst-topology';
import { DeployEnvironmentError } from './deploy-environment';
import { buildSpillwayApp } from './spillway-app';

/** The CDK app: `npx cdk synth -c env=<dev|staging|prod>`. */
const app = new App();
try {
  buildSpillwayApp(app);
} catch (error) {
  // A wrong flag or config is the user's to fix: the message names it, a stack trace would bury it.
  if (
    error instanceof DeployEnvironmentError ||
    error instanceof ConfigError ||
    error instanceof TopologyError
  ) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
