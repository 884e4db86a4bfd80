import * as z from 'zod';

/** AWS region names such as `eu-west-1`; validated by shape so a typo fails at load, not at RunTask. */
const regionName = z
  .string()
  .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region name such as eu-west-1');

/** Names that end up in DynamoDB keys, execution names and ECS tags: keep them boring. */
const slug = z
  .string()
  .min(1)
  .max(40)
  .regex(
    /^[a-z0-9][a-z0-9-]*$/,
    'must be lower-case letters, digits and dashes, starting with a letter or digit',
  );

export const environmentNames = ['local', 'dev', 'staging', 'prod'] as const;

const siteSchema = z.strictObject({
  id: slug,
  kind: z.enum(['onprem', 'cloud']),
  description: z.string().max(200).optional(),
});

const taskDefinitionSchema = z.strictObject({
  /** ECS task definition family; one per workload and region. */
  family: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, 'must be a valid task definition family'),
  image: z.string().min(1),
  /** Fargate CPU units (256 = 0.25 vCPU). */
  cpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)]),
  /** Fargate memory in MiB. */
  memoryMiB: z.number().int().min(512).max(30720),
  containerPort: z.number().int().min(1).max(65535),
});

const networkSchema = z.strictObject({
  subnets: z.array(z.string().min(1)).min(1),
  securityGroups: z.array(z.string().min(1)).min(1),
  assignPublicIp: z.boolean().default(false),
});

const burstRegionSchema = z.strictObject({
  region: regionName,
  cluster: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, 'must be a valid ECS cluster name'),
  taskDefinition: taskDefinitionSchema,
  network: networkSchema,
  /** ELBv2 target group (ip type) that burst tasks join; drains deregister them first. */
  targetGroupArn: z.string().startsWith('arn:').optional(),
  /** Upper bound of burst tasks in this region; the workload's maxBurstTasks when absent. */
  maxTasks: z.number().int().min(1).max(1000).optional(),
  /**
   * Lower is preferred; regions without one rank by their position in the list (1, 2, …). Regions
   * of equal preference tie, and the cheaper one (costPerTaskHour) wins the tie.
   */
  preference: z.number().int().min(1).max(100).optional(),
  /** Share of new tasks when the workload spreads (`placement: spread`); 1 when absent. */
  weight: z.number().int().min(1).max(100).optional(),
  /**
   * Estimated cost of one on-demand task-hour here, in the currency the spend guards use. Breaks
   * preference ties, prices `status`, and feeds the spend guards; unknown (0) when absent.
   */
  costPerTaskHour: z.number().min(0).max(1000).optional(),
  /**
   * Run part of the burst on Fargate Spot: the first `onDemandBase` live tasks of this region run
   * on demand, the rest on Spot. When Spot has no capacity the launch falls back to on demand here,
   * then to the next region.
   */
  fargateSpot: z
    .strictObject({
      onDemandBase: z.number().int().min(0).max(1000).default(0),
      /** Estimated cost of a Spot task-hour; costPerTaskHour when absent (a safe over-estimate). */
      costPerTaskHour: z.number().min(0).max(1000).optional(),
    })
    .optional(),
});

