// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

// webpack resolves this require at build time; declared here (module scope)
// so that the library needs no Node.js type definitions.
declare const require: (id: string) => { version: string };

/**
 * The frontend's version, read from package.json when bundled; the server
 * extension must report the same one (see `GET settings`).
 */
export const PACKAGE_VERSION: string = require('../package.json').version;
