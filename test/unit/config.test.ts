import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFix } from '../fixes';
import { expectNone, expectOne, j, lint, specConfig } from '../helpers';
import { dateTimeProblem } from '../../server/src/core/datetime';
import { analyze } from '../../server/src/core/index';

const CONFIG_CODES = [
  'oci/config-rootfs-type',
  'oci/config-history-mismatch',
  'oci/config-created',
  'oci/config-env',
  'oci/config-exposed-port',
  'oci/config-set-value',
  'oci/config-user',
  'oci/config-stop-signal',
];

const withConfig = (patch: Record<string, unknown>) => {
  const c = specConfig();
  return { ...c, config: { ...c.config, ...patch } };
};

test('the spec example is detected as an image config and has no config findings', () => {
  const text = j(specConfig());
  assert.equal(analyze(text).detection?.kind, 'image-config');
  const found = lint(text).filter((f) => CONFIG_CODES.includes(f.code));
  assert.deepEqual(found, []);
});

test('null means absent everywhere', () => {
  const c = specConfig();
  const doc = {
    ...c,
    created: null,
    config: {
      ...c.config,
      Env: null,
      ExposedPorts: { '80/tcp': null },
      Volumes: null,
      User: null,
      StopSignal: null,
    },
    history: [{ created: null }, { created: null, empty_layer: null }],
  };
  const found = lint(j(doc)).filter((f) => CONFIG_CODES.includes(f.code));
  assert.deepEqual(found, []);
  const noConfig = lint(j({ ...c, config: null, history: null })).filter((f) =>
    CONFIG_CODES.includes(f.code),
  );
  assert.deepEqual(noConfig, []);
});

test('wrong types are skipped (the schema module reports them)', () => {
  const c = specConfig();
  const doc = {
    ...c,
    created: 5,
    rootfs: { type: 1, diff_ids: [1, null] },
    config: { Env: [1, null], ExposedPorts: [], Volumes: 'x', User: 0, StopSignal: 9 },
    history: 'x',
  };
  const found = lint(j(doc)).filter((f) => CONFIG_CODES.includes(f.code));
  assert.deepEqual(found, []);
  assert.deepEqual(
    lint(j([1, 2]), { kind: 'image-config' }).filter((f) => CONFIG_CODES.includes(f.code)),
    [],
  );
});

test('oci/config-rootfs-type: anything but "layers"', () => {
  const c = specConfig();
  c.rootfs.type = 'Layers';
  const f = expectOne(j(c), 'oci/config-rootfs-type', '"Layers"', { severity: 'error' });
  assert.match(f.message, /"rootfs\.type" is "Layers".*must be "layers"/);
  assert.deepEqual(f.data, { expected: 'layers' });
  c.rootfs.type = 'layers+base';
  expectOne(j(c), 'oci/config-rootfs-type', '"layers+base"');
  expectNone(j(specConfig()), 'oci/config-rootfs-type');
});

test('oci/config-history-mismatch: more layers in history than DiffIDs', () => {
  const c = specConfig();
  c.history[1]!.empty_layer = false;
  const text = j(c);
  const f = expectOne(text, 'oci/config-history-mismatch', '"history"', { severity: 'warning' });
  assert.match(f.message, /3 entries that add a layer .* lists 2 layers/);
  assert.deepEqual(f.data, { historyLayers: 3, diffIds: 2 });
  expectNone(j(specConfig()), 'oci/config-history-mismatch');
});

test('oci/config-history-mismatch: fewer layers in history than DiffIDs; empty history says nothing', () => {
  const c = specConfig();
  c.history = [c.history[0]!, c.history[1]!];
  expectOne(j(c), 'oci/config-history-mismatch', '"history"');
  expectNone(j({ ...specConfig(), history: [] }), 'oci/config-history-mismatch');
  const { history: _, ...noHistory } = specConfig();
  expectNone(j(noHistory), 'oci/config-history-mismatch');
});