const workloadSchema = z
  .strictObject({
    name: slug,
    homeSite: slug,
    /** Burst regions in order of preference: the first with room wins. */
    burstRegions: z.array(burstRegionSchema).min(1),
    minBurstTasks: z.number().int().min(0).default(0),
    maxBurstTasks: z.number().int().min(1).max(1000),
    scaleOutStep: z.number().int().min(1).max(100).default(1),
    scaleInStep: z.number().int().min(1).max(100).default(1),
    scaleOutCooldownSeconds: z.number().int().min(0).max(86_400).default(60),
    scaleInCooldownSeconds: z.number().int().min(0).max(86_400).default(300),
    /** How long a draining task keeps serving after it leaves the target group, before StopTask. */
    drainSeconds: z.number().int().min(0).max(86_400).default(30),
    /**
     * Multiplies scaleOutStep by the highest severity firing (docs/operations.md). Absent: every
     * severity is one step, as before severities counted.
     */
    severitySteps: z
      .strictObject({
        info: z.number().int().min(0).max(10).default(0),
        warning: z.number().int().min(0).max(10).default(1),
        critical: z.number().int().min(0).max(10).default(2),
      })
      .optional(),
    /**
     * Hysteresis: scale in only once no alert has fired or resolved for this long, so a flapping
     * alert does not flap tasks. Not set: only scaleInCooldownSeconds applies.
     */
    scaleInStabilisationSeconds: z.number().int().min(0).max(86_400).optional(),
    /** A burst task is not scaled in by the policy before it has run this long (operator drains may). */
    minBurstSeconds: z.number().int().min(0).max(86_400).optional(),
    /** Proportional sizing from a signal's metric value: desired capacity = ceil(capacity × value / target). */
    scaleOnMetric: z.strictObject({ target: z.number().positive() }).optional(),
    /**
     * Tasks the home site runs, counted as capacity by proportional sizing; 1 when absent (kept
     * optional rather than defaulted so workload objects built in code stay valid).
     */
    homeCapacityTasks: z.number().int().min(1).max(10_000).optional(),
    /**
     * `ordered` (the default) fills regions by preference; `spread` places new tasks so each
     * healthy region's share of the burst follows its weight.
     */
    placement: z.enum(['ordered', 'spread']).optional(),
    /** Spend guard: no scale-out that would take this workload's estimated burst cost above this per hour. */
    maxBurstCostPerHour: z.number().min(0).optional(),
  })
  .superRefine((workload, ctx) => {
    if (workload.minBurstTasks > workload.maxBurstTasks) {
      ctx.addIssue({
        code: 'custom',
        path: ['minBurstTasks'],
        message: `minBurstTasks (${workload.minBurstTasks}) exceeds maxBurstTasks (${workload.maxBurstTasks})`,
      });
    }
    const seen = new Set<string>();
    workload.burstRegions.forEach((burstRegion, index) => {
      if (seen.has(burstRegion.region)) {
        ctx.addIssue({
          code: 'custom',
          path: ['burstRegions', index, 'region'],
          message: `region ${burstRegion.region} is listed twice`,
        });
      }
      seen.add(burstRegion.region);
    });
  });

const alarmMappingSchema = z.strictObject({
  /** Alarm name to match, exactly or as a prefix. */
  alarmName: z.string().min(1).max(255),
  match: z.enum(['exact', 'prefix']).default('exact'),
  workload: slug,
  severity: z.enum(['info', 'warning', 'critical']).default('warning'),
});

/**
 * Per-source settings of `signals.<source>`: how an alert names its workload, and how the sender
 * authenticates (docs/ingest.md). Secrets are referenced by name, never written here.
 */
const secretName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be letters, digits, dot, dash or underscore')
  .refine((name) => name !== 'tokens', "'tokens' is reserved for the legacy bearer token list");

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an HTTP header name')
  .transform((name) => name.toLowerCase());

/** How far a signed timestamp may be from Spillway's clock, either way. */
const replayWindowSeconds = z.number().int().min(30).max(3600).default(300);

const bearerAuth = z.strictObject({
  scheme: z.literal('bearer'),
  /** Entry in the webhook secret holding the accepted tokens; the source name when absent. */
  secret: secretName.optional(),
});
const basicAuth = z.strictObject({
  scheme: z.literal('basic'),
  /** Entry holding accepted `user:password` pairs; the source name when absent. */
  secret: secretName.optional(),
});
const grafanaHmacAuth = z.strictObject({
  scheme: z.literal('hmac-grafana'),
  secret: secretName.optional(),
  signatureHeader: headerName.default('x-grafana-alerting-signature'),
  /** Grafana's optional "Timestamp Header"; when set, the timestamp is signed and checked. */
  timestampHeader: headerName.optional(),
  replayWindowSeconds,
});
const standardWebhooksAuth = z.strictObject({
  scheme: z.literal('standard-webhooks'),
  /** Entry holding `whsec_…` secrets; the source name when absent. */
  secret: secretName.optional(),
  replayWindowSeconds,
});
const snsAuth = z.strictObject({
  scheme: z.literal('sns'),
  /** Topics whose notifications are accepted; SNS signs for every topic, so this list is required. */
  topicArns: z
    .array(z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/))
    .default([]),
});

