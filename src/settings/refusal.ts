// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The notification of a repository list the server refused: one at a time,
 * kept current, and closed by itself once the list is fixed (the offending
 * entry corrected or removed and the server switched).
 */

import { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';

import { RepositorySettingsModel } from './model';

/**
 * Keeps the refusal notification in step with the repositories setting.
 */
export class RefusalNotice implements IDisposable {
  /**
   * Construct the notice and start listening to the model.
   */
  constructor(options: RefusalNotice.IOptions) {
    this.model = options.model;
    this._trans = options.trans;
    this._onEdit = options.onEdit ?? null;
    this._canEdit = options.canEdit ?? (() => true);
    this.model.failed.connect(this._onFailed, this);
    this.model.stateChanged.connect(this._onStateChanged, this);
  }

  /**
   * The model followed.
   */
  readonly model: RepositorySettingsModel;

  /**
   * The id of the notification shown now, or `null`.
   */
  get notificationId(): string | null {
    return this._id;
  }

  /**
   * Whether the notice is disposed.
   */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Stop listening; a notification shown stays.
   */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.model.failed.disconnect(this._onFailed, this);
    this.model.stateChanged.disconnect(this._onStateChanged, this);
  }

  private _onFailed(_: RepositorySettingsModel, message: string): void {
    const trans = this._trans;
    // A short prefix: notifications show 140 characters of the server's message;
    // the sidebar and the settings editor show all of it.
    const text = trans.__('Repositories not applied: %1', message);
    const actions: Notification.IAction[] =
      this._onEdit && this._canEdit()
        ? [{ label: trans.__('Edit Settings'), callback: this._onEdit }]
        : [];
    if (this._id !== null && Notification.manager.has(this._id)) {
      Notification.update({
        id: this._id,
        message: text,
        type: 'error',
        autoClose: false,
        actions
      });
    } else {
      this._id = Notification.error(text, { autoClose: false, actions });
    }
  }

  private _onStateChanged(): void {
    if (this._id !== null && this.model.error === null) {
      Notification.dismiss(this._id);
      this._id = null;
    }
  }

  private _canEdit: () => boolean;
  private _id: string | null = null;
  private _isDisposed = false;
  private _onEdit: (() => void) | null;
  private _trans: TranslationBundle;
}

/**
 * The namespace for `RefusalNotice` statics.
 */
export namespace RefusalNotice {
  /**
   * The options to create the notice.
   */
  export interface IOptions {
    /**
     * The model of the repositories setting.
     */
    model: RepositorySettingsModel;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
    /**
     * Called by the notification's "Edit Settings" action; without it, no action.
     */
    onEdit?: () => void;
    /**
     * Whether "Edit Settings" can be offered now (the settings editor's
     * command may be registered after this plugin); defaults to always.
     */
    canEdit?: () => boolean;
  }
}
