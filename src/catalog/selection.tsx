// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The toolbar of the packages checked in the catalog for one job.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import {
  CLEAR_SELECTION_CLASS,
  INSTALL_SELECTED_CLASS,
  SELECTION_CLASS,
  SELECTION_COUNT_CLASS
} from './classes';
import { PackageList } from './list';
import { CatalogModel } from './model';

/**
 * The count of the checked packages, with buttons to install or uncheck them.
 */
export function SelectionBar(props: SelectionBar.IProperties): JSX.Element {
  const { model, onAction, trans } = props;
  return (
    <div className={SELECTION_CLASS} role="toolbar">
      <span className={SELECTION_COUNT_CLASS}>
        {trans._n('%1 selected', '%1 selected', model.checked.length)}
      </span>
      <button
        className={`${INSTALL_SELECTED_CLASS} jp-Button jp-mod-styled jp-mod-accept`}
        title={model.checked.join(' ')}
        onClick={() => {
          const names = [...model.checked];
          // Kept checked if the user declines the confirmation.
          void Promise.resolve(onAction('install', names)).then(started => {
            if (started !== false) {
              names.forEach(name => model.setChecked(name, false));
            }
          });
        }}
      >
        {trans.__('Install selected')}
      </button>
      <button
        className={`${CLEAR_SELECTION_CLASS} jp-Button jp-mod-styled jp-mod-reject`}
        onClick={() => model.clearChecked()}
      >
        {trans.__('Clear')}
      </button>
    </div>
  );
}

/**
 * The namespace for `SelectionBar` statics.
 */
export namespace SelectionBar {
  /**
   * The properties of the selection toolbar.
   */
  export interface IProperties {
    /**
     * The model whose checked packages are shown.
     */
    model: CatalogModel;
    /**
     * Called with the job asked for on the checked packages.
     */
    onAction: PackageList.ActionHandler;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}
