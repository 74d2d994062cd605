// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The package list of the catalog sidebar and its keyboard handling.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { JobAction } from '../api';
import { JobsModel } from '../jobs/model';
import {
  EMPTY_CLASS,
  LIST_CLASS,
  LOADING_CLASS,
  LOADING_MOD,
  MORE_CLASS,
  PACKAGES_CLASS,
  SCROLL_CLASS
} from './classes';
import { PackageDetails } from './details';
import { PackageEntry } from './entry';
import { ErrorMessage } from './error';
import { CatalogModel } from './model';
import { SelectionBar } from './selection';

/**
 * How close to the bottom of the list (in pixels) scrolling loads the next page.
 */
const LOAD_MORE_THRESHOLD = 300;

/**
 * How many rows PageUp and PageDown move.
 */
const PAGE_STEP = 10;

/**
 * The package list with its loading, empty and error states, and the details
 * of the selected package.
 *
 * #### Notes
 * Only the pages loaded so far are rendered; scrolling near the end, pressing
 * "Show more" or moving past the last row with the keyboard loads the next one.
 */
export class PackageList extends ReactWidget {
  /**
   * Construct the list.
   */
  constructor(options: PackageList.IOptions) {
    super();
    this.model = options.model;
    this.jobs = options.jobs ?? null;
    this._trans = options.trans;
    this._onLeave = options.onLeave;
    this._onAction = options.onAction ?? null;
    this.addClass(PACKAGES_CLASS);
    this.model.stateChanged.connect(this._onModelChanged, this);
    this.jobs?.stateChanged.connect(this.update, this);
  }

  /**
   * The model rendered.
   */
  readonly model: CatalogModel;

  /**
   * The install queue whose jobs the rows show, or `null`.
   */
  readonly jobs: JobsModel | null;

  /**
   * The index of the row the keyboard is on, or -1.
   */
  get activeIndex(): number {
    return this._active;
  }

  /**
   * Move keyboard focus into the list, on the selected row or the first one.
   */
  focusList(): void {
    const { packages, selected } = this.model;
    if (this._active < 0 || this._active >= packages.length) {
      const index = packages.findIndex(pkg => pkg.name === selected);
      this._active = index >= 0 ? index : packages.length > 0 ? 0 : -1;
    }
    this._listRef.current?.focus();
    this._scrollToActive = true;
    this.update();
  }