test('oci/config-created: top level and history entries', () => {
  const c = specConfig();
  c.created = '2015-10-31 22:22:56Z';
  const f = expectOne(j(c), 'oci/config-created', '"2015-10-31 22:22:56Z"', { severity: 'error' });
  assert.equal(
    f.message,
    '"created" is "2015-10-31 22:22:56Z", which separates date and time with a space; RFC 3339 date-times use "T": "2015-10-31T22:22:56Z".',
  );
  assert.deepEqual(f.data, { replacement: '2015-10-31T22:22:56Z' });

  const h = specConfig();
  h.history[2]!.created = '2015-10-31T22:22:56';
  const g = expectOne(j(h), 'oci/config-created', '"2015-10-31T22:22:56"');
  assert.match(g.message, /history\[2\]\.created.*has no time-zone offset/);
  assert.equal(g.data, undefined, 'no certain correction without an offset');
  expectNone(j(specConfig()), 'oci/config-created');
});

test('RFC 3339 date-times: ranges, leap years, offsets, lowercase t/z', () => {
  for (const ok of [
    '2024-02-29T00:00:00Z',
    '1970-01-01T00:00:00+00:00',
    '2016-12-31T23:59:60Z',
    '2015-10-31t22:22:56.1z',
    '2015-10-31T22:22:56-07:30',
  ]) {
    assert.equal(dateTimeProblem(ok), undefined, ok);
  }
  for (const bad of [
    '2023-02-29T00:00:00Z',
    '2015-13-01T00:00:00Z',
    '2015-10-31T24:00:00Z',
    '2015-10-31T22:60:00Z',
    '2015-10-31T22:22:56+24:00',
    '2015-10-31',
    'yesterday',
    '2015-10-31T22:22Z',
    '15-10-31T22:22:56Z',
  ]) {
    assert.notEqual(dateTimeProblem(bad), undefined, bad);
  }
});

test('oci/config-env: no "=" or an empty name', () => {
  const text = j(withConfig({ Env: ['PATH=/bin', 'DEBUG'] }));
  const f = expectOne(text, 'oci/config-env', '"DEBUG"', { severity: 'error' });
  assert.match(f.message, /"DEBUG" at config\.Env\[1\] has no "="/);
  assert.deepEqual(f.data, { expected: 'DEBUG=' });
  const g = expectOne(j(withConfig({ Env: ['PATH=/bin', '=x'] })), 'oci/config-env', '"=x"');
  assert.match(g.message, /empty variable name/);
  expectNone(j(withConfig({ Env: ['PATH=/bin', 'DEBUG=', 'A==b'] })), 'oci/config-env');
});

test('oci/config-exposed-port: bad keys are flagged on the key', () => {
  const cases: [string, RegExp][] = [
    ['http/tcp', /not a port number/],
    ['0/tcp', /port 0, outside 1–65535/],
    ['65536', /port 65536/],
    ['80/TCP', /uppercase/],
    ['80/icmp', /protocol "icmp"/],
    ['8000-8010/tcp', /port range/],
  ];
  for (const [key, why] of cases) {
    const text = j(withConfig({ ExposedPorts: { '8080/tcp': {}, [key]: {} } }));
    const f = expectOne(text, 'oci/config-exposed-port', `"${key}"`, { severity: 'error' });
    assert.match(f.message, why);
  }
  assert.deepEqual(
    expectOne(j(withConfig({ ExposedPorts: { '80/TCP': {} } })), 'oci/config-exposed-port', '"80/TCP"').data,
    { expected: '80/tcp' },
  );
  expectNone(
    j(withConfig({ ExposedPorts: { '80': {}, '53/udp': {}, '9/sctp': {}, '65535/tcp': {} } })),
    'oci/config-exposed-port',
  );
});

test('oci/config-set-value: ExposedPorts and Volumes values are {}', () => {
  const text = j(withConfig({ Volumes: { '/data': { driver: 'local' } } }));
  const f = expectOne(text, 'oci/config-set-value', '{\n        "driver": "local"\n      }', {
    severity: 'info',
  });
  assert.match(f.message, /config\.Volumes\["\/data"\]/);
  expectOne(
    j(withConfig({ ExposedPorts: { '80/tcp': { HostPort: '80' } } })),
    'oci/config-set-value',
    '{\n        "HostPort": "80"\n      }',
  );
  expectNone(
    j(withConfig({ Volumes: { '/data': {} }, ExposedPorts: { '80/tcp': {} } })),
    'oci/config-set-value',
  );
});

