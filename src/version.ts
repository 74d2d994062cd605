// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

import { showErrorMessage } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';

import type { IServerInfo } from './api';

// webpack resolves this require at build time; declared here (module scope)
// so that the library needs no Node.js type definitions.
declare const require: (id: string) => { version: string };

/**
 * The frontend's version, read from package.json when bundled; the server
 * extension must report the same one (see `GET settings`).
 */
export const PACKAGE_VERSION: string = require('../package.json').version;

/**
 * Say once, up front, when the server extension is of another release: the
 * two sides then disagree on the REST API in ways that fail obscurely.
 */
export async function checkServerVersion(
  serverInfo: Promise<IServerInfo>,
  trans: TranslationBundle
): Promise<void> {
  let version: string;
  try {
    version = (await serverInfo).version;
  } catch (reason) {
    // The panel shows the error when it fetches packages.
    console.error('The jupyterlab-apk server extension did not answer', reason);
    return;
  }
  if (version !== PACKAGE_VERSION) {
    void showErrorMessage(
      trans.__('jupyterlab-apk version mismatch'),
      trans.__(
        'The jupyterlab-apk frontend is version %1 but its server extension is version %2. Reinstall the jupyterlab_apk package and restart Jupyter.',
        PACKAGE_VERSION,
        version
      )
    );
  }
}
