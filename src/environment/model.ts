// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * What changed since the image, as state for the sidebar's Environment
 * section (no DOM).
 */

import { VDomModel } from '@jupyterlab/ui-components';
import { ServerConnection } from '@jupyterlab/services';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';

import {
  describeRequestError,
  ExportFormat,
  exportEnvironment,
  getEnvironment,
  IEnvironment,
  IExport
} from '../api';

/**
 * The changes since the baseline, refreshed on demand (after jobs end, or by
 * the user).
 */
export class EnvironmentModel extends VDomModel {
  constructor(options: EnvironmentModel.IOptions) {
    super();
    this.serverSettings = options.serverSettings;
    this._trans = options.translator.load('jupyterlab_apk');
  }

  /**
   * The server the model talks to.
   */
  readonly serverSettings: ServerConnection.ISettings;

  /**
   * The last answer, or `null` before the first.
   */
  get environment(): IEnvironment | null {
    return this._environment;
  }

  /**
   * Why the last refresh failed, else `null`.
   */
  get error(): string | null {
    return this._error;
  }

  /**
   * Whether a refresh is under way.
   */
  get isLoading(): boolean {
    return this._loading;
  }

  /**
   * Whether anything changed since the baseline.
   */
  get hasChanges(): boolean {
    const env = this._environment;
    return (
      env !== null &&
      env.added.length +
        env.removed.length +
        env.upgraded.length +
        env.pip.length >
        0
    );
  }

  /**
   * Whether an undo has anything to do: an apk package was added or removed
   * since the baseline (upgrades and pip packages are left as they are).
   */
  get canUndo(): boolean {
    const env = this._environment;
    return env !== null && env.added.length + env.removed.length > 0;
  }

  /**
   * Why the server's policy refuses an undo to this user, or `null` when it
   * does not (or is not known yet: the server checks it again).
   */
  get undoRefusal(): string | null {
    return this._undoRefusal;
  }
  set undoRefusal(value: string | null) {
    if (value !== this._undoRefusal) {
      this._undoRefusal = value;
      this.stateChanged.emit();
    }
  }

  /**
   * Ask the server again. A call while a request runs asks once more after it,
   * since that request may have started before what the caller wants to see.
   */
  refresh(): Promise<void> {
    if (this._pending) {
      this._again = true;
      return this._pending;
    }
    this._loading = true;
    this.stateChanged.emit();
    this._pending = this.fetchEnvironment()
      .then(
        environment => {
          this._environment = environment;
          this._error = null;
        },
        reason => {
          this._error = describeRequestError(reason, this._trans);
        }
      )
      .finally(() => {
        this._pending = null;
        this._loading = false;
        if (this.isDisposed) {
          return;
        }
        this.stateChanged.emit();
        if (this._again) {
          this._again = false;
          void this.refresh();
        }
      });
    return this._pending;
  }

  /**
   * The changes as a file.
   */
  exportFile(format: ExportFormat): Promise<IExport> {
    return this.fetchExport(format);
  }

  /**
   * Fetch the changes (protected so tests can serve them).
   */
  protected fetchEnvironment(): Promise<IEnvironment> {
    return getEnvironment(undefined, this.serverSettings);
  }

  /**
   * Fetch an export (protected so tests can serve it).
   */
  protected fetchExport(format: ExportFormat): Promise<IExport> {
    return exportEnvironment(format, undefined, this.serverSettings);
  }

  private _environment: IEnvironment | null = null;
  private _error: string | null = null;
  private _loading = false;
  private _pending: Promise<void> | null = null;
  private _again = false;
  private _undoRefusal: string | null = null;
  private _trans: TranslationBundle;
}

export namespace EnvironmentModel {
  export interface IOptions {
    serverSettings: ServerConnection.ISettings;
    translator: ITranslator;
  }
}
