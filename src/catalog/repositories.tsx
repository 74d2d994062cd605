// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The list of the configured repositories and their state.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { EMPTY_CLASS, LOADING_CLASS, REPOSITORIES_CLASS } from './classes';
import { ErrorMessage } from './error';
import { CatalogModel } from './model';
import { RepositoryEntry } from './repository';

/**
 * The list of configured repositories and their state.
 */
export class RepositoryList extends ReactWidget {
  /**
   * Construct the list.
   */
  constructor(options: RepositoryList.IOptions) {
    super();
    this.model = options.model;
    this._trans = options.trans;
    this.addClass(REPOSITORIES_CLASS);
    this.model.stateChanged.connect(this.update, this);
  }

  /**
   * The model rendered.
   */
  readonly model: CatalogModel;

  /**
   * Dispose of the list.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.stateChanged.disconnect(this.update, this);
    super.dispose();
  }

  protected render(): JSX.Element {
    const { model } = this;
    const trans = this._trans;
    return (
      <>
        {model.isRefreshing && (
          <div className={LOADING_CLASS} role="status">
            {trans.__('Reading repositories…')}
          </div>
        )}
        {model.repositoriesError !== null && (
          <ErrorMessage
            message={model.repositoriesError}
            onRetry={() => void model.refreshRepositories()}
            trans={trans}
          />
        )}
        {model.isInitialized &&
          !model.isRefreshing &&
          model.repositoriesError === null &&
          model.repositories.length === 0 && (
            <div className={EMPTY_CLASS} role="status">
              {trans.__(
                'No repositories are configured. An administrator sets them with c.ApkManager.repositories.'
              )}
            </div>
          )}
        <ul>
          {model.repositories.map(repository => (
            <RepositoryEntry
              key={repository.url}
              repository={repository}
              trans={trans}
            />
          ))}
        </ul>
      </>
    );
  }

  private _trans: TranslationBundle;
}

/**
 * The namespace for `RepositoryList` statics.
 */
export namespace RepositoryList {
  /**
   * The options to create a repository list.
   */
  export interface IOptions {
    /**
     * The model to render.
     */
    model: CatalogModel;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}
