// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The notice offered when a notebook opens whose recorded system packages are
 * not installed here.
 */

import { Notification } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';

import { getPackage, type IPackage } from '../api';
import { runJob } from '../jobs/actions';
import { packagesLabel } from '../jobs/dialog';
import type { JobsModel } from '../jobs/model';
import { type IMetadataOwner, readRecorded } from './metadata';
import { missingPackages, packageState, type PackageState } from './missing';

/**
 * The notice's text (a notification shows 140 characters: long lists are shortened).
 */
export function noticeMessage(
  notebook: string,
  missing: ReadonlyArray<string>,
  unavailable: ReadonlyArray<string>,
  trans: TranslationBundle
): string {
  if (missing.length === 0) {
    return trans.__(
      '%1 uses system packages that are neither installed nor in the configured repositories: %2.',
      notebook,
      packagesLabel(unavailable, trans)
    );
  }
  const offered = trans.__(
    '%1 uses system packages that are not installed: %2.',
    notebook,
    packagesLabel(missing, trans)
  );
  if (unavailable.length === 0) {
    return offered;
  }
  return trans.__(
    '%1 Not in the configured repositories: %2.',
    offered,
    packagesLabel(unavailable, trans)
  );
}

/**
 * Checks the notebooks as they open and offers, once per notebook and
 * session, to install the recorded packages that are missing: the install
 * is an ordinary job, confirmed with its plan first.
 */
export class NotebookPackagesNotice {
  constructor(options: NotebookPackagesNotice.IOptions) {
    this._options = options;
  }

  /**
   * Check the notebook at `path` and show the notice if it lacks packages.
   *
   * @returns The notification's id, or `null` when none is shown (the
   * setting is off, nothing is missing, the notebook was checked already
   * or the server could not be asked).
   */
  async check(path: string, notebook: IMetadataOwner): Promise<string | null> {
    const { isEnabled, lookup } = this._options;
    const recorded = readRecorded(notebook);
    if (!isEnabled() || recorded.length === 0 || this._checked.has(path)) {
      return null;
    }
    this._checked.add(path);
    let states: Map<string, PackageState>;
    try {
      const found = await Promise.all(
        recorded.map(item => lookup(item.package))
      );
      states = new Map(
        recorded.map((item, index) => [
          item.package,
          packageState(found[index])
        ])
      );
    } catch (reason) {
      // No notice is better than a wrong one; the next opening asks again.
      this._checked.delete(path);
      console.warn(`jupyterlab-apk: cannot check ${path}'s packages`, reason);
      return null;
    }
    const { missing, unavailable } = missingPackages(recorded, states);
    if (missing.length === 0 && unavailable.length === 0) {
      this._checked.delete(path); // a package removed later is noticed then
      return null;
    }
    return this._show(
      PathExt.basename(path),
      missing.map(item => item.package),
      unavailable.map(item => item.package)
    );
  }

  private _show(
    name: string,
    missing: string[],
    unavailable: string[]
  ): string {
    const { jobs, trans } = this._options;
    const actions: Notification.IAction[] =
      missing.length === 0
        ? []
        : [
            {
              label: trans.__('Install…'),
              caption: trans.__(
                'Show the plan, then install %1',
                missing.join(', ')
              ),
              displayType: 'accent',
              callback: () => {
                this._installing = runJob({
                  model: jobs,
                  action: 'install',
                  packages: missing,
                  confirm: true,
                  trans
                });
              }
            },
            { label: trans.__('Not now'), callback: () => undefined }
          ];
    return Notification.info(noticeMessage(name, missing, unavailable, trans), {
      autoClose: false,
      actions
    });
  }

  /**
   * The install started by the notice's action, until the job is submitted
   * (for tests).
   */
  get installing(): Promise<JobsModel.IEntry | null> {
    return this._installing;
  }

  private _options: NotebookPackagesNotice.IOptions;
  private _checked = new Set<string>();
  private _installing: Promise<JobsModel.IEntry | null> = Promise.resolve(null);
}

/**
 * The namespace for `NotebookPackagesNotice` statics.
 */
export namespace NotebookPackagesNotice {
  /**
   * The options of a `NotebookPackagesNotice`.
   */
  export interface IOptions {
    /**
     * The install queue.
     */
    jobs: JobsModel;
    /**
     * A package as the server knows it, or `null` when it does not.
     */
    lookup: (name: string) => Promise<IPackage | null>;
    /**
     * Whether the notice is on (the `notebookPackagesNotice` setting).
     */
    isEnabled: () => boolean;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }

  /**
   * Look a package up with `GET packages/<name>`: `null` when the server
   * knows no such package.
   *
   * @throws When the server cannot answer.
   */
  export async function lookupPackage(
    name: string,
    settings: ServerConnection.ISettings
  ): Promise<IPackage | null> {
    try {
      return await getPackage(name, settings);
    } catch (reason) {
      if (
        reason instanceof ServerConnection.ResponseError &&
        reason.response.status === 404
      ) {
        return null;
      }
      throw reason;
    }
  }
}
