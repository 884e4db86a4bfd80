// zod/mini rather than classic zod: this schema is in every Lambda bundle, and mini's functions
// tree-shake where classic's methods cannot (zod weighs about 35 KB minified in a bundle without
// classic zod, 92 KB with it). Same core, so the same parsing, issues and inferred types; parse.ts
// supplies the English messages mini leaves out.
import * as z from 'zod/mini';
import { notAnAwsRegion } from './aws-regions';
import { ratePeriodSeconds } from './schedule-rate';

/** An integer in [min, max]; checks in classic's order (integer, minimum, maximum), so issues come in it too. */
const integer = (min: number, max?: number) =>
  max === undefined
    ? z.number().check(z.int(), z.minimum(min))
    : z.number().check(z.int(), z.minimum(min), z.maximum(max));

const decimal = (min: number, max?: number) =>
  max === undefined ? z.number().check(z.minimum(min)) : z.number().check(z.minimum(min), z.maximum(max));

/**
 * The most burst tasks one workload may run. Its state is one DynamoDB item (limit 400 KB), and
 * every task is a record in it: with the rest of what the state remembers at its caps, this many
 * stay within the limit (test/unit/core/state-size.test.ts measures it). A larger burst is
 * several workloads.
 */
export const MAX_BURST_TASKS = 200;

const matchKind = z._default(z.enum(['exact', 'prefix']), 'exact');

/**
 * A region AWS has (the SDK's partition data), so a typo fails at load and at synth, naming the
 * regions it was probably meant to be, rather than at the first RunTask or in the emulator.
 */
const regionName = z.string().check(
  z.superRefine((name, ctx) => {
    const problem = notAnAwsRegion(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
);

/** Names that end up in DynamoDB keys, execution names and ECS tags: keep them boring. */
const slug = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(40),
    z.regex(
      /^[a-z0-9][a-z0-9-]*$/,
      'must be lower-case letters, digits and dashes, starting with a letter or digit',
    ),
  );

export const environmentNames = ['local', 'dev', 'staging', 'prod'] as const;

/**
 * How Spillway notices that a site has gone dark (docs/site-loss.md): the absence of its heartbeats,
 * confirmed by a probe from the cloud when the site has a witness.
 */
const siteHeartbeatSchema = z
  .strictObject({
    /** No heartbeat for this long (and the witness failing, when there is one): the site is lost. */
    lossAfterSeconds: z._default(integer(2, 86_400), 180),
    /** Heartbeats back and steady for this long: the site has recovered and its workloads drain home. */
    recoveryStableSeconds: z._default(integer(0, 86_400), 300),
    /**
     * A loss that ends within this long of its start puts the site on probation: a new loss is not
     * declared until this long after the last one began, nor within 2 × recoveryStableSeconds of
     * the recovery. 0: no probation.
     */
    flapWindowSeconds: z._default(integer(0, 7 * 86_400), 3600),
    /** Alertmanager's always-firing `Watchdog` alert counts as this site's heartbeat. */
    alertmanagerWatchdog: z._default(z.boolean(), false),
    /**
     * Labels a Watchdog alert must carry to be this site's (e.g. the Prometheus external label
     * `site`); needed when several sites use the Watchdog, absent: any Watchdog alert.
     */
    watchdogLabels: z.optional(z.record(z.string().check(z.minLength(1), z.maxLength(128)), z.string())),
    /**
     * A second, independent opinion: a cloud-side HTTP probe of a URL at the site, run by every
     * scheduled reconcile. With a witness, heartbeats alone never declare the site lost.
     */
    witness: z.optional(
      z.strictObject({
        url: z.string().check(z.regex(/^https?:\/\/\S+$/, 'must be an http:// or https:// URL')),
        timeoutSeconds: z._default(integer(1, 20), 5),
        expectStatus: z._default(integer(100, 599), 200),
      }),
    ),
    /**
     * Whether the evacuation of a lost site may take the burst above the spend guards (`exceed`,
     * said in the decision log and alarmed on) or stays within them (`respect`).
     */
    spendGuardDuringLoss: z._default(z.enum(['exceed', 'respect']), 'exceed'),
  })
  .check(
    z.superRefine((heartbeat, ctx) => {
      if (heartbeat.watchdogLabels && !heartbeat.alertmanagerWatchdog)
        ctx.addIssue({
          code: 'custom',
          path: ['watchdogLabels'],
          message: 'watchdogLabels needs alertmanagerWatchdog: true',
        });
    }),
  );

const siteSchema = z
  .strictObject({
    id: slug,
    kind: z.enum(['onprem', 'cloud']),
    description: z.optional(z.string().check(z.maxLength(200))),
    /** Watch the site for loss and evacuate its workloads when it goes dark (docs/site-loss.md). */
    heartbeat: z.optional(siteHeartbeatSchema),
  })
  .check(
    z.superRefine((site, ctx) => {
      if (site.heartbeat && site.kind !== 'onprem')
        ctx.addIssue({
          code: 'custom',
          path: ['heartbeat'],
          message: `site ${site.id} is a cloud site: only an on-prem site is watched for loss`,
        });
    }),
  );

const taskDefinitionSchema = z.strictObject({
  /** ECS task definition family; one per workload and region. */
  family: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,255}$/, 'must be a valid task definition family')),
  image: z.string().check(z.minLength(1)),
  /**
   * Where a burst task pulls its image from. `as-written`: the image reference as given. `burst-region`:
   * the burst region's own registry, so a burst does not pull across the WAN at the moment of the
   * peak: an ECR image from that region's copy of the repository (ECR replication to the burst
   * regions, which the registry owner sets up), an ECR Public image through a pull-through cache
   * rule the burst stack creates. Absent: `as-written`.
   */
  imageSource: z.optional(z.enum(['as-written', 'burst-region'])),
  /** Fargate CPU units (256 = 0.25 vCPU). */
  cpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)]),
  /** Fargate memory in MiB. */
  memoryMiB: integer(512, 30720),
  containerPort: integer(1, 65535),
});

