// One linter config. The import rules enforce the architecture: core is pure, lsp/ is glue that no other layer
// imports (but the node entry that starts it), the client sees only protocol.ts, and protocol.ts imports nothing but
// the message-type classes (and re-exports a listed few pure core functions).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeOnly = [
  'fs',
  'node:fs',
  'fs/promises',
  'node:fs/promises',
  'net',
  'node:net',
  'http',
  'node:http',
  'https',
  'node:https',
  'child_process',
  'node:child_process',
];

/** The only Node modules the core may use: hashing and bytes, no I/O. */
const CORE_NODE_MODULES = ['node:crypto', 'node:buffer'];

/** The classes protocol.ts may import (the typed message objects need them at run time). */
const PROTOCOL_IMPORTS = ['NotificationType', 'RequestType', 'RequestType0'];
const PROTOCOL_SOURCE = 'vscode-languageserver-protocol';
/**
 * The pure core modules protocol.ts may re-export, because the client must compute exactly what the server does:
 * Markdown quoting of document text (hovers and the layout view's tooltips) and the host key credentials are stored
 * under. Nothing else of the server reaches the client.
 */
const PROTOCOL_SHARED = ['./core/markdown', './core/verify/reference'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'test/fixtures/**', '**/*.vsix', '.e2e/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        performance: 'readonly',
        __dirname: 'readonly',
        require: 'readonly',
        module: 'writable',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  // JSON's grammar is defined in terms of control characters, so its regexes name them.
  { files: ['server/src/core/json/**/*.ts'], rules: { 'no-control-regex': 'off' } },
  {
    files: ['server/src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeOnly,
            'vscode',
            'vscode-languageserver',
            'vscode-languageserver/node',
            'vscode-languageclient',
            'vscode-languageclient/node',
          ].map((name) => ({
            name,
            message: 'server/src/core is a pure library: no editor, connection, file system or network.',
          })),
          patterns: [
            {
              group: ['**/lsp/**', '**/node/**', '**/cli/**', '**/host/**', '**/client/**', 'vscode*'],
              message: 'server/src/core must not depend on the front ends.',
            },
            {
              group: ['node:*', ...CORE_NODE_MODULES.map((m) => `!${m}`)],
              message: `server/src/core may use only ${CORE_NODE_MODULES.join(' and ')} of Node's modules (no I/O).`,
            },
            {
              group: builtinModules.filter((m) => !m.startsWith('_')),
              message: `server/src/core may use only ${CORE_NODE_MODULES.join(' and ')} of Node's modules, by their node: name.`,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['server/src/lsp/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeOnly, 'vscode'].map((name) => ({
            name,
            message:
              'server/src/lsp is glue over the core; runtime access goes through the runtime passed to startServer (server/src/node).',
          })),
          patterns: [
            {
              group: ['**/cli/**', '**/node/**', '**/client/**'],
              message:
                'The LSP glue must not depend on the CLI, the Node adapters or the client; what it needs from its host is in server/src/host/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['server/src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/lsp/**', '**/client/**'],
              message:
                'The CLI is a front end of its own over the core and the Node adapters; it must not use the LSP glue.',
            },
          ],
        },
      ],
    },
  },
  {
    // The Node adapters implement the interfaces of server/src/host/; only the entry (main.ts) starts the LSP server.
    files: ['server/src/node/**/*.ts'],
    ignores: ['server/src/node/main.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/lsp/**', '**/cli/**', '**/client/**'],
              message:
                'The Node adapters must not depend on the LSP glue or the CLI; the interfaces they implement are in server/src/host/.',
            },
          ],
        },
      ],
    },
  },
  {
    // What the LSP features need from a host: interfaces over core and protocol types, nothing that runs.
    files: ['server/src/host/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeOnly.map((name) => ({ name, message: 'server/src/host holds interfaces only.' })),
          patterns: [
            {
              group: ['**/lsp/**', '**/node/**', '**/cli/**', '**/client/**', 'vscode*'],
              message: 'server/src/host holds interfaces over the core and protocol.ts only.',
            },
          ],
        },
      ],
    },
  },
  {
    // protocol.ts is the client's one window on the server side: its only import is the message-type classes, and it
    // re-exports the few pure core functions both sides must share (PROTOCOL_SHARED).
    files: ['server/src/protocol.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: `ImportDeclaration[source.value!='${PROTOCOL_SOURCE}'], ExportAllDeclaration, ExportNamedDeclaration[source][source.value!=/^(${PROTOCOL_SHARED.map((m) => m.replace(/[./]/g, '\\$&')).join('|')})$/], ImportExpression, CallExpression[callee.name='require']`,
          message: `protocol.ts imports nothing but ${PROTOCOL_IMPORTS.join(', ')} from ${PROTOCOL_SOURCE}, and re-exports only from ${PROTOCOL_SHARED.join(' and ')}.`,
        },
        {
          selector: `ImportDefaultSpecifier, ImportNamespaceSpecifier, ImportSpecifier[imported.name!=/^(${PROTOCOL_IMPORTS.join('|')})$/]`,
          message: `protocol.ts imports nothing but ${PROTOCOL_IMPORTS.join(', ')} from ${PROTOCOL_SOURCE}.`,
        },
        {
          selector: 'ExportNamedDeclaration[source] > ExportSpecifier[local.name="default"]',
          message: 'protocol.ts re-exports named functions only.',
        },
      ],
    },
  },
  {
    files: ['client/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/server/src/*', '!**/server/src/protocol'],
              message: 'The client imports only server/src/protocol.ts from the server side.',
            },
          ],
        },
      ],
    },
  },
);