  /**
   * Dispose of the list.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.stateChanged.disconnect(this._onModelChanged, this);
    this.jobs?.stateChanged.disconnect(this.update, this);
    super.dispose();
  }

  protected onUpdateRequest(msg: Message): void {
    super.onUpdateRequest(msg);
    if (this._scrollToActive) {
      this._scrollToActive = false;
      // React renders asynchronously; scroll once the new rows exist.
      void this.renderPromise?.then(() => this._revealActive());
    }
  }

  protected render(): JSX.Element {
    const { model } = this;
    const trans = this._trans;
    const packages = model.packages;
    const selectedPackage = model.selectedPackage;
    const activeId =
      this._active >= 0 && this._active < packages.length
        ? PackageEntry.entryId(packages[this._active].name)
        : undefined;
    // A user who may only browse gets no install actions.
    const onAction =
      model.serverInfo?.may_install === false ? null : this._onAction;
    const checked = new Set(model.checked);
    const allowRemove = model.serverInfo?.allow_remove === true;
    return (
      <>
        {onAction && model.checked.length > 0 && (
          <SelectionBar
            model={model}
            onAction={onAction}
            allowRemove={allowRemove}
            trans={trans}
          />
        )}
        <div
          className={`${SCROLL_CLASS}${model.isLoading ? ` ${LOADING_MOD}` : ''}`}
          // Hidden, not unmounted, under the details: the list keeps its scroll.
          hidden={model.selected !== null}
          onScroll={this._onScroll}
        >
          <ListStatus model={model} trans={trans} />
          <ul
            ref={this._listRef}
            className={LIST_CLASS}
            role="listbox"
            tabIndex={0}
            aria-label={trans.__('Packages')}
            aria-multiselectable={onAction ? true : undefined}
            aria-activedescendant={activeId}
            onKeyDown={this._onKeyDown}
            onFocus={this._onFocus}
          >
            {packages.map((pkg, index) => (
              <PackageEntry
                key={pkg.name}
                pkg={pkg}
                active={index === this._active}
                selected={pkg.name === model.selected}
                onClick={() => this._activate(index, true)}
                job={this.jobs?.activeJobFor(pkg.name) ?? null}
                actions={
                  onAction
                    ? {
                        checked: checked.has(pkg.name),
                        allowRemove,
                        onCheck: value =>
                          model.setChecked(pkg.name, value, pkg),
                        onAction: action => {
                          void onAction(action, [pkg.name]);
                        }
                      }
                    : null
                }
                trans={trans}
              />
            ))}
          </ul>
          {model.hasMore && <MoreButton model={model} trans={trans} />}
        </div>
        {model.selected !== null && (
          <PackageDetails
            name={model.selected}
            pkg={selectedPackage}
            details={model.details}
            isLoading={model.isLoadingDetails}
            error={model.detailsError}
            onClose={() => {
              void model.select(null);
              // Back on the row, once the list is shown again.
              void this.renderPromise?.then(() => {
                this._listRef.current?.focus();
                this._revealActive();
              });
            }}
            job={this.jobs?.activeJobFor(model.selected) ?? null}
            actions={
              onAction && selectedPackage
                ? {
                    allowRemove,
                    onAction: action => {
                      void onAction(action, [selectedPackage.name]);
                    }
                  }
                : null
            }
            trans={trans}
          />
        )}
      </>
    );
  }

  private _onModelChanged(): void {
    // A new search replaces the rows: the keyboard position means nothing anymore.
    const first = this.model.packages[0]?.name ?? null;
    if (first !== this._firstName) {
      this._firstName = first;
      this._active =
        this.model.packages.length > 0 && this._active >= 0 ? 0 : -1;
    }
    this.update();
  }

  private _onFocus = (): void => {
    if (this._active < 0 && this.model.packages.length > 0) {
      this._active = 0;
      this.update();
    }
  };

  private _onScroll = (event: React.UIEvent<HTMLDivElement>): void => {
    const node = event.currentTarget;
    if (
      this.model.hasMore &&
      this.model.error === null &&
      node.scrollTop + node.clientHeight >=
        node.scrollHeight - LOAD_MORE_THRESHOLD
    ) {
      void this.model.loadMore();
    }
  };

  private _onKeyDown = (event: React.KeyboardEvent<HTMLUListElement>): void => {
    const count = this.model.packages.length;
    const last = count - 1;
    let next: number | null = null;
    switch (event.key) {
      case 'ArrowDown':
        next = Math.min(this._active + 1, last);
        break;
      case 'ArrowUp':
        if (this._active <= 0) {
          event.preventDefault();
          this._onLeave();
          return;
        }
        next = this._active - 1;
        break;
      case 'PageDown':
        next = Math.min(this._active + PAGE_STEP, last);
        break;
      case 'PageUp':
        next = Math.max(this._active - PAGE_STEP, 0);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = last;
        break;
      case ' ':
        // With job actions, Space checks the row (as in a multi-select list).
        if (this._onAction && this._active >= 0 && this._active < count) {
          event.preventDefault();
          const pkg = this.model.packages[this._active];
          this.model.setChecked(
            pkg.name,
            !this.model.checked.includes(pkg.name),
            pkg
          );
          return;
        }
      // falls through: without actions, Space opens the details as Enter does
      case 'Enter':
        if (this._active >= 0 && this._active < count) {
          event.preventDefault();
          const name = this.model.packages[this._active].name;
          void this.model.select(this.model.selected === name ? null : name);
        }
        return;
      case 'Escape':
        event.preventDefault();
        event.stopPropagation();
        if (this.model.selected !== null) {
          void this.model.select(null);
        } else {
          this._onLeave();
        }
        return;
      default:
        return;
    }
    event.preventDefault();
    if (count === 0 || next === null || next < 0) {
      return;
    }
    this._activate(next, false);
    // Reaching the last rows loads the next page, so the keyboard never hits a wall.
    if (next >= last - 1 && this.model.hasMore && this.model.error === null) {
      void this.model.loadMore();
    }
  };

  /**
   * Make a row the keyboard's row, and select it when asked.
   */
  private _activate(index: number, select: boolean): void {
    this._active = index;
    this._scrollToActive = true;
    if (select) {
      const name = this.model.packages[index]?.name;
      if (name !== undefined) {
        void this.model.select(name);
      }
    }
    this.update();
  }

