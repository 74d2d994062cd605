// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The `GET modules/<name>?kernel=` client.
 */

import { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from '../api';

/**
 * What a failed import calls for, as the server answers it.
 */
export interface IModuleAnswer {
  /**
   * The top-level import name.
   */
  module: string;
  /**
   * `apk` when a prebuilt package serves the kernel, else `pip`.
   */
  route: 'apk' | 'pip';
  /**
   * The package that ships the module, also when the kernel cannot use it.
   */
  package: string | null;
  /**
   * Its installed version, else the repository's.
   */
  version: string | null;
  /**
   * Its download size in bytes.
   */
  size: number | null;
  /**
   * Whether it is installed.
   */
  installed: boolean;
  /**
   * Why, in words for the user.
   */
  reason: string;
  /**
   * What `%pip install` would take instead.
   */
  pip: string;
  /**
   * What to offer: install the package, restart the kernel, or nothing.
   */
  action: 'install' | 'restart' | 'none';
}

/**
 * Ask which prebuilt package ships `module`, for the kernelspec `kernel`.
 */
export function lookupModule(
  module: string,
  kernel: string,
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal
): Promise<IModuleAnswer> {
  const query = new URLSearchParams({ kernel }).toString();
  return requestAPI<IModuleAnswer>(
    `modules/${encodeURIComponent(module)}?${query}`,
    { signal },
    settings
  );
}
