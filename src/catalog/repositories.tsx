// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The repositories section of the catalog sidebar: the configured repositories
 * and their state.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import {
  PanelWithToolbar,
  ReactWidget,
  refreshIcon,
  ToolbarButton
} from '@jupyterlab/ui-components';
import * as React from 'react';

import {
  EMPTY_CLASS,
  LOADING_CLASS,
  REPOSITORIES_CLASS,
  REPOSITORIES_SECTION_CLASS
} from './classes';
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
            onRetry={() => void model.reloadRepositories()}
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

/**
 * The sidebar's repositories section: a refresh button and the list, under a
 * title that counts the repositories with a problem.
 */
export class RepositoriesSection extends PanelWithToolbar {
  /**
   * Construct the section.
   */
  constructor(options: RepositoryList.IOptions) {
    super();
    const { model, trans } = options;
    this.model = model;
    this._trans = trans;
    this.addClass(REPOSITORIES_SECTION_CLASS);
    this.toolbar.addItem(
      'refresh',
      new ToolbarButton({
        icon: refreshIcon,
        onClick: () => {
          model.refreshCatalog().catch(reason => {
            // The section shows the error; the console keeps the details.
            console.error('Failed to re-read the apk repositories', reason);
          });
        },
        tooltip: trans.__('Re-read the repositories')
      })
    );
    this.addWidget(new RepositoryList({ model, trans }));
    model.stateChanged.connect(this._updateTitle, this);
    this._updateTitle();
  }

  /**
   * The model rendered.
   */
  readonly model: CatalogModel;

  /**
   * Whether a repository has a problem, or the list could not be read.
   */
  get hasProblem(): boolean {
    return this._problems() > 0 || this.model.repositoriesError !== null;
  }

  /**
   * Dispose of the section.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.stateChanged.disconnect(this._updateTitle, this);
    super.dispose();
  }

  /**
   * Keep the title telling how many repositories have problems.
   */
  private _updateTitle(): void {
    const trans = this._trans;
    this.title.label = this.hasProblem
      ? trans._n(
          'Repositories (%1 problem)',
          'Repositories (%1 problems)',
          Math.max(this._problems(), 1)
        )
      : trans.__('Repositories');
  }

  private _problems(): number {
    return this.model.repositories.filter(
      repository => repository.status !== 'ok'
    ).length;
  }

  private _trans: TranslationBundle;
}