  /**
   * Scroll the keyboard's row into view.
   */
  private _revealActive(): void {
    const row = this._listRef.current?.children[this._active] as
      HTMLElement | undefined;
    // jsdom has no scrollIntoView.
    if (row && typeof row.scrollIntoView === 'function') {
      row.scrollIntoView({ block: 'nearest' });
    }
  }

  private _active = -1;
  private _firstName: string | null = null;
  private _listRef = React.createRef<HTMLUListElement>();
  private _onAction: PackageList.ActionHandler | null;
  private _onLeave: () => void;
  private _scrollToActive = false;
  private _trans: TranslationBundle;
}

/**
 * The namespace for `PackageList` statics.
 */
export namespace PackageList {
  /**
   * The options to create a package list.
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
    /**
     * Called when the keyboard leaves the list upwards (to the search box).
     */
    onLeave: () => void;
    /**
     * The install queue whose active jobs the rows show.
     */
    jobs?: JobsModel | null;
    /**
     * Called when the user asks for a job; without it, rows have no actions.
     */
    onAction?: ActionHandler | null;
  }

  /**
   * Called with the job the user asks for; may resolve with whether the job
   * was started (`false`: declined or refused, the checked rows stay checked).
   */
  export type ActionHandler = (
    action: JobAction,
    packages: ReadonlyArray<string>
  ) => Promise<boolean> | void;
}

/**
 * The list's loading, error and empty states, above its rows.
 */
function ListStatus(props: ListStatus.IProperties): JSX.Element {
  const { model, trans } = props;
  const showEmpty =
    model.isInitialized &&
    !model.isLoading &&
    model.error === null &&
    model.packages.length === 0;
  return (
    <>
      {model.isLoading && (
        <div className={LOADING_CLASS} role="status">
          {trans.__('Loading packages…')}
        </div>
      )}
      {model.error !== null && (
        <ErrorMessage
          message={model.error}
          onRetry={() => void model.retry()}
          trans={trans}
        />
      )}
      {showEmpty && (
        <div className={EMPTY_CLASS} role="status">
          {model.query
            ? trans.__('No packages match "%1".', model.query)
            : trans.__('No packages to show with this filter.')}
        </div>
      )}
    </>
  );
}

/**
 * The namespace for `ListStatus` statics.
 */
namespace ListStatus {
  /**
   * The properties of the list's states.
   */
  export interface IProperties {
    /**
     * The catalog model.
     */
    model: CatalogModel;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}

/**
 * The "Show more" button below the rows, while more pages are left.
 */
function MoreButton(props: MoreButton.IProperties): JSX.Element {
  const { model, trans } = props;
  return (
    <button
      className={`${MORE_CLASS} jp-mod-styled`}
      disabled={model.isLoadingMore || model.isLoading}
      onClick={() => void model.loadMore()}
    >
      {model.isLoadingMore
        ? trans.__('Loading more…')
        : trans.__(
            'Show more (%1 of %2)',
            model.packages.length.toLocaleString(),
            model.total.toLocaleString()
          )}
    </button>
  );
}

/**
 * The namespace for `MoreButton` statics.
 */
namespace MoreButton {
  /**
   * The properties of the "Show more" button.
   */
  export interface IProperties {
    /**
     * The catalog model.
     */
    model: CatalogModel;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}
