// One linter config. The import rules enforce the architecture: core is pure, the client sees only protocol.ts.
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
              group: ['**/lsp/**', '**/node/**', '**/cli/**', '**/client/**', 'vscode*'],
              message: 'server/src/core must not depend on the front ends.',
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
              group: ['**/cli/**', '**/client/**'],
              message: 'The LSP glue must not depend on the CLI or the client.',
            },
          ],
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