const networkSchema = z.strictObject({
  subnets: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
  securityGroups: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
  assignPublicIp: z._default(z.boolean(), false),
});

const burstRegionSchema = z.strictObject({
  region: regionName,
  // ECS allows 255 characters; every burst task record carries the name twice (its own and its
  // task ARN's), and the workload state has to hold MAX_BURST_TASKS of them.
  cluster: z
    .string()
    .check(
      z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an ECS cluster name of at most 64 letters, digits, - or _'),
    ),
  taskDefinition: taskDefinitionSchema,
  network: networkSchema,
  /** ELBv2 target group (ip type) that burst tasks join; drains deregister them first. */
  targetGroupArn: z.optional(z.string().check(z.startsWith('arn:'))),
  /**
   * The target group's deregistration delay (ELB's default is 300 s). A drain that takes the task
   * out of the group waits at least this long before StopTask, so the connections ELB is still
   * draining are not cut when drainSeconds is shorter.
   */
  deregistrationDelaySeconds: z.optional(integer(0, 3600)),
  /** Upper bound of burst tasks in this region; the workload's maxBurstTasks when absent. */
  maxTasks: z.optional(integer(1, MAX_BURST_TASKS)),
  /**
   * Lower is preferred; regions without one rank by their position in the list (1, 2, …). Regions
   * of equal preference tie, and the cheaper one (costPerTaskHour) wins the tie.
   */
  preference: z.optional(integer(1, 100)),
  /** Share of new tasks when the workload spreads (`placement: spread`); 1 when absent. */
  weight: z.optional(integer(1, 100)),
  /**
   * Estimated cost of one on-demand task-hour here, in the currency the spend guards use. Breaks
   * preference ties, prices `status`, and feeds the spend guards; unknown (0) when absent.
   */
  costPerTaskHour: z.optional(decimal(0, 1000)),
  /**
   * Run part of the burst on Fargate Spot: the first `onDemandBase` live tasks of this region run
   * on demand, the rest on Spot. When Spot has no capacity the launch falls back to on demand here,
   * then to the next region.
   */
  fargateSpot: z.optional(
    z.strictObject({
      onDemandBase: z._default(integer(0, 1000), 0),
      /** Estimated cost of a Spot task-hour; costPerTaskHour when absent (a safe over-estimate). */
      costPerTaskHour: z.optional(decimal(0, 1000)),
    }),
  ),
});

