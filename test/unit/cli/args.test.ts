import { describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '../../../src/cli/args';
import { commandRequests } from '../../../src/cli/requests';
import { USAGE } from '../../../src/cli/usage';
import { at, isoAt } from '../factories';

const parse = (...argv: string[]) => parseCli(argv, at(0));
const refused = (argv: string[]) => {
  try {
    parse(...argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${argv.join(' ')}`);
};

describe('parseCli: what an operator types', () => {
  it('reads the global options', () => {
    expect(
      parse('status', '--env', 'prod', '--profile', 'ops', '--region', 'eu-west-1', '--json').options,
    ).toEqual({
      env: 'prod',
      profile: 'ops',
      region: 'eu-west-1',
      json: true,
    });
    expect(parse('status', '--runtime-file', '/tmp/rt.json').options).toEqual({
      env: 'local',
      runtimeFile: '/tmp/rt.json',
      json: false,
    });
  });

  it('reads history with its limit', () => {
    expect(parse('history', 'checkout-api').invocation).toEqual({
      name: 'history',
      workload: 'checkout-api',
      limit: 20,
    });
    expect(parse('history', 'checkout-api', '--limit', '5').invocation).toEqual({
      name: 'history',
      workload: 'checkout-api',
      limit: 5,
    });
  });

  it('reads each state-changing command with its reason', () => {
    const reason = ['--reason', ' black friday '];
    expect(parse('burst', 'checkout-api', '4', ...reason).invocation).toEqual({
      name: 'operator',
      verb: 'burst',
      action: 'burst',
      workloads: { one: 'checkout-api' },
      count: 4,
      reason: 'black friday',
    });
    expect(parse('drain', 'checkout-api', '--all', ...reason).invocation).toMatchObject({
      action: 'drain_all',
      workloads: { one: 'checkout-api' },
    });
    expect(parse('drain', 'checkout-api', '2', ...reason).invocation).toMatchObject({
      action: 'drain',
      count: 2,
    });
    expect(parse('pause', '--all', '--until', isoAt(3600), ...reason).invocation).toMatchObject({
      action: 'pause',
      workloads: 'all',
      until: isoAt(3600),
    });
    expect(parse('resume', 'checkout-api', ...reason).invocation).toMatchObject({ action: 'resume' });
    expect(parse('dry-run', 'on', '--all', ...reason).invocation).toMatchObject({
      action: 'dry_run_on',
      workloads: 'all',
    });
    expect(parse('dry-run', 'off', 'checkout-api', ...reason).invocation).toMatchObject({
      action: 'dry_run_off',
      workloads: { one: 'checkout-api' },
    });
    expect(
      parse('evacuate', 'checkout-api', '--until', '2026-03-01T15:00:00+02:00', ...reason).invocation,
    ).toMatchObject({
      action: 'evacuate',
      until: '2026-03-01T15:00:00+02:00',
    });
    expect(parse('end-evacuation', 'checkout-api', ...reason).invocation).toMatchObject({
      action: 'end_evacuation',
    });
  });

  it.each([
    ['burst', 'checkout-api', '2'],
    ['drain', 'checkout-api', '--all'],
    ['pause', '--all'],
    ['resume', 'checkout-api'],
    ['dry-run', 'on', 'checkout-api'],
    ['evacuate', 'checkout-api'],
    ['end-evacuation', 'checkout-api'],
  ])('refuses %s … without --reason', (...argv) => {
    expect(refused(argv)).toBe(`${argv[0]} changes state: --reason "…" is required`);
    expect(refused([...argv, '--reason', '   '])).toBe(`${argv[0]} changes state: --reason "…" is required`);
  });

  it.each([
    [
      ['burst', 'checkout-api', '0', '--reason', 'x'],
      "burst: the task count must be a whole number from 1 to 1000, not '0'",
    ],
    [
      ['burst', 'checkout-api', '2.5', '--reason', 'x'],
      "burst: the task count must be a whole number from 1 to 1000, not '2.5'",
    ],
    [
      ['burst', 'checkout-api', '1e3', '--reason', 'x'],
      "burst: the task count must be a whole number from 1 to 1000, not '1e3'",
    ],
    [
      ['burst', 'checkout-api', 'four', '--reason', 'x'],
      "burst: the task count must be a whole number from 1 to 1000, not 'four'",
    ],
    [
      ['drain', 'checkout-api', '--reason', 'x'],
      'drain needs a task count: spillway drain <workload> <n>|--all [--force] --reason "…"',
    ],
    [['drain', 'checkout-api', '2', '--all', '--reason', 'x'], 'drain: give a task count or --all, not both'],
    [['burst', '--reason', 'x'], 'burst needs a workload'],
    [['burst', 'checkout-api', '1', '--all', '--reason', 'x'], 'burst does not take --all'],
    [
      ['pause', 'checkout-api', '--all', '--reason', 'x'],
      "pause: give a workload or --all, not both ('checkout-api' and --all)",
    ],
    [
      ['pause', 'checkout-api', '--until', 'tomorrow', '--reason', 'x'],
      "--until must be an ISO-8601 time with a zone such as 2026-11-28T06:00:00Z, not 'tomorrow'",
    ],
    [
      ['pause', 'checkout-api', '--until', '2026-03-01T14:00:00', '--reason', 'x'],
      'ISO-8601 time with a zone',
    ],
    [
      ['pause', 'checkout-api', '--until', isoAt(-1), '--reason', 'x'],
      `--until ${isoAt(-1)} is in the past (now ${isoAt(0)})`,
    ],
    [['evacuate', 'checkout-api', '--until', isoAt(0), '--reason', 'x'], 'is in the past'],
    [['burst', 'checkout-api', '1', '--until', isoAt(60), '--reason', 'x'], 'burst does not take --until'],
    [['resume', 'checkout-api', '--until', isoAt(60), '--reason', 'x'], 'resume does not take --until'],
    [['evacuate', '--all', '--reason', 'x'], 'evacuate does not take --all'],
    [['dry-run', 'checkout-api', '--reason', 'x'], "dry-run needs on or off first, not 'checkout-api'"],
    [['resume', 'checkout-api', 'search-api', '--reason', 'x'], "resume: unexpected argument 'search-api'"],
    [['history'], 'history needs a workload: spillway history <workload>'],
    [['history', 'checkout-api', '--limit', '0'], "--limit must be a whole number from 1 to 1000, not '0'"],
    [['history', 'checkout-api', '--reason', 'x'], 'history does not take --reason'],
    [['status', 'extra'], "status: unexpected argument 'extra'"],
    [['status', '--env', 'qa'], "--env must be one of local, dev, staging, prod, not 'qa'"],
    [['status', '--env', 'prod', '--runtime-file', 'x.json'], '--runtime-file applies to --env local only'],
    [
      ['status', '--env', 'prod', '--region', 'eu-north-9'],
      '--region: "eu-north-9" is not an AWS region; nearest: eu-north-1',
    ],
    [['teleport'], "unknown command 'teleport'"],
    [['dlq', 'purge'], "unknown dlq command 'purge'"],
    [['burst', 'checkout-api', '1', '--reason', 'x'.repeat(501)], '--reason is 501 characters; at most 500'],
  ])('refuses %j: %s', (argv, message) => {
    expect(refused(argv)).toContain(message);
  });

  it.each([
    [
      ['status', '--verbose'],
      'unknown option --verbose; the options are --env, --region, --profile, --runtime-file, --json, --limit, --reason, --until, --all, --force, --wait, --help (see spillway --help)',
    ],
    [
      ['drain', 'checkout-api', '--al', '--reason', 'x'],
      'unknown option --al: did you mean --all? (see spillway --help)',
    ],
    [
      ['burst', 'checkout-api', '1', '--reasn', 'x'],
      'unknown option --reasn: did you mean --reason? (see spillway --help)',
    ],
    [['status', '-v'], 'unknown option -v; the options are'],
    [
      ['burst', 'checkout-api', '1', '--reason'],
      '--reason needs a value, as in --reason <value> (see spillway --help)',
    ],
    [['drain', 'checkout-api', '--all=yes', '--reason', 'x'], '--all takes no value (see spillway --help)'],
  ])('refuses the option mistake in %j in its own words: %s', (argv, message) => {
    // Act
    const said = refused(argv);

    // Assess
    expect(said).toContain(message);
    expect(said).not.toMatch(/Unknown option|argument missing|does not take an argument|place it at the end/);
  });

  it('answers --help and no command with the usage, only the first as asked for', () => {
    expect(parse('--help').invocation).toEqual({ name: 'help', asked: true });
    expect(parse('burst', '--help').invocation).toEqual({ name: 'help', asked: true });
    expect(parse().invocation).toEqual({ name: 'help', asked: false });
  });
});

describe('--help', () => {
  it('lists every command parseCli takes, each with its arguments, within 120 columns', () => {
    const commands = [
      'status',
      'history',
      'dlq list',
      'dlq redrive',
      'sites',
      'burst',
      'drain',
      'pause',
      'resume',
      'dry-run on|off',
      'evacuate',
      'end-evacuation',
      'site lost|recovered',
      'drill',
    ];
    const listed = USAGE.split('\n')
      .filter((line) => /^ {2}[a-z]/.test(line))
      .map((line) => line.trim().split(/ [<[]| {2}/)[0]);

    expect(listed).toEqual(commands);
    expect(USAGE).toContain('end-evacuation <workload> --reason "…"');
    expect(Math.max(...USAGE.split('\n').map((line) => line.length))).toBeLessThanOrEqual(120);
  });
});

describe('commandRequests', () => {
  const known = ['checkout-api', 'search-api'];

  it('sends --all to every workload of the environment, each with the reason and who asked', () => {
    const { invocation } = parse('dry-run', 'on', '--all', '--reason', 'new steps');
    if (invocation.name !== 'operator') throw new Error('not an operator command');

    expect(commandRequests(invocation, known, 'alice')).toEqual([
      { workload: 'checkout-api', action: 'dry_run_on', reason: 'new steps', requestedBy: 'alice' },
      { workload: 'search-api', action: 'dry_run_on', reason: 'new steps', requestedBy: 'alice' },
    ]);
  });

  it('refuses an unknown workload, naming the known ones', () => {
    const { invocation } = parse('pause', 'checkuot-api', '--reason', 'x');
    if (invocation.name !== 'operator') throw new Error('not an operator command');

    expect(() => commandRequests(invocation, known, undefined)).toThrow(
      new UsageError("unknown workload 'checkuot-api'; known: checkout-api, search-api"),
    );
  });
});

describe('parseCli: sites', () => {
  it('reads sites and site lost|recovered', () => {
    expect(parse('sites').invocation).toEqual({ name: 'sites' });
    expect(parse('site', 'lost', 'onprem-dc1', '--reason', ' fire alarm ').invocation).toEqual({
      name: 'site',
      as: 'lost',
      site: 'onprem-dc1',
      reason: 'fire alarm',
    });
    expect(parse('site', 'recovered', 'onprem-dc1', '--reason', 'power back').invocation).toMatchObject({
      as: 'recovered',
    });
  });

  it('refuses a site command without what it needs', () => {
    expect(refused(['site', 'gone', 'onprem-dc1', '--reason', 'x'])).toMatch(
      /site needs lost or recovered first, not 'gone'/,
    );
    expect(refused(['site', 'lost', '--reason', 'x'])).toMatch(/site lost needs a site/);
    expect(refused(['site', 'lost', 'onprem-dc1'])).toMatch(/--reason "…" is required/);
    expect(refused(['sites', '--reason', 'x'])).toMatch(/sites does not take --reason/);
  });
});
