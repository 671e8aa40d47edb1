import type { Check, CheckContext } from '../check';
import type { Path } from '../findings';
import { formatPath, shorten } from '../findings';
import { dateTimeProblem } from '../datetime';
import {
  expectedFix,
  q,
  rename,
  replacementFix,
  setValue,
  str,
  type Expected,
  type Replacement,
} from '../editing/fixKit';
import { isObject, type JsonObject } from '../model';
import { rule } from '../rule';

/**
 * Image configuration values (image-spec/config.md), for OCI image configs and Docker container configs
 * alike: `rootfs.type`, history against the DiffIDs, timestamps, and the execution parameters whose
 * strings have a format (Env, ExposedPorts, User, StopSignal).
 *
 * The DiffIDs' digest grammar is the digest module's (`oci/digest-format`). Presence and JSON types
 * belong to the schema module; every field here may be missing, null (which the spec says means
 * absent) or of the wrong type, and is then skipped.
 */

const SPEC = 'image-spec/config.md#properties';

// ExposedPorts keys: a port number, optionally with a protocol.
const PORT_KEY = /^(\d+)(?:\/([A-Za-z]+))?$/;
const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

/** Why `key` is not a valid ExposedPorts key, and the corrected key when there is an obvious one. */
function portProblem(key: string): { why: string; fixed?: string } | undefined {
  const m = PORT_KEY.exec(key);
  if (!m) {
    if (/^\d+-\d+(\/[a-z]+)?$/i.test(key))
      return { why: 'is a port range (the config lists each exposed port as its own key)' };
    return { why: 'is not a port number with an optional protocol' };
  }
  const port = Number(m[1]);
  if (port < 1 || port > 65535) return { why: `has port ${m[1]}, outside 1–65535` };
  const proto = m[2];
  if (proto !== undefined && !PROTOCOLS.has(proto)) {
    if (PROTOCOLS.has(proto.toLowerCase()))
      return { why: `has protocol "${proto}" in uppercase`, fixed: `${m[1]}/${proto.toLowerCase()}` };
    return { why: `has protocol "${proto}", which is not tcp, udp or sctp` };
  }
  return undefined;
}

// A signal name such as SIGTERM or SIGRTMIN+3, or a signal number.
const SIGNAL = /^(?:SIG[A-Z0-9]+(?:[+-]\d+)?|\d+)$/;

/** Reports a bad `created` timestamp at `path`. */
function checkCreated(ctx: CheckContext, value: unknown, path: Path): void {
  if (typeof value !== 'string') return;
  const problem = dateTimeProblem(value);
  if (!problem) return;
  ctx.report(
    configCreated,
    { path },
    `"${formatPath(path)}" is ${JSON.stringify(shorten(value))}, which ${problem.says}.`,
    problem.replacement !== undefined ? { replacement: problem.replacement } : undefined,
  );
}

export const configRootfsType = rule<Expected>({
  code: 'oci/config-rootfs-type',
  severity: 'error',
  title: '`rootfs.type` is not `layers`',
  description:
    'The only defined root filesystem type is `layers`, and implementations must refuse an image with any other value when they verify or unpack it.',
  spec: SPEC,
  fix: (c) =>
    str(c.data.expected) ? setValue(c, c.data.expected, 'Set "rootfs.type" to "layers"') : undefined,
});

export const configHistoryMismatch = rule<{ historyLayers: number; diffIds: number }>({
  code: 'oci/config-history-mismatch',
  severity: 'warning',
  title: '`history` does not account for every layer in `rootfs.diff_ids`',
  description:
    'Every history entry whose `empty_layer` is not `true` stands for one layer, in order, so their number must equal the number of DiffIDs. Tools that pair history with layers (`docker history`, image builders) fail or show the wrong commands otherwise.',
  spec: SPEC,
});

export const configCreated = rule<Replacement>({
  code: 'oci/config-created',
  severity: 'error',
  title: 'A `created` timestamp is not an RFC 3339 date-time',
  description:
    "The image's `created` and each history entry's `created` are RFC 3339 (section 5.6) date-times such as `2015-10-31T22:22:56Z`. Go-based tools refuse the whole config when a timestamp does not parse.",
  spec: SPEC,
  fix: replacementFix('Change the timestamp to'),
});

