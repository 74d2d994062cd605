// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The catalog sidebar: React views of a `CatalogModel`.
 *
 * `CatalogPanel` is a `SidePanel` whose header holds the search box, the filter
 * and the count, and whose accordion holds one section per concern (packages,
 * repositories and, given a jobs model, jobs).
 */

import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import {
  caretDownEmptyIcon,
  closeIcon,
  InputGroup,
  PanelWithToolbar,
  ReactWidget,
  refreshIcon,
  searchIcon,
  SidePanel,
  ToolbarButton
} from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { AccordionLayout, AccordionPanel } from '@lumino/widgets';
import * as React from 'react';

import { IPackage, IPackageDetails, IRepository, JobAction } from '../api';
import { apkIcon } from '../icons';
import { JobsModel } from '../jobs/model';
import { JobsSection } from '../jobs/panel';
import { formatBytes } from './format';
import { CATALOG_FILTERS, CatalogFilter, CatalogModel } from './model';

/**
 * The id of the sidebar panel (the UI tests and the layout restorer rely on it).
 */
export const PANEL_ID = 'jp-apk-panel';

/**
 * CSS classes. Tests (jest and Galata) select on these: keep them stable.
 */
const PANEL_CLASS = 'jp-ApkPanel';
const HEADER_CLASS = 'jp-ApkPanel-header';
const DEMO_CLASS = 'jp-ApkPanel-demo';
const SEARCH_CLASS = 'jp-ApkPanel-search';
const CONTROLS_CLASS = 'jp-ApkPanel-controls';
const FILTER_CLASS = 'jp-ApkPanel-filter';
const COUNT_CLASS = 'jp-ApkPanel-count';
const PACKAGES_SECTION_CLASS = 'jp-ApkPanel-packagesSection';
const PACKAGES_CLASS = 'jp-ApkPanel-packages';
const SCROLL_CLASS = 'jp-ApkPanel-scroll';
const LIST_CLASS = 'jp-ApkPanel-list';
const ENTRY_CLASS = 'jp-ApkPanel-entry';
const ENTRY_HEADER_CLASS = 'jp-ApkPanel-entryHeader';
const ENTRY_NAME_CLASS = 'jp-ApkPanel-entryName';
const ENTRY_VERSION_CLASS = 'jp-ApkPanel-entryVersion';
const ENTRY_INSTALLED_CLASS = 'jp-ApkPanel-entryInstalled';
const ENTRY_SIZE_CLASS = 'jp-ApkPanel-entrySize';
const ENTRY_LINE_CLASS = 'jp-ApkPanel-entryLine';
const ENTRY_DESCRIPTION_CLASS = 'jp-ApkPanel-entryDescription';
const MORE_CLASS = 'jp-ApkPanel-more';
const LOADING_CLASS = 'jp-ApkPanel-loading';
const EMPTY_CLASS = 'jp-ApkPanel-empty';
const ERROR_CLASS = 'jp-ApkPanel-error';
const DETAILS_CLASS = 'jp-ApkPanel-details';
const DETAILS_HEADER_CLASS = 'jp-ApkPanel-detailsHeader';
const DETAILS_TITLE_CLASS = 'jp-ApkPanel-detailsTitle';
const DETAILS_FIELDS_CLASS = 'jp-ApkPanel-detailsFields';
const DETAILS_LIST_CLASS = 'jp-ApkPanel-detailsList';
const DETAILS_LOADING_CLASS = 'jp-ApkPanel-detailsLoading';
const DETAILS_ERROR_CLASS = 'jp-ApkPanel-detailsError';
const REPOSITORIES_SECTION_CLASS = 'jp-ApkPanel-repositoriesSection';
const REPOSITORIES_CLASS = 'jp-ApkPanel-repositories';
const REPOSITORY_CLASS = 'jp-ApkPanel-repository';
const REPOSITORY_STATUS_CLASS = 'jp-ApkPanel-repositoryStatus';
const REPOSITORY_URL_CLASS = 'jp-ApkPanel-repositoryUrl';
const REPOSITORY_INFO_CLASS = 'jp-ApkPanel-repositoryInfo';
const REPOSITORY_MESSAGE_CLASS = 'jp-ApkPanel-repositoryMessage';
const INSTALLED_BADGE_CLASS = 'jp-ApkPanel-installedBadge';
const SELECT_CLASS = 'jp-ApkPanel-select';
const SELECTION_CLASS = 'jp-ApkPanel-selection';
const SELECTION_COUNT_CLASS = 'jp-ApkPanel-selectionCount';
const INSTALL_SELECTED_CLASS = 'jp-ApkPanel-installSelected';
const CLEAR_SELECTION_CLASS = 'jp-ApkPanel-clearSelection';
const ENTRY_ACTIONS_CLASS = 'jp-ApkPanel-entryActions';
const ACTION_CLASS = 'jp-ApkPanel-action';
const INSTALL_CLASS = 'jp-ApkPanel-install';
const UPGRADE_CLASS = 'jp-ApkPanel-upgrade';
const REMOVE_CLASS = 'jp-ApkPanel-remove';
const ENTRY_JOB_CLASS = 'jp-ApkPanel-entryJob';
const PROGRESS_CLASS = 'jp-ApkPanel-progress';
const PROGRESS_BAR_CLASS = 'jp-ApkPanel-progressBar';
const JOB_STATE_CLASS = 'jp-ApkPanel-jobState';

