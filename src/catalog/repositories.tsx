// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The repositories section of the catalog sidebar: the configured repositories
 * and their state.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import { VDomRenderer, refreshIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { IRepository } from '../api';
import { ToolbarSection } from '../ui/section';

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
export class RepositoryList extends VDomRenderer<CatalogModel> {
  /**
   * Construct the list.
   */
  constructor(options: RepositoryList.IOptions) {
    super(options.model);
    this._trans = options.trans;
    this.addClass(REPOSITORIES_CLASS);
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
                'No repositories are configured: add one in the settings, or ask your administrator.'
              )}
            </div>
          )}
        <ul>
          {Private.problemsFirst(model.repositories).map(repository => (
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
export class RepositoriesSection extends ToolbarSection<CatalogModel> {
  /**
   * Construct the section.
   */
  constructor(options: RepositoryList.IOptions) {
    const { model, trans } = options;
    super({
      model,
      className: REPOSITORIES_SECTION_CLASS,
      label: () =>
        Private.hasProblem(model)
          ? trans._n(
              'Repositories (%1 problem)',
              'Repositories (%1 problems)',
              Math.max(Private.problems(model), 1)
            )
          : trans.__('Repositories'),
      buttons: {
        refresh: {
          icon: refreshIcon,
          onClick: () => {
            model.refreshCatalog().catch(reason => {
              // The section shows the error; the console keeps the details.
              console.error('Failed to re-read the apk repositories', reason);
            });
          },
          tooltip: trans.__('Re-read the repositories')
        }
      },
      content: new RepositoryList({ model, trans })
    });
  }

  /**
   * Whether a repository has a problem, or the list could not be read.
   */
  get hasProblem(): boolean {
    return Private.hasProblem(this.model);
  }
}

/**
 * Module-private helpers.
 */
namespace Private {
  /**
   * The repositories with problems first, each group in apk's order.
   */
  export function problemsFirst(
    repositories: ReadonlyArray<IRepository>
  ): IRepository[] {
    return [
      ...repositories.filter(repository => repository.status !== 'ok'),
      ...repositories.filter(repository => repository.status === 'ok')
    ];
  }

  /**
   * How many repositories have a problem.
   */
  export function problems(model: CatalogModel): number {
    return model.repositories.filter(repository => repository.status !== 'ok')
      .length;
  }

  /**
   * Whether a repository has a problem, or the list could not be read.
   */
  export function hasProblem(model: CatalogModel): boolean {
    return problems(model) > 0 || model.repositoriesError !== null;
  }
}