export const authSchemes = ['bearer', 'basic', 'hmac-grafana', 'standard-webhooks', 'sns'] as const;

const workloadMappingSchema = z.strictObject({
  match: z.enum(['exact', 'prefix']).default('exact'),
  workload: slug,
});

/** Icinga and Nagios: a host (and optionally one of its services) names a workload. */
const hostMappingSchema = z.strictObject({
  host: z.string().min(1).max(255),
  match: z.enum(['exact', 'prefix']).default('exact'),
  /** Only this service of the host; every service and the host check when absent. */
  service: z.string().min(1).max(255).optional(),
  workload: slug,
});

const monitorHostsSchema = z
  .strictObject({
    hosts: z.array(hostMappingSchema).default([]),
    auth: z
      .discriminatedUnion('scheme', [standardWebhooksAuth, bearerAuth, basicAuth])
      .default({ scheme: 'standard-webhooks', replayWindowSeconds: 300 }),
  })
  .prefault({});

const signalsSchema = z
  .strictObject({
    alertmanager: z
      .strictObject({
        /** The alert label whose value names the workload. */
        workloadLabel: z.string().min(1).default('workload'),
        auth: z.discriminatedUnion('scheme', [bearerAuth, basicAuth]).default({ scheme: 'bearer' }),
      })
      .prefault({}),
    grafana: z
      .strictObject({
        workloadLabel: z.string().min(1).default('workload'),
        auth: z
          .discriminatedUnion('scheme', [bearerAuth, basicAuth, grafanaHmacAuth])
          .default({ scheme: 'bearer' }),
      })
      .prefault({}),
    zabbix: z
      .strictObject({
        /** The event tag whose value names the workload. */
        workloadTag: z.string().min(1).default('workload'),
        /** Host groups that name a workload, when the event has no workload tag. */
        hostGroups: z.array(workloadMappingSchema.extend({ group: z.string().min(1).max(255) })).default([]),
        auth: z.discriminatedUnion('scheme', [bearerAuth, basicAuth]).default({ scheme: 'bearer' }),
      })
      .prefault({}),
    datadog: z
      .strictObject({
        /** The monitor tag (`workload:checkout-api`) whose value names the workload. */
        workloadTag: z.string().min(1).default('workload'),
        auth: z.discriminatedUnion('scheme', [bearerAuth, basicAuth]).default({ scheme: 'bearer' }),
      })
      .prefault({}),
    icinga: monitorHostsSchema,
    nagios: monitorHostsSchema,
    'cloudwatch-sns': z
      .strictObject({
        /** Alarms map to workloads through `signals.cloudwatch.alarms`, whichever way they arrive. */
        auth: snsAuth.default({ scheme: 'sns', topicArns: [] }),
      })
      .prefault({}),
    generic: z
      .strictObject({
        auth: z
          .discriminatedUnion('scheme', [standardWebhooksAuth, bearerAuth, basicAuth])
          .default({ scheme: 'standard-webhooks', replayWindowSeconds: 300 }),
      })
      .prefault({}),
    cloudwatch: z
      .strictObject({
        alarms: z.array(alarmMappingSchema).default([]),
      })
      .prefault({}),
  })
  .prefault({});

const isoInstant = z.iso.datetime({
  offset: true,
  message: 'must be an ISO-8601 date-time such as 2026-12-01T02:00:00Z',
});

const maintenanceWindowSchema = z
  .strictObject({
    name: slug,
    site: slug,
    start: isoInstant,
    end: isoInstant,
    /** How long before `start` the evacuation begins, so tasks are serving when the site goes. */
    leadSeconds: z.number().int().min(0).max(86_400).default(900),
    workloads: z.array(slug).min(1).optional(),
    reason: z.string().min(1).max(200).optional(),
  })
  .superRefine((window, ctx) => {
    if (Date.parse(window.end) <= Date.parse(window.start))
      ctx.addIssue({
        code: 'custom',
        path: ['end'],
        message: `end (${window.end}) is not after start (${window.start})`,
      });
  });