const INSTALLED_MOD = 'jp-mod-installed';
const UPGRADABLE_MOD = 'jp-mod-upgradable';
const SELECTED_MOD = 'jp-mod-selected';
const ACTIVE_MOD = 'jp-mod-active';
const LOADING_MOD = 'jp-mod-loading';
const INSTALLING_MOD = 'jp-mod-installing';
const CHECKED_MOD = 'jp-mod-checked';
const INDETERMINATE_MOD = 'jp-mod-indeterminate';

/**
 * How close to the bottom of the list (in pixels) scrolling loads the next page.
 */
const LOAD_MORE_THRESHOLD = 300;

/**
 * How many rows PageUp and PageDown move.
 */
const PAGE_STEP = 10;

/**
 * The header of the catalog: demo banner, search box, filter and count.
 */
export class CatalogHeader extends ReactWidget {
  /**
   * Construct the header.
   */
  constructor(options: CatalogHeader.IOptions) {
    super();
    this.model = options.model;
    this._trans = options.trans;
    this._onNavigate = options.onNavigate;
    this.addClass(HEADER_CLASS);
    this.model.stateChanged.connect(this.update, this);
  }

  /**
   * The model rendered.
   */
  readonly model: CatalogModel;

  /**
   * The search input, once rendered.
   */
  get inputNode(): HTMLInputElement | null {
    return this._inputRef.current;
  }

  /**
   * Dispose of the header.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.stateChanged.disconnect(this.update, this);
    super.dispose();
  }

  /**
   * Show a query set from outside the search box.
   *
   * #### Notes
   * The input is uncontrolled: React would otherwise reset it to the last
   * rendered query after each keystroke, losing keys typed before the next
   * (asynchronous) render.
   */
  protected onUpdateRequest(msg: Message): void {
    super.onUpdateRequest(msg);
    const input = this._inputRef.current;
    if (
      input &&
      input !== document.activeElement &&
      input.value !== this.model.query
    ) {
      input.value = this.model.query;
    }
  }