const workloadSchema = z
  .strictObject({
    name: slug,
    homeSite: slug,
    /** Burst regions in order of preference: the first with room wins. */
    burstRegions: z.array(burstRegionSchema).check(z.minLength(1)),
    minBurstTasks: z._default(integer(0), 0),
    maxBurstTasks: integer(1, MAX_BURST_TASKS),
    scaleOutStep: z._default(integer(1, 100), 1),
    scaleInStep: z._default(integer(1, 100), 1),
    scaleOutCooldownSeconds: z._default(integer(0, 86_400), 60),
    scaleInCooldownSeconds: z._default(integer(0, 86_400), 300),
    /** How long a draining task keeps serving after it leaves the target group, before StopTask. */
    drainSeconds: z._default(integer(0, 86_400), 30),
    /**
     * Multiplies scaleOutStep by the highest severity firing (docs/operations.md). Absent: every
     * severity is one step, as before severities counted.
     */
    severitySteps: z.optional(
      z.strictObject({
        info: z._default(integer(0, 10), 0),
        warning: z._default(integer(0, 10), 1),
        critical: z._default(integer(0, 10), 2),
      }),
    ),
    /**
     * Hysteresis: scale in only once no alert has fired or resolved for this long, so a flapping
     * alert does not flap tasks. Not set: only scaleInCooldownSeconds applies.
     */
    scaleInStabilisationSeconds: z.optional(integer(0, 86_400)),
    /**
     * A firing alert no delivery has mentioned for this long stops counting as pressure (a lost
     * resolution must not hold a burst forever). Alertmanager re-sends firing alerts every
     * repeat_interval (4 h by default): absent, three of those (DEFAULT_ALERT_SILENCE_SECONDS in src/core/memory.ts).
     * 0: never, for senders that notify only on change (Zabbix, Nagios without re-notification).
     */
    alertSilenceSeconds: z.optional(integer(0, 30 * 86_400)),
    /** A burst task is not scaled in by the policy before it has run this long (operator drains may). */
    minBurstSeconds: z.optional(integer(0, 86_400)),
    /** Proportional sizing from a signal's metric value: desired capacity = ceil(capacity × value / target). */
    scaleOnMetric: z.optional(z.strictObject({ target: z.number().check(z.positive()) })),
    /**
     * Tasks the home site runs, counted as capacity by proportional sizing; 1 when absent (kept
     * optional rather than defaulted so workload objects built in code stay valid).
     */
    homeCapacityTasks: z.optional(integer(1, 10_000)),
    /**
     * `ordered` (the default) fills regions by preference; `spread` places new tasks so each
     * healthy region's share of the burst follows its weight.
     */
    placement: z.optional(z.enum(['ordered', 'spread'])),
    /** Spend guard: no scale-out that would take this workload's estimated burst cost above this per hour. */
    maxBurstCostPerHour: z.optional(decimal(0)),
    /**
     * Moving tasks back once a better region can take them (docs/placement.md): `preferred-region`
     * ranks regions as placement does, `cost` by costPerTaskHour first; `off` (the default) leaves
     * tasks where a fallback put them.
     */
    rebalance: z.optional(z.enum(['off', 'preferred-region', 'cost'])),
    /** Time between two moves of one workload; 300 when absent. */
    rebalanceIntervalSeconds: z.optional(integer(0, 86_400)),
    /** Tasks one move takes at most; 1 when absent. */
    rebalanceStep: z.optional(integer(1, 100)),
  })
  .check(
    z.superRefine((workload, ctx) => {
      if (workload.minBurstTasks > workload.maxBurstTasks) {
        ctx.addIssue({
          code: 'custom',
          path: ['minBurstTasks'],
          message: `minBurstTasks (${workload.minBurstTasks}) exceeds maxBurstTasks (${workload.maxBurstTasks})`,
        });
      }
      if (workload.placement === 'spread' && workload.rebalance && workload.rebalance !== 'off') {
        ctx.addIssue({
          code: 'custom',
          path: ['rebalance'],
          message: `rebalance ${workload.rebalance} moves tasks to the best-ranked region, which would undo placement: spread; use one or the other`,
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
    }),
  );

const alarmMappingSchema = z.strictObject({
  /** Alarm name to match, exactly or as a prefix. */
  alarmName: z.string().check(z.minLength(1), z.maxLength(255)),
  match: matchKind,
  workload: slug,
  severity: z._default(z.enum(['info', 'warning', 'critical']), 'warning'),
});

/**
 * Per-source settings of `signals.<source>`: how an alert names its workload, and how the sender
 * authenticates (docs/ingest.md). Secrets are referenced by name, never written here.
 */
const secretName = z.string().check(
  z.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be letters, digits, dot, dash or underscore'),
  z.refine((name) => name !== 'tokens', "'tokens' is reserved for the legacy bearer token list"),
);

const headerName = z.pipe(
  z.string().check(z.regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an HTTP header name')),
  z.transform((name: string) => name.toLowerCase()),
);

/** How far a signed timestamp may be from Spillway's clock, either way. */
const replayWindowSeconds = z._default(integer(30, 3600), 300);

const bearerAuth = z.strictObject({
  scheme: z.literal('bearer'),
  /** Entry in the webhook secret holding the accepted tokens; the source name when absent. */
  secret: z.optional(secretName),
});
const basicAuth = z.strictObject({
  scheme: z.literal('basic'),
  /** Entry holding accepted `user:password` pairs; the source name when absent. */
  secret: z.optional(secretName),
});
const grafanaHmacAuth = z.strictObject({
  scheme: z.literal('hmac-grafana'),
  secret: z.optional(secretName),
  signatureHeader: z._default(headerName, 'x-grafana-alerting-signature'),
  /** Grafana's optional "Timestamp Header"; when set, the timestamp is signed and checked. */
  timestampHeader: z.optional(headerName),
  replayWindowSeconds,
});
const standardWebhooksAuth = z.strictObject({
  scheme: z.literal('standard-webhooks'),
  /** Entry holding `whsec_…` secrets; the source name when absent. */
  secret: z.optional(secretName),
  replayWindowSeconds,
});
const snsAuth = z.strictObject({
  scheme: z.literal('sns'),
  /** Topics whose notifications are accepted; SNS signs for every topic, so this list is required. */
  topicArns: z._default(
    z.array(z.string().check(z.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/))),
    [],
  ),
});

export const authSchemes = ['bearer', 'basic', 'hmac-grafana', 'standard-webhooks', 'sns'] as const;

const workloadMappingSchema = z.strictObject({
  match: matchKind,
  workload: slug,
});

/** Icinga and Nagios: a host (and optionally one of its services) names a workload. */
const hostMappingSchema = z.strictObject({
  host: z.string().check(z.minLength(1), z.maxLength(255)),
  match: matchKind,
  /** Only this service of the host; every service and the host check when absent. */
  service: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
  workload: slug,
});

/** Bearer or basic: what a source that cannot sign its requests offers. */
const bearerOrBasic = z._default(z.discriminatedUnion('scheme', [bearerAuth, basicAuth]), {
  scheme: 'bearer',
});

const signedOrBearerOrBasic = z._default(
  z.discriminatedUnion('scheme', [standardWebhooksAuth, bearerAuth, basicAuth]),
  {
    scheme: 'standard-webhooks',
    replayWindowSeconds: 300,
  },
);

/** The alert label or event tag whose value names the workload. */
const workloadKey = z._default(z.string().check(z.minLength(1)), 'workload');

const monitorHostsSchema = z.prefault(
  z.strictObject({
    hosts: z._default(z.array(hostMappingSchema), []),
    auth: signedOrBearerOrBasic,
  }),
  {},
);

const signalsSchema = z.prefault(
  z.strictObject({
    alertmanager: z.prefault(
      z.strictObject({
        /** The alert label whose value names the workload. */
        workloadLabel: workloadKey,
        auth: bearerOrBasic,
      }),
      {},
    ),
    grafana: z.prefault(
      z.strictObject({
        workloadLabel: workloadKey,
        auth: z._default(z.discriminatedUnion('scheme', [bearerAuth, basicAuth, grafanaHmacAuth]), {
          scheme: 'bearer',
        }),
      }),
      {},
    ),
    zabbix: z.prefault(
      z.strictObject({
        /** The event tag whose value names the workload. */
        workloadTag: workloadKey,
        /** Host groups that name a workload, when the event has no workload tag. */
        hostGroups: z._default(
          z.array(
            z.extend(workloadMappingSchema, { group: z.string().check(z.minLength(1), z.maxLength(255)) }),
          ),
          [],
        ),
        auth: bearerOrBasic,
      }),
      {},
    ),
    datadog: z.prefault(
      z.strictObject({
        /** The monitor tag (`workload:checkout-api`) whose value names the workload. */
        workloadTag: workloadKey,
        auth: bearerOrBasic,
      }),
      {},
    ),
    icinga: monitorHostsSchema,
    nagios: monitorHostsSchema,
    'cloudwatch-sns': z.prefault(
      z.strictObject({
        /** Alarms map to workloads through `signals.cloudwatch.alarms`, whichever way they arrive. */
        auth: z._default(snsAuth, { scheme: 'sns', topicArns: [] }),
      }),
      {},
    ),
    generic: z.prefault(
      z.strictObject({
        auth: signedOrBearerOrBasic,
      }),
      {},
    ),
    /**
     * `POST /heartbeats/<site>`: a site saying it is alive (docs/site-loss.md). Bearer by default,
     * as a cron job's curl sends it; the secret entry is `heartbeats` unless named.
     */
    heartbeats: z.prefault(
      z.strictObject({
        auth: z._default(z.discriminatedUnion('scheme', [bearerAuth, basicAuth, standardWebhooksAuth]), {
          scheme: 'bearer',
        }),
      }),
      {},
    ),
    cloudwatch: z.prefault(
      z.strictObject({
        alarms: z._default(z.array(alarmMappingSchema), []),
      }),
      {},
    ),
  }),
  {},
);

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
    leadSeconds: z._default(integer(0, 86_400), 900),
    workloads: z.optional(z.array(slug).check(z.minLength(1))),
    reason: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  })
  .check(
    z.superRefine((window, ctx) => {
      if (Date.parse(window.end) <= Date.parse(window.start))
        ctx.addIssue({
          code: 'custom',
          path: ['end'],
          message: `end (${window.end}) is not after start (${window.start})`,
        });
    }),
  );

/**
 * An EventBridge Scheduler recurring expression: `rate(n unit)` (singular unit for 1, as Scheduler
 * insists) or a six-field `cron(…)`. At least an hour apart: each drill starts a task per burst
 * region, which is cost and noise.
 */
export function isDrillSchedule(text: string): boolean {
  const period = ratePeriodSeconds(text);
  if (period !== undefined) {
    const n = Number(/\d+/.exec(text)?.[0]);
    return (n === 1) !== text.endsWith('s)') && period >= 3600;
  }
  return /^cron\(\S+( \S+){5}\)$/.test(text);
}

const drillScheduleExpression = z.string().check(
  z.refine(isDrillSchedule, {
    message:
      'must be rate(<n> <minutes|hours|days>) of at least an hour (rate(1 day) for one) or cron(<6 fields>), as EventBridge Scheduler takes it',
  }),
);

/** Readiness drills on a schedule (docs/drills.md): which workloads, how often. */
const drillsSchema = z.strictObject({
  schedule: drillScheduleExpression,
  /** The workloads drilled; every workload when absent. */
  workloads: z.optional(z.array(slug).check(z.minLength(1))),
});

export const spillwayConfigSchema = z
  .strictObject({
    environment: z.enum(environmentNames),
    controlRegion: regionName,
    sites: z.array(siteSchema).check(z.minLength(1)),
    workloads: z.array(workloadSchema).check(z.minLength(1)),
    signals: signalsSchema,
    /** How long decision log entries are kept. */
    decisionLogRetentionDays: z._default(integer(1, 3650), 30),
    /** Spend guard for the environment: no scale-out that takes all workloads' estimated burst cost above this per hour. */
    spendGuard: z.optional(z.strictObject({ maxCostPerHour: decimal(0) })),
    /**
     * Who hears Spillway's own alarms (dead letters, failed drains, open breakers, crash loops…):
     * subscriptions of the environment's alarm topic, in the control region and every burst region.
     * A chat tool takes the HTTPS endpoint of its SNS integration.
     */
    notifications: z._default(
      z.strictObject({
        emails: z._default(
          z.array(z.string().check(z.regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an email address'))),
          [],
        ),
        https: z._default(
          z.array(z.string().check(z.regex(/^https:\/\/\S+$/, 'must be an https:// URL'))),
          [],
        ),
      }),
      { emails: [], https: [] },
    ),
    /**
     * Planned maintenance of a site: each listed workload (all whose home is the site when none are
     * listed) is evacuated to its burst regions `leadSeconds` before `start`, and drained back at
     * `end`. Deployed as EventBridge Scheduler one-time schedules; run by a timer locally.
     */
    maintenanceWindows: z._default(z.array(maintenanceWindowSchema), []),
    /**
     * Readiness drills of the burst paths on a schedule: EventBridge Scheduler on AWS, the local
     * runtime's timer locally (rate() only). None when absent; `spillway drill` runs one by hand.
     */
    drills: z.optional(drillsSchema),
  })
  .check(
    z.superRefine((config, ctx) => {
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
      const watchdogSites = config.sites.filter((site) => site.heartbeat?.alertmanagerWatchdog);
      // One Watchdog alert must name one site, or one site's outage could hide behind another's.
      if (watchdogSites.length > 1)
        config.sites.forEach((site, index) => {
          if (site.heartbeat?.alertmanagerWatchdog && !site.heartbeat.watchdogLabels)
            ctx.addIssue({
              code: 'custom',
              path: ['sites', index, 'heartbeat', 'watchdogLabels'],
              message: `${watchdogSites.length} sites use the Watchdog alert (${watchdogSites.map((s) => s.id).join(', ')}): each needs watchdogLabels telling its Watchdog apart`,
            });
        });
      const siteIdsSeen = new Set<string>();
      config.sites.forEach((site, index) => {
        if (siteIdsSeen.has(site.id))
          ctx.addIssue({
            code: 'custom',
            path: ['sites', index, 'id'],
            message: `site ${site.id} is defined twice`,
          });
        siteIdsSeen.add(site.id);
      });
      const windowNames = new Set<string>();
      config.maintenanceWindows.forEach((window, index) => {
        // Schedules and the evacuation's end are matched by the window's name.
        if (windowNames.has(window.name))
          ctx.addIssue({
            code: 'custom',
            path: ['maintenanceWindows', index, 'name'],
            message: `maintenance window ${window.name} is defined twice`,
          });
        windowNames.add(window.name);
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
      (config.drills?.workloads ?? []).forEach((name, w) => {
        if (!workloadNames.has(name))
          ctx.addIssue({
            code: 'custom',
            path: ['drills', 'workloads', w],
            message: `drills name unknown workload ${name}`,
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
    }),
  );

export type SpillwayConfig = z.infer<typeof spillwayConfigSchema>;
export type WorkloadConfig = SpillwayConfig['workloads'][number];
export type BurstRegionConfig = WorkloadConfig['burstRegions'][number];
export type AlarmMapping = SpillwayConfig['signals']['cloudwatch']['alarms'][number];
export type SignalsConfig = SpillwayConfig['signals'];
/** How one webhook source authenticates its sender. */
export type SourceAuth = SignalsConfig[Exclude<keyof SignalsConfig, 'cloudwatch'>]['auth'];
export type MaintenanceWindow = SpillwayConfig['maintenanceWindows'][number];
export type HostMapping = SignalsConfig['icinga']['hosts'][number];
export type SiteConfig = SpillwayConfig['sites'][number];
export type SiteHeartbeatConfig = NonNullable<SiteConfig['heartbeat']>;
