// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The repositories of the user's settings, applied to the server: the
 * administrator's policy, what the server uses now, and the `PUT
 * repositories` a change of the setting asks for.
 *
 * No DOM here: the settings editor's field and the sidebar's repositories
 * section render this model.
 */

import { ServerConnection } from '@jupyterlab/services';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { VDomModel } from '@jupyterlab/ui-components';
import { ISignal, Signal } from '@lumino/signaling';

import {
  describeRequestError,
  IRepository,
  IRepositoryPolicy,
  IServerInfo,
  putRepositories
} from '../api';
import {
  REPOSITORIES_SETTING,
  repositoriesToUse,
  RepositoryStatus,
  repositoryStatus,
  sameRepositories,
  withPolicyDefault
} from './repositories';

/**
 * The model of the `repositories` setting.
 *
 * #### Notes
 * Nothing is sent before `serverInfo` is set: the policy and the list in use
 * decide whether a change needs a request at all. A list the server refused
 * (400 or 403) is not sent again until the setting asks for another one, so a
 * refusal never turns into a loop of requests; the server keeps its list.
 */
export class RepositorySettingsModel extends VDomModel {
  /**
   * Construct a new model.
   */
  constructor(options: RepositorySettingsModel.IOptions = {}) {
    super();
    this.serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
    this._trans = (options.translator ?? nullTranslator).load('jupyterlab_apk');
  }

  /**
   * The server settings used for all requests.
   */
  readonly serverSettings: ServerConnection.ISettings;

  /**
   * The server's `GET settings` reply, or `null` until it is known.
   *
   * Setting it takes the policy and the list in use from it.
   */
  get serverInfo(): IServerInfo | null {
    return this._serverInfo;
  }
  set serverInfo(info: IServerInfo | null) {
    if (info === this._serverInfo) {
      return;
    }
    this._serverInfo = info;
    this._inUse = info ? [...info.repositories] : [];
    this.stateChanged.emit();
  }

  /**
   * The administrator's repository policy, or `null` when it is not known.
   */
  get policy(): IRepositoryPolicy | null {
    return this._serverInfo?.policy ?? null;
  }

  /**
   * The repositories the server uses now, in order.
   */
  get inUse(): ReadonlyArray<string> {
    return this._inUse;
  }

  /**
   * Whether a `PUT repositories` is under way.
   */
  get isApplying(): boolean {
    return this._applying;
  }

  /**
   * Why the setting's repositories are not in use (the server's message), or `null`.
   */
  get error(): string | null {
    return this._error;
  }

  /**
   * The default the `fetch` transform gave the setting, or `null` before it ran.
   */
  get defaultValue(): unknown {
    return this._default;
  }

  /**
   * A signal emitted with the repositories' state after the server switched to
   * the setting's list.
   */
  get applied(): ISignal<this, ReadonlyArray<IRepository>> {
    return this._applied;
  }

  /**
   * A signal emitted with the server's message when it did not switch (once
   * per attempt).
   */
  get failed(): ISignal<this, string> {
    return this._failed;
  }

  /**
   * What the policy makes of a repository URL.
   */
  status(url: string): RepositoryStatus {
    return repositoryStatus(url, this.policy);
  }

  /**
   * The `fetch` transform of `jupyterlab-apk:catalog`: the administrator's
   * repositories become the setting's default.
   *
   * #### Notes
   * Register it with `ISettingRegistry.transform` once `serverInfo` is set (or
   * known to be unavailable): the registry applies it synchronously to every
   * fetch of the plugin, and the schema of a loaded `Settings` never changes.
   */
  transform(plugin: ISettingRegistry.IPlugin): ISettingRegistry.IPlugin {
    const transformed = withPolicyDefault(plugin, this.policy);
    this._default =
      transformed.schema.properties?.[REPOSITORIES_SETTING]?.default ?? null;
    return transformed;
  }

  /**
   * Make the server use the repositories a setting value asks for.
   *
   * @param value The setting's composite value.
   * @param defaultValue The setting's default; the transform's when left out.
   *   Nothing is sent while it is unknown (`null`).
   *
   * @returns A promise that resolves once the server answered (or nothing was
   * needed); it never rejects, failures end in `error` and `failed`.
   *
   * #### Notes
   * Calls made while a request is under way are coalesced: only the latest
   * value is sent after it.
   */
  apply(value: unknown, defaultValue: unknown = this._default): Promise<void> {
    const policy = this.policy;
    // Without the policy or the default, a change cannot be told from the default.
    if (this.isDisposed || policy === null || defaultValue === null) {
      return Promise.resolve();
    }
    this._wanted = repositoriesToUse(value, defaultValue, policy);
    if (!this._draining) {
      this._draining = this._drain().finally(() => {
        this._draining = null;
      });
    }
    return this._draining;
  }

  /**
   * Dispose of the model; answers still under way are ignored.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._wanted = null;
    Signal.clearData(this);
    super.dispose();
  }

  /**
   * Ask the server to use repositories (`PUT repositories`).
   */
  protected putRepositories(urls: string[]): Promise<IRepository[]> {
    return putRepositories(urls, this.serverSettings);
  }

  /**
   * Send the wanted list until it is the one in use (or was refused).
   */
  private async _drain(): Promise<void> {
    while (this._wanted !== null && !this.isDisposed) {
      const wanted = this._wanted;
      this._wanted = null;
      if (sameRepositories(wanted, this._inUse)) {
        // Nothing to send: a refusal of another list no longer matters.
        this._refused = null;
        this._setError(null);
        continue;
      }
      const key = JSON.stringify(wanted);
      if (key === this._refused) {
        continue;
      }
      await this._put(wanted, key);
    }
  }

  /**
   * Send one list and record the answer.
   */
  private async _put(urls: string[], key: string): Promise<void> {
    this._applying = true;
    this.stateChanged.emit();
    let states: IRepository[] | null = null;
    let error: string | null = null;
    try {
      states = await this.putRepositories(urls);
    } catch (reason) {
      error = describeRequestError(reason, this._trans);
      // A refusal stands until the list changes; anything else may be retried.
      if (
        reason instanceof ServerConnection.ResponseError &&
        (reason.response.status === 400 || reason.response.status === 403)
      ) {
        this._refused = key;
      }
    }
    if (this.isDisposed) {
      return;
    }
    this._applying = false;
    if (states !== null) {
      this._inUse = states.map(state => state.url);
      this._refused = null;
      this._error = null;
      this.stateChanged.emit();
      this._applied.emit(states);
    } else {
      this._error = error;
      this.stateChanged.emit();
      this._failed.emit(error!);
    }
  }

  private _setError(error: string | null): void {
    if (error !== this._error) {
      this._error = error;
      this.stateChanged.emit();
    }
  }

  private _applied = new Signal<this, ReadonlyArray<IRepository>>(this);
  private _applying = false;
  private _default: unknown = null;
  private _draining: Promise<void> | null = null;
  private _error: string | null = null;
  private _failed = new Signal<this, string>(this);
  private _inUse: ReadonlyArray<string> = [];
  private _refused: string | null = null;
  private _serverInfo: IServerInfo | null = null;
  private _trans: TranslationBundle;
  private _wanted: string[] | null = null;
}

/**
 * The namespace for `RepositorySettingsModel` statics.
 */
export namespace RepositorySettingsModel {
  /**
   * The options to create the model.
   */
  export interface IOptions {
    /**
     * The server settings; defaults to `ServerConnection.makeSettings()`.
     */
    serverSettings?: ServerConnection.ISettings;
    /**
     * The application language translator, for error messages.
     */
    translator?: ITranslator;
  }
}
