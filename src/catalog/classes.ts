// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The CSS classes of the catalog sidebar.
 */

// Tests (jest and Galata) select on these: keep them stable.
export const PANEL_CLASS = 'jp-ApkPanel';
export const HEADER_CLASS = 'jp-ApkPanel-header';
export const DEMO_CLASS = 'jp-ApkPanel-demo';
export const SEARCH_CLASS = 'jp-ApkPanel-search';
export const CONTROLS_CLASS = 'jp-ApkPanel-controls';
export const FILTER_CLASS = 'jp-ApkPanel-filter';
export const COUNT_CLASS = 'jp-ApkPanel-count';
export const PACKAGES_SECTION_CLASS = 'jp-ApkPanel-packagesSection';
export const PACKAGES_CLASS = 'jp-ApkPanel-packages';
export const SCROLL_CLASS = 'jp-ApkPanel-scroll';
export const LIST_CLASS = 'jp-ApkPanel-list';
export const ENTRY_CLASS = 'jp-ApkPanel-entry';
export const ENTRY_HEADER_CLASS = 'jp-ApkPanel-entryHeader';
export const ENTRY_NAME_CLASS = 'jp-ApkPanel-entryName';
export const ENTRY_VERSION_CLASS = 'jp-ApkPanel-entryVersion';
export const ENTRY_INSTALLED_CLASS = 'jp-ApkPanel-entryInstalled';
export const ENTRY_SIZE_CLASS = 'jp-ApkPanel-entrySize';
export const ENTRY_LINE_CLASS = 'jp-ApkPanel-entryLine';
export const ENTRY_DESCRIPTION_CLASS = 'jp-ApkPanel-entryDescription';
export const MORE_CLASS = 'jp-ApkPanel-more';
export const LOADING_CLASS = 'jp-ApkPanel-loading';
export const EMPTY_CLASS = 'jp-ApkPanel-empty';
export const ERROR_CLASS = 'jp-ApkPanel-error';
export const DETAILS_CLASS = 'jp-ApkPanel-details';
export const DETAILS_HEADER_CLASS = 'jp-ApkPanel-detailsHeader';
export const DETAILS_TITLE_CLASS = 'jp-ApkPanel-detailsTitle';
export const DETAILS_FIELDS_CLASS = 'jp-ApkPanel-detailsFields';
export const DETAILS_LIST_CLASS = 'jp-ApkPanel-detailsList';
export const DETAILS_LOADING_CLASS = 'jp-ApkPanel-detailsLoading';
export const DETAILS_ERROR_CLASS = 'jp-ApkPanel-detailsError';
export const REPOSITORIES_SECTION_CLASS = 'jp-ApkPanel-repositoriesSection';
export const REPOSITORIES_CLASS = 'jp-ApkPanel-repositories';
export const REPOSITORY_CLASS = 'jp-ApkPanel-repository';
export const REPOSITORY_STATUS_CLASS = 'jp-ApkPanel-repositoryStatus';
export const REPOSITORY_URL_CLASS = 'jp-ApkPanel-repositoryUrl';
export const REPOSITORY_INFO_CLASS = 'jp-ApkPanel-repositoryInfo';
export const REPOSITORY_MESSAGE_CLASS = 'jp-ApkPanel-repositoryMessage';
export const INSTALLED_BADGE_CLASS = 'jp-ApkPanel-installedBadge';
export const SELECT_CLASS = 'jp-ApkPanel-select';
export const SELECTION_CLASS = 'jp-ApkPanel-selection';
export const SELECTION_COUNT_CLASS = 'jp-ApkPanel-selectionCount';
export const INSTALL_SELECTED_CLASS = 'jp-ApkPanel-installSelected';
export const CLEAR_SELECTION_CLASS = 'jp-ApkPanel-clearSelection';
export const ENTRY_ACTIONS_CLASS = 'jp-ApkPanel-entryActions';
export const ACTION_CLASS = 'jp-ApkPanel-action';
export const INSTALL_CLASS = 'jp-ApkPanel-install';
export const UPGRADE_CLASS = 'jp-ApkPanel-upgrade';
export const REMOVE_CLASS = 'jp-ApkPanel-remove';
export const ENTRY_JOB_CLASS = 'jp-ApkPanel-entryJob';
export const PROGRESS_CLASS = 'jp-ApkPanel-progress';
export const PROGRESS_BAR_CLASS = 'jp-ApkPanel-progressBar';
export const JOB_STATE_CLASS = 'jp-ApkPanel-jobState';

export const INSTALLED_MOD = 'jp-mod-installed';
export const UPGRADABLE_MOD = 'jp-mod-upgradable';
export const SELECTED_MOD = 'jp-mod-selected';
export const ACTIVE_MOD = 'jp-mod-active';
export const LOADING_MOD = 'jp-mod-loading';
export const INSTALLING_MOD = 'jp-mod-installing';
export const CHECKED_MOD = 'jp-mod-checked';
export const INDETERMINATE_MOD = 'jp-mod-indeterminate';
