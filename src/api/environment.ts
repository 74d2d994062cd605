// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The environment routes: what changed since the image, and that change as a
 * file (`GET environment`, `GET environment/export`).
 */

import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { requestAPI, requestText } from './request';

/**
 * An apk package the user added since the baseline, or one removed since.
 */
export interface IWorldChange {
  name: string;
  /**
   * Its line in apk's world, e.g. `py3-numpy` or `py3-numpy=2.2.4-r1`.
   */
  world: string;
  /**
   * The installed version (added), or the version the baseline had (removed).
   */
  version: string | null;
}

/**
 * What changed since the baseline (`GET environment`).
 */
export interface IEnvironment {
  baseline: {
    /**
     * `image`: recorded when the image was built; `first-start`: taken by the
     * server the first time it was asked.
     */
    source: 'image' | 'first-start';
    created: string;
  };
  kernel: string;
  added: IWorldChange[];
  removed: IWorldChange[];
  upgraded: { name: string; from: string; to: string }[];
  /**
   * pip packages added or changed in the kernel's environment.
   */
  pip: { name: string; version: string; previous: string | null }[];
  /**
   * Why pip's side is missing, else `null`.
   */
  pip_error: string | null;
}

/**
 * The formats `GET environment/export` writes.
 */
export type ExportFormat = 'dockerfile' | 'apko' | 'apk' | 'requirements';

/**
 * The export's path below the API namespace.
 */
export function exportEndpoint(format: ExportFormat, kernel?: string): string {
  const query = URLExt.objectToQueryString(
    kernel ? { format, kernel } : { format }
  );
  return `environment/export${query}`;
}

/**
 * The changes since the baseline, for a kernel's pip packages (the server's
 * default kernel when none is named).
 */
export function getEnvironment(
  kernel?: string,
  settings?: ServerConnection.ISettings
): Promise<IEnvironment> {
  const query = kernel ? URLExt.objectToQueryString({ kernel }) : '';
  return requestAPI<IEnvironment>(`environment${query}`, {}, settings);
}

/**
 * The changes as a file: its name, as the server gives it, and its text.
 */
export interface IExport {
  filename: string;
  text: string;
}

/**
 * Fetch the changes as a file.
 */
export async function exportEnvironment(
  format: ExportFormat,
  kernel?: string,
  settings?: ServerConnection.ISettings
): Promise<IExport> {
  const { text, headers } = await requestText(
    exportEndpoint(format, kernel),
    {},
    settings
  );
  const disposition = headers.get('Content-Disposition') ?? '';
  const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? format;
  return { filename, text };
}
