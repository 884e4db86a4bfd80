import type { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../guardrails';

export interface WebhookApiProps {
  /** Deployment environment; names the API. */
  readonly environment: string;
  /** The function behind `POST /webhooks/{source}` and `POST /heartbeats/{site}`. */
  readonly handler: IFunction;
  /**
   * Steady-state request rate of the whole API, per second.
   * @default 50
   */
  readonly rateLimitPerSecond?: number;
  /**
   * Requests accepted in a burst above the steady rate.
   * @default 100
   */
  readonly burstLimit?: number;
  /** How long access logs are kept. */
  readonly accessLogRetention: RetentionDays;
  /** What happens to the access logs when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
}

/** One JSON line per request, with the fields an operator needs to trace a delivery. */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
});

/**
 * The HTTP API that on-prem monitors deliver webhooks to: `POST /webhooks/{source}`, throttled,
 * with JSON access logs. Monitors authenticate with a bearer token the ingest function checks.
 */
export class WebhookApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogGroup: LogGroup;

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);
    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention,
      removalPolicy: props.removalPolicy,
    });
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `spillway-${props.environment}-webhooks`,
      description: 'Spillway: monitor webhooks in, signals out',
      // The default stage is created below: the generated one cannot be throttled or logged.
      createDefaultStage: false,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimitPerSecond ?? 50, burstLimit: props.burstLimit ?? 100 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });
    const integration = new HttpLambdaIntegration('Ingest', props.handler);
    const [route] = this.httpApi.addRoutes({
      path: '/webhooks/{source}',
      methods: [HttpMethod.POST],
      integration,
    });
    // Sites' heartbeats: the same function authenticates them like a source (docs/site-loss.md).
    const [heartbeatRoute] = this.httpApi.addRoutes({
      path: '/heartbeats/{site}',
      methods: [HttpMethod.POST],
      integration,
    });
    if (heartbeatRoute)
      acknowledge(
        heartbeatRoute,
        'AwsSolutions-APIG4',
        "A site's heartbeat comes from a cron job or an on-prem monitor that cannot sign SigV4; the ingest " +
          'function checks the heartbeat scheme (bearer, basic or Standard Webhooks) in constant time and ' +
          'answers 401 before anything else.',
      );
    if (route) {
      acknowledge(
        route,
        'AwsSolutions-APIG4',
        'Monitors (Alertmanager, Grafana, Zabbix, Nagios, Datadog, SNS) cannot sign SigV4, and a Lambda ' +
          'authorizer never sees the body their HMAC or SNS signatures cover; the ingest function checks each ' +
          "source's scheme (bearer, basic, HMAC, Standard Webhooks, SNS signature) in constant time and answers " +
          '401 before parsing anything else.',
      );
    }
  }

  /** Base URL of the API; webhooks go to `<url>webhooks/<source>`. */
  get url(): string {
    return this.stage.url;
  }
}