export const spillwayConfigSchema = z
  .strictObject({
    environment: z.enum(environmentNames),
    controlRegion: regionName,
    sites: z.array(siteSchema).min(1),
    workloads: z.array(workloadSchema).min(1),
    signals: signalsSchema,
    /** How long decision log entries are kept. */
    decisionLogRetentionDays: z.number().int().min(1).max(3650).default(30),
    /** Spend guard for the environment: no scale-out that takes all workloads' estimated burst cost above this per hour. */
    spendGuard: z.strictObject({ maxCostPerHour: z.number().min(0) }).optional(),
    /**
     * Planned maintenance of a site: each listed workload (all whose home is the site when none are
     * listed) is evacuated to its burst regions `leadSeconds` before `start`, and drained back at
     * `end`. Deployed as EventBridge Scheduler one-time schedules; run by a timer locally.
     */
    maintenanceWindows: z.array(maintenanceWindowSchema).default([]),
  })
  .superRefine((config, ctx) => {
    const siteIds = new Set(config.sites.map((site) => site.id));
    const workloadNames = new Set<string>();
    config.workloads.forEach((workload, index) => {
      if (workloadNames.has(workload.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['workloads', index, 'name'],
          message: `workload ${workload.name} is defined twice`,
        });
      }
      workloadNames.add(workload.name);
      if (!siteIds.has(workload.homeSite)) {
        ctx.addIssue({
          code: 'custom',
          path: ['workloads', index, 'homeSite'],
          message: `home site ${workload.homeSite} is not one of the sites (${[...siteIds].join(', ')})`,
        });
      }
    });
    config.maintenanceWindows.forEach((window, index) => {
      if (!siteIds.has(window.site))
        ctx.addIssue({
          code: 'custom',
          path: ['maintenanceWindows', index, 'site'],
          message: `site ${window.site} is not one of the sites (${[...siteIds].join(', ')})`,
        });
      (window.workloads ?? []).forEach((name, w) => {
        if (!workloadNames.has(name))
          ctx.addIssue({
            code: 'custom',
            path: ['maintenanceWindows', index, 'workloads', w],
            message: `maintenance window names unknown workload ${name}`,
          });
      });
    });
    // Every mapping from a monitor's names to a workload must name a workload that exists: a
    // typo would otherwise surface only as a 422 when the monitor first fires.
    const mappings: [readonly PropertyKey[], readonly { workload: string }[]][] = [
      [['signals', 'cloudwatch', 'alarms'], config.signals.cloudwatch.alarms],
      [['signals', 'zabbix', 'hostGroups'], config.signals.zabbix.hostGroups],
      [['signals', 'icinga', 'hosts'], config.signals.icinga.hosts],
      [['signals', 'nagios', 'hosts'], config.signals.nagios.hosts],
    ];
    for (const [path, entries] of mappings) {
      entries.forEach((mapping, index) => {
        if (!workloadNames.has(mapping.workload)) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, index, 'workload'],
            message: `mapping names unknown workload ${mapping.workload}`,
          });
        }
      });
    }
  });

export type SpillwayConfig = z.infer<typeof spillwayConfigSchema>;
export type WorkloadConfig = SpillwayConfig['workloads'][number];
export type BurstRegionConfig = WorkloadConfig['burstRegions'][number];
export type AlarmMapping = SpillwayConfig['signals']['cloudwatch']['alarms'][number];
export type SignalsConfig = SpillwayConfig['signals'];
/** How one webhook source authenticates its sender. */
export type SourceAuth = SignalsConfig[Exclude<keyof SignalsConfig, 'cloudwatch'>]['auth'];
export type MaintenanceWindow = SpillwayConfig['maintenanceWindows'][number];
export type HostMapping = SignalsConfig['icinga']['hosts'][number];