  protected render(): JSX.Element {
    const { model } = this;
    const trans = this._trans;
    const info = model.serverInfo;
    return (
      <>
        {info?.demo_mode && (
          <div className={DEMO_CLASS} role="note">
            {trans.__(
              'demo mode: installs go to a sandbox root, not the system'
            )}
            {info.demo_message && <div>{info.demo_message}</div>}
          </div>
        )}
        <div className={SEARCH_CLASS}>
          <InputGroup
            type="search"
            inputRef={this._inputRef}
            defaultValue={model.query}
            placeholder={trans.__('Search packages')}
            aria-label={trans.__('Search packages')}
            rightIcon={searchIcon}
            onChange={this._onChange}
            onKeyDown={this._onKeyDown}
          />
        </div>
        <div className={CONTROLS_CLASS}>
          <FilterSelect
            filter={model.filter}
            onChange={filter => {
              model.filter = filter;
            }}
            trans={trans}
          />
          <span
            className={COUNT_CLASS}
            data-total={model.total}
            aria-live="polite"
          >
            {model.isInitialized
              ? trans._n('%1 package', '%1 packages', model.total)
              : ''}
          </span>
        </div>
      </>
    );
  }

  private _onChange = (event: React.ChangeEvent<HTMLInputElement>): void => {
    this.model.query = event.target.value;
  };

  private _onKeyDown = (event: React.KeyboardEvent<HTMLInputElement>): void => {
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        this._onNavigate();
        break;
      case 'Enter':
        event.preventDefault();
        void this.model.search();
        break;
      case 'Escape':
        if (event.currentTarget.value) {
          event.preventDefault();
          event.stopPropagation();
          event.currentTarget.value = '';
          this.model.query = '';
        }
        break;
      default:
        break;
    }
  };

  private _inputRef = React.createRef<HTMLInputElement>();
  private _onNavigate: () => void;
  private _trans: TranslationBundle;
}

/**
 * The namespace for `CatalogHeader` statics.
 */
export namespace CatalogHeader {
  /**
   * The options to create a catalog header.
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
     * Called when the user asks to move from the search box into the list.
     */
    onNavigate: () => void;
  }
}

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
    const showEmpty =
      model.isInitialized &&
      !model.isLoading &&
      model.error === null &&
      packages.length === 0;
    const selectedPackage = model.selectedPackage;
    const activeId =
      this._active >= 0 && this._active < packages.length
        ? Private.entryId(packages[this._active].name)
        : undefined;
    // A user who may only browse gets no install actions.
    const onAction =
      model.serverInfo?.may_install === false ? null : this._onAction;
    const checked = new Set(model.checked);
    const allowRemove = model.serverInfo?.allow_remove === true;
    return (
      <>
        {onAction && model.checked.length > 0 && (
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
                void Promise.resolve(onAction('install', names)).then(
                  started => {
                    if (started !== false) {
                      names.forEach(name => model.setChecked(name, false));
                    }
                  }
                );
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
        )}
        <div
          className={`${SCROLL_CLASS}${model.isLoading ? ` ${LOADING_MOD}` : ''}`}
          onScroll={this._onScroll}
        >
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
          <ul
            ref={this._listRef}
            className={LIST_CLASS}
            role="listbox"
            tabIndex={0}
            aria-label={trans.__('Packages')}
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
                        onCheck: value => model.setChecked(pkg.name, value),
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
          {model.hasMore && (
            <button
              className={`${MORE_CLASS} jp-mod-styled`}
              disabled={model.isLoadingMore || model.isLoading}
              onClick={() => void model.loadMore()}
            >
              {model.isLoadingMore
                ? trans.__('Loading more…')
                : trans.__(
                    'Show more (%1 of %2)',
                    packages.length.toLocaleString(),
                    model.total.toLocaleString()
                  )}
            </button>
          )}
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
              this._listRef.current?.focus();
            }}
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
      case 'Enter':
      case ' ':
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

/**
 * The catalog sidebar panel.
 */
