// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The server and its repositories: `GET settings`, `GET repositories`,
 * `POST refresh` and `PUT repositories`.
 */

import type { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from './request';

/**
 * The state of one configured repository.
 */
export interface IRepository {
  /**
   * The repository URL as configured.
   */
  url: string;
  /**
   * `ok`: read and verified; `stale`: the last good copy is in use because
   * re-reading failed; `untrusted`: the index signature could not be verified;
   * `error`: the repository could not be read at all.
   */
  status: IRepository.Status;
  /**
   * Why the repository is not `ok`, or `null`.
   */
  message: string | null;
  /**
   * How many packages the repository contributes.
   */
  packages: number;
  /**
   * When the index was last read successfully (ISO 8601), or `null`.
   */
  refreshed: string | null;
}

/**
 * The namespace for `IRepository` statics.
 */
export namespace IRepository {
  /**
   * The status of a repository.
   */
  export type Status = 'ok' | 'stale' | 'untrusted' | 'error';
}

/**
 * What the server extension says of itself (`GET settings`): version, mode
 * and repository policy. How to reach the server is `ServerConnection.ISettings`.
 */
export interface IServerInfo {
  /**
   * The server extension's version; it should equal the frontend's.
   */
  version: string;
  /**
   * Whether installs go to a sandbox root instead of the system.
   */
  demo_mode: boolean;
  /**
   * The architecture whose packages are listed, e.g. `x86_64`.
   */
  arch: string;
  /**
   * The configured repository URLs, in order.
   */
  repositories: string[];
  /**
   * Whether the administrator lets users remove packages; `POST jobs` answers
   * 403 to a removal when it is `false`.
   */
  allow_remove: boolean;
  /**
   * Whether the current user may install, upgrade and remove (`write` on the
   * `apk` resource; under JupyterHub, the `custom:jupyterlab-apk:install` scope).
   */
  may_install?: boolean;
  /**
   * The system root apk manages (`/` unless the server runs a sandbox).
   */
  root?: string;
  /**
   * Whether packages of indexes whose signature cannot be verified are listed.
   */
  allow_untrusted?: boolean;
  /**
   * The administrator's repository policy, which bounds `PUT repositories`.
   * Its `allow_user_repositories` is the one to read: the server's top-level
   * copy is deprecated and left out of this interface.
   */
  policy?: IRepositoryPolicy;
}

/**
 * The administrator's repository policy, as `GET settings` reports it.
 *
 * #### Notes
 * The server checks every `PUT repositories` against it; the frontend only
 * uses it to explain, before saving, what the server will refuse.
 */
export interface IRepositoryPolicy {
  /**
   * The administrator's repositories, in order: always allowed, used unless
   * the user chose otherwise.
   */
  repositories: string[];
  /**
   * What users may add when `allow_user_repositories` is on: exact URLs, or
   * prefixes ending in `/` (everything below them).
   */
  allowed_repositories: string[];
  /**
   * Whether users may add repositories that are not the administrator's.
   */
  allow_user_repositories: boolean;
}

/**
 * Fetch the server's version and mode (`GET settings`).
 */
export function getServerSettings(
  settings?: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<IServerInfo> {
  return requestAPI<IServerInfo>('settings', init, settings);
}

/**
 * Fetch the state of the configured repositories (`GET repositories`).
 */
export function listRepositories(
  settings?: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<IRepository[]> {
  return requestAPI<IRepository[]>('repositories', init, settings);
}

/**
 * Ask the server to re-read every repository (`POST refresh`).
 *
 * @returns The repositories' state after re-reading.
 */
export function refreshRepositories(
  settings?: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<IRepository[]> {
  return requestAPI<IRepository[]>(
    'refresh',
    { ...init, method: 'POST' },
    settings
  );
}

/**
 * Use the user's repositories, in order, instead of the administrator's
 * (`PUT repositories`); the server re-reads them before answering.
 *
 * @param repositories The repository URLs to use, in apk's order.
 *
 * @returns The repositories' state after re-reading.
 *
 * @throws `ResponseError` 400 for a malformed URL and 403 for one outside the
 * administrator's policy, with the server's explanation as its message.
 */
export function putRepositories(
  repositories: string[],
  settings?: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<IRepository[]> {
  return requestAPI<IRepository[]>(
    'repositories',
    { ...init, method: 'PUT', body: JSON.stringify({ repositories }) },
    settings
  );
}
