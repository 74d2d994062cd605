/*
 * Jest runs the TypeScript sources and JupyterLab's ES module packages through
 * ts-jest in a jsdom environment.
 */

// Packages published as ES modules: Jest (CommonJS) needs them transformed.
const esModules = [
  '@codemirror',
  '@jupyter',
  '@jupyterlab',
  '@lumino',
  '@microsoft',
  'exenv-es6',
  'lib0',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

module.exports = {
  testEnvironment: '<rootDir>/test/environment.js',
  testMatch: ['<rootDir>/test/**/*.spec.ts?(x)'],
  setupFiles: ['<rootDir>/test/setup.js'],
  moduleNameMapper: {
    // src/pip's relative imports name the emitted .js file; jest reads the .ts.
    '^(\\.{1,2}/.*)\\.js$': '$1',
    '\\.(css|less|sass|scss)$': '<rootDir>/test/stubs/style.js',
    '\\.svg$': '<rootDir>/test/stubs/svg.js'
  },
  transform: {
    // Our sources: type-checked.
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
    // Dependencies' JavaScript: only transpiled, which is much faster.
    '^.+\\.jsx?$': [
      'ts-jest',
      {
        tsconfig: {
          allowJs: true,
          esModuleInterop: true,
          isolatedModules: true,
          module: 'commonjs',
          target: 'ES2018'
        }
      }
    ]
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esModules}))`],
  testTimeout: 20000
};
