// ESLint for the TypeScript sources and the jest tests: the extension template's
// rules, typescript-eslint's recommended set and Jupyter's own plugin.
import js from '@eslint/js';
import jupyter from '@jupyter/eslint-plugin';
import prettierRecommended from 'eslint-plugin-prettier/recommended';
import react from 'eslint-plugin-react';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const SOURCES = ['**/*.{js,mjs,ts,tsx}'];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'lib/',
      'coverage/',
      '**/*.d.ts',
      'jupyterlab_apk/labextension/',
      'ui-tests/',
      'bench/',
      '.venv/',
      '.demo/'
    ]
  },
  // The settings schemas are linted by Jupyter's plugin only.
  ...[
    js.configs.recommended,
    ...tseslint.configs.recommended,
    react.configs.flat.recommended,
    prettierRecommended
  ].map(config => ({ ...config, files: SOURCES })),
  ...jupyter.configs.recommended,
  {
    // Pending: defaultFilter's `enum` becomes `oneOf` with titles, so that the
    // settings editor shows translatable labels instead of the raw values.
    files: ['schema/catalog.json'],
    rules: { 'jupyter/no-schema-enum': 'off' }
  },
  {
    files: SOURCES,
    settings: { react: { version: 'detect' } },
    languageOptions: {
      globals: { ...globals.browser },
      // Type information for Jupyter's rules (plugin tokens, signals).
      parserOptions: { project: './tsconfig.test.json' }
    },
    rules: {
      '@typescript-eslint/naming-convention': [
        'error',
        {
          selector: 'interface',
          format: ['PascalCase'],
          custom: { regex: '^I[A-Z]', match: true }
        }
      ],
      '@typescript-eslint/no-unused-vars': ['error', { args: 'none' }],
      '@typescript-eslint/no-namespace': 'off',
      '@typescript-eslint/no-use-before-define': 'off',
      curly: ['error', 'all'],
      eqeqeq: 'error',
      'prefer-arrow-callback': 'error'
    }
  },
  {
    // Activation builds the sidebar, the jobs model with its status item and
    // notifier, the cell executors that replace the core ones, and the import
    // offers' watch over the notebooks already restored: the plugins need
    // these modules when they activate, nothing to defer.
    files: ['src/index.ts', 'src/pip/plugins.ts', 'src/modules/plugin.ts'],
    rules: {
      'jupyter/prefer-lazy-imports': [
        'warn',
        {
          ignoreImports: [
            './catalog/*',
            './environment/*',
            './jobs/*',
            './settings/*',
            './statedb',
            './executor',
            './router',
            './offers'
          ]
        }
      ]
    }
  },
  {
    // Small modules with one job: a source file stays within 600 lines, a
    // function or function component within 120 (blank and comment lines
    // count).
    files: ['src/**/*.{ts,tsx}'],
    rules: {
      'max-lines': ['error', { max: 600 }],
      'max-lines-per-function': ['error', { max: 120, IIFEs: true }]
    }
  },
  {
    files: ['*.js', '*.mjs', 'style/*.js', 'test/*.js'],
    ...tseslint.configs.disableTypeChecked
  },
  {
    // CommonJS files that Node loads as they are (Jest's configuration,
    // environment and setup).
    files: ['*.js', 'test/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  },
  {
    files: ['test/**', '*.js', '*.mjs'],
    languageOptions: {
      globals: { ...globals.node, ...globals.jest }
    }
  }
);
