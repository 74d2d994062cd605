// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The line of the sidebar's repositories section that says whether the
 * repositories of the user's settings are in use.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import { VDomRenderer } from '@jupyterlab/ui-components';
import * as React from 'react';

import { RepositorySettingsModel } from './model';

const STATUS_CLASS = 'jp-ApkPanel-repositorySettings';
const ERROR_MOD = 'jp-mod-error';

/**
 * Shows, above the repository list, that the settings' repositories are being
 * applied, or why the server refused them; nothing otherwise.
 */
export class RepositorySettingsStatus extends VDomRenderer<RepositorySettingsModel> {
  /**
   * Construct the status line.
   */
  constructor(options: RepositorySettingsStatus.IOptions) {
    super(options.model);
    this._trans = options.trans;
    this._onEdit = options.onEdit ?? null;
    this.addClass(STATUS_CLASS);
  }

  protected render(): JSX.Element | null {
    const { model } = this;
    const trans = this._trans;
    const onEdit = this._onEdit;
    if (model.isApplying) {
      return (
        <div role="status">
          {trans.__('Applying the repositories of your settings…')}
        </div>
      );
    }
    if (model.error === null) {
      return null;
    }
    return (
      <div className={ERROR_MOD} role="alert">
        <span>
          {trans.__(
            'The repositories of your settings are not in use: %1',
            model.error
          )}
        </span>
        {onEdit && (
          <button
            type="button"
            className="jp-Button jp-mod-styled jp-mod-reject"
            onClick={() => onEdit()}
          >
            {trans.__('Edit Settings')}
          </button>
        )}
      </div>
    );
  }

  private _onEdit: (() => void) | null;
  private _trans: TranslationBundle;
}

/**
 * The namespace for `RepositorySettingsStatus` statics.
 */
export namespace RepositorySettingsStatus {
  /**
   * The options to create the status line.
   */
  export interface IOptions {
    /**
     * The model to render.
     */
    model: RepositorySettingsModel;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
    /**
     * Opens the settings editor at the setting, when there is one.
     */
    onEdit?: () => void;
  }
}