test('oci/config-user: Linux user formats', () => {
  for (const bad of ['alice:', ':1000', 'a:b:c']) {
    const f = expectOne(j(withConfig({ User: bad })), 'oci/config-user', `"${bad}"`, { severity: 'info' });
    assert.match(f.message, /"config\.User" is/);
  }
  for (const ok of ['alice', '1000', 'alice:staff', '1000:1000', ''])
    expectNone(j(withConfig({ User: ok })), 'oci/config-user');
  // Windows users have their own format.
  expectNone(j({ ...withConfig({ User: 'NT AUTHORITY\\SYSTEM:x:y' }), os: 'windows' }), 'oci/config-user');
});

test('oci/config-stop-signal: SIGNAME or a number', () => {
  const f = expectOne(j(withConfig({ StopSignal: 'term' })), 'oci/config-stop-signal', '"term"', {
    severity: 'info',
  });
  assert.deepEqual(f.data, { expected: 'SIGTERM' });
  expectOne(j(withConfig({ StopSignal: 'SIG TERM' })), 'oci/config-stop-signal', '"SIG TERM"');
  for (const ok of ['SIGTERM', 'SIGRTMIN+3', '15', ''])
    expectNone(j(withConfig({ StopSignal: ok })), 'oci/config-stop-signal');
});

test('Docker container configs: extra keys are fine, the same rules apply', () => {
  const docker = {
    architecture: 'amd64',
    config: {
      Hostname: '',
      Domainname: '',
      User: '',
      AttachStdin: false,
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['sh'],
      Image: 'sha256:6986ae504bbf843512d680cc959484452034965db15f75ee8bdd1b107f61500b',
      Volumes: null,
      WorkingDir: '',
      Entrypoint: null,
      OnBuild: null,
      Labels: null,
    },
    container: '8dfe43d80430',
    container_config: { Hostname: '8dfe43d80430', Cmd: ['/bin/sh', '-c', '#(nop) ', 'CMD ["sh"]'] },
    created: '2023-05-19T20:19:24.033227925Z',
    docker_version: '20.10.23',
    history: [
      { created: '2023-05-19T20:19:23.854352467Z', created_by: '/bin/sh -c #(nop) ADD file:abc in / ' },
    ],
    os: 'linux',
    rootfs: {
      type: 'layers',
      diff_ids: ['sha256:bb01bd7e32b58b6694c8c3622c230171f1cec24001a82068a8d30d338f420d6c'],
    },
  };
  for (const kind of [undefined, 'docker-config'] as const) {
    const found = lint(j(docker), kind ? { kind } : {}).filter((f) => CONFIG_CODES.includes(f.code));
    assert.deepEqual(found, []);
  }
  expectOne(
    j({ ...docker, rootfs: { ...docker.rootfs, type: 'layer' } }),
    'oci/config-rootfs-type',
    '"layer"',
    { kind: 'docker-config' },
  );
});

test('a config with 10,000 history entries and DiffIDs has no config findings', () => {
  const c = specConfig();
  const n = 10_000;
  c.rootfs.diff_ids = Array.from(
    { length: n },
    () => 'sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1',
  );
  c.history = Array.from({ length: n }, () => ({ created: '2015-10-31T22:22:54.690851953Z' }));
  c.config.Env = Array.from({ length: n }, (_, i) => `V${i}=x`);
  const text = j(c);
  const found = lint(text).filter((f) => CONFIG_CODES.includes(f.code));
  assert.deepEqual(found, []);
});

test('a malformed DiffID is left to the digest module', () => {
  const c = specConfig();
  c.rootfs.diff_ids[0] = 'sha256:C6F988F4874BB0ADD23A778F753C65EFE992244E148A1D2EC2A8B664FB66BBD1';
  const found = lint(j(c)).filter((f) => CONFIG_CODES.includes(f.code));
  assert.deepEqual(found, []);
});

describe('quick-fixes: annotations and keys', () => {
  test('a config timestamp with a space or an offset without a colon → the RFC 3339 form', () => {
    const config = {
      created: '2015-10-31 22:22:56Z',
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [] },
      history: [{ created: '2015-10-31T22:22:56+0200', created_by: 'sh' }],
    };
    const opts = { kind: 'image-config' as const };
    const a = applyFix(j(config), 'oci/config-created', opts);
    assert.equal(a.fix.title, 'Change the timestamp to "2015-10-31T22:22:56Z"');
    assert.equal(JSON.parse(a.after).created, '2015-10-31T22:22:56Z');
    const b = applyFix(j(config), 'oci/config-created', { ...opts, occurrence: 1 });
    assert.equal(JSON.parse(b.after).history[0].created, '2015-10-31T22:22:56+02:00');
  });
});
