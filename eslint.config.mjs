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
  // The settings schema is linted by Jupyter's plugin only.
  ...[
    js.configs.recommended,
    ...tseslint.configs.recommended,
    react.configs.flat.recommended,
    prettierRecommended
  ].map(config => ({ ...config, files: SOURCES })),
  ...jupyter.configs.recommended,
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