export class CatalogPanel extends SidePanel {
  /**
   * Construct the panel.
   */
  constructor(options: CatalogPanel.IOptions) {
    const { model, translator } = options;
    super({ translator });
    this.model = model;
    this.id = PANEL_ID;
    this.addClass(PANEL_CLASS);
    const trans = (this._apkTrans = translator.load('jupyterlab_apk'));
    this.title.icon = apkIcon;
    this.title.caption = trans.__('Prebuilt Packages');
    this.node.setAttribute('aria-label', trans.__('Prebuilt Packages'));

    this._catalogHeader = new CatalogHeader({
      model,
      trans,
      onNavigate: () => this._list.focusList()
    });
    this.header.addWidget(this._catalogHeader);

    const packages = new PanelWithToolbar();
    packages.addClass(PACKAGES_SECTION_CLASS);
    packages.title.label = trans.__('Packages');
    packages.toolbar.addItem(
      'refresh',
      new ToolbarButton({
        icon: refreshIcon,
        onClick: () => void model.search(),
        tooltip: trans.__('Search again')
      })
    );
    this._list = new PackageList({
      model,
      trans,
      onLeave: () => this._focusSearch(),
      jobs: options.jobs ?? null,
      onAction: options.onAction ?? null
    });
    packages.addWidget(this._list);
    this.addWidget(packages);

    this._repositories = new PanelWithToolbar();
    this._repositories.addClass(REPOSITORIES_SECTION_CLASS);
    this._repositories.toolbar.addItem(
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
    this._repositories.addWidget(new RepositoryList({ model, trans }));
    this.addWidget(this._repositories);
    if (options.jobs) {
      this.jobsSection = new JobsSection({ model: options.jobs, trans });
      this.addWidget(this.jobsSection);
      (this.content.layout as AccordionLayout).setRelativeSizes([5, 2, 2]);
    } else {
      this.jobsSection = null;
      (this.content.layout as AccordionLayout).setRelativeSizes([4, 1]);
    }

    model.stateChanged.connect(this._onModelChanged, this);
    this._onModelChanged();
  }

  /**
   * The model rendered.
   */
  readonly model: CatalogModel;

  /**
   * The jobs section, when the panel was given a jobs model.
   */
  readonly jobsSection: JobsSection | null;

  /**
   * Dispose of the panel and its sections.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.stateChanged.disconnect(this._onModelChanged, this);
    super.dispose();
  }

  /**
   * Start fetching once the panel is attached visible (restored open).
   */
  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      this._initialize();
    }
  }

  /**
   * Start fetching the first time the panel is shown.
   */
  protected onBeforeShow(msg: Message): void {
    super.onBeforeShow(msg);
    this._initialize();
  }

  /**
   * Put the focus in the search box when the panel is activated.
   */
  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    if (this.isAttached) {
      this._focusSearch();
    }
  }

  private _initialize(): void {
    this.model.initialize().catch(reason => {
      console.error('Failed to load the apk package catalog', reason);
    });
  }

  private _focusSearch(): void {
    const input = this._catalogHeader.inputNode;
    if (input) {
      input.focus();
      input.select();
    }
  }

  /**
   * Keep the repositories' section title telling how many have problems, and
   * open it when one has, so that a broken repository is never hidden.
   */
  private _onModelChanged(): void {
    const problems = this.model.repositories.filter(
      repository => repository.status !== 'ok'
    ).length;
    const trans = this._apkTrans;
    this._repositories.title.label =
      problems === 0 && this.model.repositoriesError === null
        ? trans.__('Repositories')
        : trans._n(
            'Repositories (%1 problem)',
            'Repositories (%1 problems)',
            Math.max(problems, 1)
          );
    const hasProblem = problems > 0 || this.model.repositoriesError !== null;
    if (hasProblem && !this._hadProblem) {
      const index = this.widgets.indexOf(this._repositories);
      if (index >= 0) {
        (this.content as AccordionPanel).expand(index);
      }
    }
    this._hadProblem = hasProblem;
  }

  private _hadProblem = false;
  private _catalogHeader: CatalogHeader;
  private _list: PackageList;
  private _repositories: PanelWithToolbar;
  private _apkTrans: TranslationBundle;
}

/**
 * The namespace for `CatalogPanel` statics.
 */
export namespace CatalogPanel {
  /**
   * The options to create a catalog panel.
   */
  export interface IOptions {
    /**
     * The model to render.
     */
    model: CatalogModel;
    /**
     * The application language translator.
     */
    translator: ITranslator;
    /**
     * The install queue: rows show their jobs and a jobs section lists them.
     */
    jobs?: JobsModel | null;
    /**
     * Called when the user asks for a job; without it, rows have no actions.
     */
    onAction?: PackageList.ActionHandler | null;
  }
}