export const configEnv = rule<Expected>({
  code: 'oci/config-env',
  severity: 'error',
  title: 'An entry of `config.Env` is not `NAME=value`',
  description:
    'Environment entries are `VARNAME=VARVALUE`: a non-empty name, an equals sign, and a value (which may be empty). An entry without `=` or with an empty name is not a variable definition.',
  spec: SPEC,
  fix: expectedFix((e) => `Change to ${q(e)}`),
});

export const configExposedPort = rule<Expected>({
  code: 'oci/config-exposed-port',
  severity: 'error',
  title: 'A key of `config.ExposedPorts` is not `port` or `port/protocol`',
  description:
    'Exposed ports are keyed `port`, `port/tcp`, `port/udp` (or, as Docker allows, `port/sctp`), with a port from 1 to 65535 and a lowercase protocol; `tcp` is the default. Ranges are not allowed in the config.',
  spec: SPEC,
  fix: (c) => {
    const e = str(c.data.expected);
    return e ? rename(c, e, `Rename to ${q(e)}`) : undefined;
  },
});

export const configSetValue = rule<Expected>({
  code: 'oci/config-set-value',
  severity: 'info',
  title: 'A value in `config.ExposedPorts` or `config.Volumes` is not `{}`',
  description:
    '`ExposedPorts` and `Volumes` are sets serialised as objects whose values are empty objects. Anything inside a value is ignored by every runtime; write `{}`.',
  spec: SPEC,
  fix: (c) => setValue(c, {}, 'Replace with {}', true, '{}'),
});

export const configUser = rule({
  code: 'oci/config-user',
  severity: 'info',
  title: '`config.User` is not `user`, `uid`, `user:group` or `uid:gid`',
  description:
    'On Linux the user is a name or UID, optionally followed by `:` and a group name or GID. An empty side of the colon or a second colon fails when the container starts.',
  spec: SPEC,
});

export const configStopSignal = rule<Expected>({
  code: 'oci/config-stop-signal',
  severity: 'info',
  title: '`config.StopSignal` is not a signal name like `SIGTERM`',
  description:
    'The stop signal is a signal name in the form `SIGNAME` (such as `SIGTERM` or `SIGRTMIN+3`); Docker also accepts a signal number. Other spellings are understood by some runtimes only.',
  spec: SPEC,
  fix: expectedFix((e) => `Change to ${q(e)}`),
});

export const configCheck: Check = {
  id: 'config',
  kinds: ['image-config', 'docker-config'],
  rules: [
    configRootfsType,
    configHistoryMismatch,
    configCreated,
    configEnv,
    configExposedPort,
    configSetValue,
    configUser,
    configStopSignal,
  ],
  run(ctx) {
    const { root } = ctx;
    if (!isObject(root)) return;

    checkCreated(ctx, root.created, ['created']);

    // rootfs
    let diffIdCount: number | undefined;
    if (isObject(root.rootfs)) {
      const rootfs = root.rootfs;
      if (typeof rootfs.type === 'string' && rootfs.type !== 'layers') {
        const caseOnly = rootfs.type.toLowerCase() === 'layers';
        ctx.report(
          configRootfsType,
          { path: ['rootfs', 'type'] },
          `"rootfs.type" is "${shorten(rootfs.type)}"${caseOnly ? ' (wrong letter case)' : ''}; it must be "layers", and implementations refuse any other value.`,
          { expected: 'layers' },
        );
      }
      if (Array.isArray(rootfs.diff_ids)) diffIdCount = rootfs.diff_ids.length;
    }

    // history
    if (Array.isArray(root.history)) {
      const history = root.history;
      let layers = 0;
      let allObjects = true;
      history.forEach((h, i) => {
        if (!isObject(h)) {
          allObjects = false;
          return;
        }
        if (h.empty_layer !== true) layers++;
        checkCreated(ctx, h.created, ['history', i, 'created']);
      });
      // An empty history says nothing about the layers; entries of the wrong type are the schema's.
      if (history.length > 0 && allObjects && diffIdCount !== undefined && layers !== diffIdCount) {
        const entries = layers === 1 ? '1 entry that adds a layer' : `${layers} entries that add a layer`;
        const ids = diffIdCount === 1 ? '1 layer' : `${diffIdCount} layers`;
        ctx.report(
          configHistoryMismatch,
          { path: ['history'], on: 'key' },
          `"history" has ${entries} ("empty_layer" not true), but "rootfs.diff_ids" lists ${ids}; each history entry without "empty_layer": true describes one layer, in order.`,
          { historyLayers: layers, diffIds: diffIdCount },
        );
      }
    }

    if (isObject(root.config)) checkExecution(ctx, root.config, root.os);
  },
};

/** The execution parameters under `config`. */
function checkExecution(ctx: CheckContext, config: JsonObject, os: unknown): void {
  if (Array.isArray(config.Env)) {
    config.Env.forEach((e, i) => {
      if (typeof e !== 'string') return;
      const eq = e.indexOf('=');
      if (eq > 0) return;
      const path = ['config', 'Env', i];
      ctx.report(
        configEnv,
        { path },
        eq < 0
          ? `Environment entry "${shorten(e)}" at config.Env[${i}] has no "="; entries are "NAME=value" (write "${shorten(e)}=" for an empty value).`
          : `Environment entry "${shorten(e)}" at config.Env[${i}] has an empty variable name; entries are "NAME=value".`,
        eq < 0 ? { expected: `${e}=` } : undefined,
      );
    });
  }

  if (isObject(config.ExposedPorts)) {
    const ports = config.ExposedPorts;
    for (const key of Object.keys(ports)) {
      const problem = portProblem(key);
      if (problem) {
        ctx.report(
          configExposedPort,
          { path: ['config', 'ExposedPorts', key], on: 'key' },
          `Exposed port "${shorten(key)}" ${problem.why}; keys are "port", "port/tcp", "port/udp" or "port/sctp" with a port from 1 to 65535 and a lowercase protocol.`,
          problem.fixed ? { expected: problem.fixed } : undefined,
        );
      }
      checkSetValue(ctx, ports[key], ['config', 'ExposedPorts', key]);
    }
  }

  if (isObject(config.Volumes)) {
    const volumes = config.Volumes;
    for (const key of Object.keys(volumes)) checkSetValue(ctx, volumes[key], ['config', 'Volumes', key]);
  }

  // The user formats are defined for Linux; other systems (Windows: "ContainerUser") have their own.
  if (
    typeof config.User === 'string' &&
    config.User !== '' &&
    (os === 'linux' || os === undefined || os === null)
  ) {
    const user = config.User;
    const parts = user.split(':');
    if (parts.length > 2 || parts.some((p) => p === '')) {
      ctx.report(
        configUser,
        { path: ['config', 'User'] },
        `"config.User" is "${shorten(user)}"; on Linux it is "user", "uid", "user:group", "uid:gid", "uid:group" or "user:gid", with no empty part and at most one ":".`,
      );
    }
  }

  if (typeof config.StopSignal === 'string' && config.StopSignal !== '' && !SIGNAL.test(config.StopSignal)) {
    const value = config.StopSignal;
    const upper = value.toUpperCase();
    const fixed = upper.startsWith('SIG') ? upper : `SIG${upper}`;
    const canFix = SIGNAL.test(fixed);
    ctx.report(
      configStopSignal,
      { path: ['config', 'StopSignal'] },
      canFix
        ? `"config.StopSignal" is "${shorten(value)}"; write the signal name as "${fixed}" (uppercase, with the "SIG" prefix), which every runtime understands.`
        : `"config.StopSignal" is "${shorten(value)}"; it should be a signal name such as "SIGTERM" or "SIGRTMIN+3", or a signal number.`,
      canFix ? { expected: fixed } : undefined,
    );
  }
}

/** A member of a set-like object (ExposedPorts, Volumes): its value should be `{}`. */
function checkSetValue(ctx: CheckContext, value: unknown, path: Path): void {
  if (!isObject(value)) return; // null is absent; other types are the schema's.
  if (Object.keys(value).length === 0) return;
  ctx.report(
    configSetValue,
    { path },
    `The value of ${formatPath(path)} is not empty; its content is ignored, so write {}.`,
    {
      expected: '{}',
    },
  );
}