/**
 * The filter drop-down.
 */
export function FilterSelect(props: FilterSelect.IProperties): JSX.Element {
  const { filter, onChange, trans } = props;
  const labels: Record<CatalogFilter, string> = {
    python: trans.__('Python packages'),
    all: trans.__('All packages'),
    installed: trans.__('Installed'),
    upgradable: trans.__('Upgradable')
  };
  return (
    <div className="jp-HTMLSelect jp-DefaultStyle">
      <select
        className={FILTER_CLASS}
        value={filter}
        aria-label={trans.__('Show')}
        onChange={event => onChange(event.target.value as CatalogFilter)}
      >
        {CATALOG_FILTERS.map(value => (
          <option key={value} value={value}>
            {labels[value]}
          </option>
        ))}
      </select>
      <caretDownEmptyIcon.react
        tag="span"
        stylesheet="select"
        right="4px"
        top="4px"
      />
    </div>
  );
}

/**
 * The namespace for `FilterSelect` statics.
 */
export namespace FilterSelect {
  /**
   * The properties of the filter drop-down.
   */
  export interface IProperties {
    /**
     * The current filter.
     */
    filter: CatalogFilter;
    /**
     * Called with the filter the user picked.
     */
    onChange: (filter: CatalogFilter) => void;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}

/**
 * One row of the package list.
 */
export function PackageEntry(props: PackageEntry.IProperties): JSX.Element {
  const { pkg, active, selected, onClick, trans } = props;
  const job = props.job ?? null;
  const actions = props.actions ?? null;
  const installed = pkg.installed_version !== null;
  const classes = [ENTRY_CLASS];
  if (job) {
    classes.push(INSTALLING_MOD);
  }
  if (actions?.checked) {
    classes.push(CHECKED_MOD);
  }
  if (pkg.installed_version !== null) {
    classes.push(INSTALLED_MOD);
  }
  if (pkg.upgradable) {
    classes.push(UPGRADABLE_MOD);
  }
  if (selected) {
    classes.push(SELECTED_MOD);
  }
  if (active) {
    classes.push(ACTIVE_MOD);
  }
  return (
    <li
      id={Private.entryId(pkg.name)}
      className={classes.join(' ')}
      data-package={pkg.name}
      data-installed-version={pkg.installed_version ?? undefined}
      role="option"
      aria-selected={selected}
      aria-busy={job !== null}
      title={pkg.description}
      onClick={onClick}
    >
      <div className={ENTRY_HEADER_CLASS}>
        {actions && (
          <input
            type="checkbox"
            className={SELECT_CLASS}
            checked={actions.checked}
            disabled={installed && !actions.checked}
            title={
              installed
                ? trans.__('%1 is installed', pkg.name)
                : trans.__('Select %1 to install it with others', pkg.name)
            }
            aria-label={trans.__('Select %1', pkg.name)}
            onClick={Private.stopPropagation}
            onChange={event => actions.onCheck(event.currentTarget.checked)}
          />
        )}
        <span className={ENTRY_NAME_CLASS}>{pkg.name}</span>
        <span className={ENTRY_VERSION_CLASS}>{pkg.version}</span>
        <span className={ENTRY_SIZE_CLASS} title={trans.__('Download size')}>
          {formatBytes(pkg.size)}
        </span>
      </div>
      <div className={ENTRY_LINE_CLASS}>
        {pkg.installed_version !== null && (
          <span
            className={`${ENTRY_INSTALLED_CLASS} ${INSTALLED_BADGE_CLASS}`}
            title={
              pkg.upgradable
                ? trans.__(
                    'Version %1 is installed; %2 is available',
                    pkg.installed_version,
                    pkg.version
                  )
                : trans.__('Version %1 is installed', pkg.installed_version)
            }
          >
            {pkg.upgradable
              ? trans.__('%1 installed', pkg.installed_version)
              : trans.__('installed')}
          </span>
        )}
        <span className={ENTRY_DESCRIPTION_CLASS}>{pkg.description}</span>
        {job ? (
          <EntryJob entry={job} trans={trans} />
        ) : (
          actions && <EntryActions pkg={pkg} actions={actions} trans={trans} />
        )}
      </div>
    </li>
  );
}

/**
 * The namespace for `PackageEntry` statics.
 */
export namespace PackageEntry {
  /**
   * The properties of a package row.
   */
  export interface IProperties {
    /**
     * The package to show.
     */
    pkg: IPackage;
    /**
     * Whether the keyboard is on this row.
     */
    active: boolean;
    /**
     * Whether this row's details are shown.
     */
    selected: boolean;
    /**
     * Called when the row is clicked.
     */
    onClick: () => void;
    /**
     * The queued or running job on this package, if any.
     */
    job?: JobsModel.IEntry | null;
    /**
     * The row's job actions; none without.
     */
    actions?: IActions | null;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }

  /**
   * The job actions of a row.
   */
  export interface IActions {
    /**
     * Whether the row is checked for a job on several packages.
     */
    checked: boolean;
    /**
     * Whether the administrator allows removals.
     */
    allowRemove: boolean;
    /**
     * Called when the row's checkbox changes.
     */
    onCheck: (checked: boolean) => void;
    /**
     * Called with the job asked for on this package.
     */
    onAction: (action: JobAction) => void;
  }
}

/**
 * A row's buttons: Install when not installed, Upgrade when upgradable,
 * Remove when installed and allowed.
 */
function EntryActions(props: {
  pkg: IPackage;
  actions: PackageEntry.IActions;
  trans: TranslationBundle;
}): JSX.Element {
  const { pkg, actions, trans } = props;
  const installed = pkg.installed_version !== null;
  const button = (
    action: JobAction,
    className: string,
    label: string,
    title: string
  ) => (
    <button
      className={`${ACTION_CLASS} ${className}`}
      title={title}
      onClick={event => {
        event.stopPropagation();
        actions.onAction(action);
      }}
    >
      {label}
    </button>
  );
  return (
    <span className={ENTRY_ACTIONS_CLASS}>
      {!installed &&
        button(
          'install',
          INSTALL_CLASS,
          trans.__('Install'),
          trans.__('Install %1 %2', pkg.name, pkg.version)
        )}
      {installed &&
        pkg.upgradable &&
        button(
          'upgrade',
          UPGRADE_CLASS,
          trans.__('Upgrade'),
          trans.__(
            'Upgrade %1 from %2 to %3',
            pkg.name,
            pkg.installed_version ?? '',
            pkg.version
          )
        )}
      {installed &&
        actions.allowRemove &&
        button(
          'remove',
          REMOVE_CLASS,
          trans.__('Remove'),
          trans.__('Remove %1', pkg.name)
        )}
    </span>
  );
}

/**
 * The progress of the job on a row's package.
 */
function EntryJob(props: {
  entry: JobsModel.IEntry;
  trans: TranslationBundle;
}): JSX.Element {
  const { entry, trans } = props;
  const percent = Math.round(entry.progress * 100);
  const running = entry.state === 'running';
  let label: string;
  if (entry.job.preview) {
    label = trans.__('checking…');
  } else if (!running) {
    label = trans.__('queued');
  } else if (percent === 0) {
    // apk is still working out the plan, or waiting for its lock.
    label =
      entry.job.action === 'remove'
        ? trans.__('removing…')
        : entry.job.action === 'upgrade'
          ? trans.__('upgrading…')
          : trans.__('installing…');
  } else if (entry.job.action === 'remove') {
    label = trans.__('removing %1%', percent);
  } else if (entry.job.action === 'upgrade') {
    label = trans.__('upgrading %1%', percent);
  } else {
    label = trans.__('installing %1%', percent);
  }
  const determinate = running && !entry.job.preview && percent > 0;
  return (
    <span className={ENTRY_JOB_CLASS}>
      <span
        className={`${PROGRESS_CLASS}${determinate ? '' : ` ${INDETERMINATE_MOD}`}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={determinate ? percent : undefined}
      >
        <span
          className={PROGRESS_BAR_CLASS}
          style={{ width: `${determinate ? percent : 0}%` }}
        />
      </span>
      <span className={JOB_STATE_CLASS}>{label}</span>
    </span>
  );
}

/**
 * The details of the selected package.
 */
export function PackageDetails(props: PackageDetails.IProperties): JSX.Element {
  const { name, pkg, details, isLoading, error, onClose, trans } = props;
  const fields: [string, React.ReactNode][] = [];
  if (pkg) {
    fields.push([trans.__('Version'), pkg.version]);
    fields.push([
      trans.__('Installed'),
      pkg.installed_version ?? trans.__('not installed')
    ]);
    if (pkg.upgradable) {
      fields.push([
        trans.__('Upgrade'),
        trans.__('%1 is available', pkg.version)
      ]);
    }
    fields.push([
      trans.__('Python'),
      pkg.python ?? trans.__('not a Python package')
    ]);
    fields.push([trans.__('Download size'), formatBytes(pkg.size)]);
    fields.push([trans.__('Installed size'), formatBytes(pkg.installed_size)]);
    fields.push([trans.__('License'), pkg.license]);
    fields.push([trans.__('Origin'), pkg.origin]);
    fields.push([trans.__('Repository'), pkg.repository]);
    if (pkg.url) {
      fields.push([
        trans.__('Project'),
        <a href={pkg.url} target="_blank" rel="noopener noreferrer">
          {pkg.url}
        </a>
      ]);
    }
  }
  return (
    <div
      className={DETAILS_CLASS}
      data-package={name}
      role="region"
      aria-label={trans.__('Details of %1', name)}
    >
      <div className={DETAILS_HEADER_CLASS}>
        <span className={DETAILS_TITLE_CLASS}>{name}</span>
        <button
          className="jp-Button jp-mod-minimal"
          title={trans.__('Close details')}
          aria-label={trans.__('Close details')}
          onClick={onClose}
        >
          <closeIcon.react tag="span" elementPosition="center" />
        </button>
      </div>
      {pkg && <p>{pkg.description}</p>}
      {fields.length > 0 && (
        <dl className={DETAILS_FIELDS_CLASS}>
          {fields.map(([label, value]) => (
            <React.Fragment key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </React.Fragment>
          ))}
        </dl>
      )}
      {isLoading && (
        <div className={DETAILS_LOADING_CLASS} role="status">
          {trans.__('Loading details…')}
        </div>
      )}
      {error !== null && (
        <div className={DETAILS_ERROR_CLASS} role="alert">
          {error}
        </div>
      )}
      {details && (
        <>
          <DetailsList
            label={trans.__('Python modules')}
            items={details.modules}
            empty={trans.__('none')}
          />
          <DetailsList
            label={trans.__('Depends on')}
            items={details.depends}
            empty={trans.__('nothing')}
          />
          <DetailsList
            label={trans.__('Provides')}
            items={details.provides}
            empty={trans.__('nothing')}
          />
        </>
      )}
    </div>
  );
}

/**
 * The namespace for `PackageDetails` statics.
 */
export namespace PackageDetails {
  /**
   * The properties of the details view.
   */
  export interface IProperties {
    /**
     * The selected package's name.
     */
    name: string;
    /**
     * The package as listed, when known; shown while the details load.
     */
    pkg: IPackage | null;
    /**
     * The full details, once loaded.
     */
    details: IPackageDetails | null;
    /**
     * Whether the details are loading.
     */
    isLoading: boolean;
    /**
     * Why the details could not be loaded, or `null`.
     */
    error: string | null;
    /**
     * Called to close the details.
     */
    onClose: () => void;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}

/**
 * A labelled list of strings in the details view.
 */
function DetailsList(props: DetailsList.IProperties): JSX.Element {
  const { label, items, empty } = props;
  return (
    <div className={DETAILS_LIST_CLASS}>
      <div>{label}</div>
      {items.length === 0 ? (
        <span>{empty}</span>
      ) : (
        <ul>
          {items.map(item => (
            <li key={item}>
              <code>{item}</code>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * The namespace for `DetailsList` statics.
 */
namespace DetailsList {
  /**
   * The properties of a details list.
   */
  export interface IProperties {
    /**
     * The list's label.
     */
    label: string;
    /**
     * The strings to list.
     */
    items: ReadonlyArray<string>;
    /**
     * What to show when there are none.
     */
    empty: string;
  }
}

/**
 * One repository and its state; anything not `ok` is explained.
 */
export function RepositoryEntry(
  props: RepositoryEntry.IProperties
): JSX.Element {
  const { repository, trans } = props;
  const labels: Record<IRepository.Status, string> = {
    ok: trans.__('ok'),
    stale: trans.__('stale'),
    untrusted: trans.__('untrusted'),
    error: trans.__('error')
  };
  const explanations: Record<IRepository.Status, string> = {
    ok: '',
    stale: trans.__(
      'The repository could not be re-read; the last good copy of its index is used.'
    ),
    untrusted: trans.__(
      'The index signature could not be verified with the trusted keys.'
    ),
    error: trans.__(
      'The repository could not be read; its packages are not listed.'
    )
  };
  const status = repository.status;
  const explanation = explanations[status] ?? '';
  const showMessage = status !== 'ok' || !!repository.message;
  return (
    <li
      className={`${REPOSITORY_CLASS} jp-mod-${status}`}
      data-status={status}
      data-url={repository.url}
    >
      <div>
        <span className={REPOSITORY_STATUS_CLASS}>
          {labels[status] ?? status}
        </span>
        <span className={REPOSITORY_URL_CLASS} title={repository.url}>
          {repository.url}
        </span>
      </div>
      <div className={REPOSITORY_INFO_CLASS}>
        {trans._n(
          '%2 package',
          '%2 packages',
          repository.packages,
          repository.packages.toLocaleString()
        )}
        {repository.refreshed &&
          ` · ${trans.__('read %1', Private.formatDate(repository.refreshed))}`}
      </div>
      {showMessage && (
        <div className={REPOSITORY_MESSAGE_CLASS}>
          {[explanation, repository.message].filter(Boolean).join(' ')}
        </div>
      )}
    </li>
  );
}

/**
 * The namespace for `RepositoryEntry` statics.
 */
export namespace RepositoryEntry {
  /**
   * The properties of a repository row.
   */
  export interface IProperties {
    /**
     * The repository to show.
     */
    repository: IRepository;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}

/**
 * An error with a retry button.
 */
function ErrorMessage(props: ErrorMessage.IProperties): JSX.Element {
  const { message, onRetry, trans } = props;
  return (
    <div className={ERROR_CLASS} role="alert">
      <span>{message}</span>
      <button
        className="jp-Button jp-mod-styled jp-mod-reject"
        onClick={onRetry}
      >
        {trans.__('Retry')}
      </button>
    </div>
  );
}

/**
 * The namespace for `ErrorMessage` statics.
 */
namespace ErrorMessage {
  /**
   * The properties of an error message.
   */
  export interface IProperties {
    /**
     * What went wrong.
     */
    message: string;
    /**
     * Called to try again.
     */
    onRetry: () => void;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}

/**
 * Module-private helpers.
 */
namespace Private {
  /**
   * Keep a click on a control inside a row from selecting the row.
   */
  export function stopPropagation(event: React.SyntheticEvent): void {
    event.stopPropagation();
  }

  /**
   * The DOM id of a package row (for `aria-activedescendant`).
   */
  export function entryId(name: string): string {
    // apk names never contain white space, the only characters an id cannot hold.
    return `jp-ApkPanel-entry-${name}`;
  }

  /**
   * Format an ISO 8601 date for display, or return it unchanged if unparsable.
   */
  export function formatDate(iso: string): string {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
  }
}
