// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The settings editor's field for the `repositories` setting: the ordered
 * entries with what the administrator's policy makes of each, and controls to
 * add, edit, enable, reorder and remove them.
 *
 * Registered with `IFormRendererRegistry` as `jupyterlab-apk:catalog.repositories`,
 * it is rendered by rjsf as the `ui:field` of that property.
 */

import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import {
  addIcon,
  deleteIcon,
  LabIcon,
  lockIcon,
  moveDownIcon,
  moveUpIcon,
  UseSignal
} from '@jupyterlab/ui-components';
import type { Field, FieldProps } from '@rjsf/utils';
import * as React from 'react';

import { RepositorySettingsModel } from './model';
import {
  checkRepositoryUrl,
  describeStatus,
  describeUrlProblem,
  entriesFrom,
  IRepositoryEntry,
  isValidTag,
  normalizeRepositoryUrl,
  RepositoryStatus
} from './repositories';

const FIELD_CLASS = 'jp-ApkRepositoriesField';
const DESCRIPTION_CLASS = 'jp-ApkRepositoriesField-description';
const LIST_CLASS = 'jp-ApkRepositoriesField-list';
const ENTRY_CLASS = 'jp-ApkRepositoriesField-entry';
const ENTRY_MAIN_CLASS = 'jp-ApkRepositoriesField-entryMain';
const ENABLED_CLASS = 'jp-ApkRepositoriesField-enabled';
const URL_CLASS = 'jp-ApkRepositoriesField-url';
const TAG_CLASS = 'jp-ApkRepositoriesField-tag';
const BUTTON_CLASS = 'jp-ApkRepositoriesField-button';
const STATUS_CLASS = 'jp-ApkRepositoriesField-status';
const NOTE_CLASS = 'jp-ApkRepositoriesField-note';
const INPUT_ERROR_CLASS = 'jp-ApkRepositoriesField-inputError';
const ADD_CLASS = 'jp-ApkRepositoriesField-add';
const SERVER_CLASS = 'jp-ApkRepositoriesField-server';
const EMPTY_CLASS = 'jp-ApkRepositoriesField-empty';

const MANAGED_MOD = 'jp-mod-managed';
const DISABLED_MOD = 'jp-mod-disabled';
const ERROR_MOD = 'jp-mod-error';

/**
 * The repository list of the settings editor.
 *
 * #### Notes
 * A malformed URL or tag is never passed to `onChange`: the input keeps what
 * was typed and says what is wrong. Entries the policy forbids are saved (the
 * server is the judge and answers 403), and marked with the reason.
 */
export function RepositoriesField(
  props: RepositoriesField.IProperties
): JSX.Element {
  const { entries, onChange, model, trans, idPrefix } = props;
  const disabled = props.disabled ?? false;
  const [draft, setDraft] = React.useState('');
  const [draftError, setDraftError] = React.useState<string | null>(null);

  const duplicate = (url: string, except: number): boolean =>
    entries.some(
      (entry, index) =>
        index !== except &&
        normalizeRepositoryUrl(entry.url) === normalizeRepositoryUrl(url)
    );

  const replace = (index: number, entry: IRepositoryEntry) => {
    onChange(entries.map((item, i) => (i === index ? entry : item)));
  };

  const move = (index: number, delta: number) => {
    const target = index + delta;
    if (target < 0 || target >= entries.length) {
      return;
    }
    const next = [...entries];
    [next[index], next[target]] = [next[target], next[index]];
    onChange(next);
  };

  const add = () => {
    const url = draft.trim();
    const problem = checkRepositoryUrl(url);
    if (problem !== null) {
      setDraftError(describeUrlProblem(problem, trans));
      return;
    }
    if (duplicate(url, -1)) {
      setDraftError(trans.__('%1 is already in the list.', url));
      return;
    }
    setDraft('');
    setDraftError(null);
    onChange([...entries, { url, enabled: true }]);
  };

  const addId = `${idPrefix}-add`;
  return (
    <div className={FIELD_CLASS}>
      {props.title && <h3>{props.title}</h3>}
      {props.description && (
        <div className={DESCRIPTION_CLASS}>{props.description}</div>
      )}
      <ServerState model={model} trans={trans} />
      {entries.length === 0 ? (
        <div className={EMPTY_CLASS}>
          {trans.__('No repository: the catalog lists nothing.')}
        </div>
      ) : (
        <ol className={LIST_CLASS}>
          {entries.map((entry, index) => (
            <RepositoryRow
              key={`${index}:${entry.url}`}
              entry={entry}
              status={model.status(entry.url)}
              first={index === 0}
              last={index === entries.length - 1}
              disabled={disabled}
              isDuplicate={url => duplicate(url, index)}
              onChange={value => replace(index, value)}
              onMove={delta => move(index, delta)}
              onRemove={() => onChange(entries.filter((_, i) => i !== index))}
              trans={trans}
            />
          ))}
        </ol>
      )}
      <div className={ADD_CLASS}>
        <label htmlFor={addId}>{trans.__('Add a repository')}</label>
        <input
          id={addId}
          type="text"
          className="jp-mod-styled"
          placeholder={trans.__('https://… or an absolute path')}
          value={draft}
          disabled={disabled}
          aria-invalid={draftError !== null}
          onChange={event => {
            setDraft(event.target.value);
            setDraftError(null);
          }}
          onKeyDown={event => {
            if (event.key === 'Enter') {
              event.preventDefault();
              add();
            }
          }}
        />
        <button
          type="button"
          className={`${BUTTON_CLASS} jp-mod-styled`}
          disabled={disabled || draft.trim() === ''}
          onClick={add}
          title={trans.__('Add the repository at the end of the list')}
        >
          <addIcon.react tag="span" elementSize="normal" />
          <span>{trans.__('Add')}</span>
        </button>
        {draftError !== null && (
          <div className={INPUT_ERROR_CLASS} role="alert">
            {draftError}
          </div>
        )}
      </div>
    </div>
  );
}

/**
 * The namespace for `RepositoriesField` statics.
 */
export namespace RepositoriesField {
  /**
   * The properties of the repository list.
   */
  export interface IProperties {
    /**
     * The entries, in order.
     */
    entries: IRepositoryEntry[];
    /**
     * Called with the new entries after a valid change.
     */
    onChange: (entries: IRepositoryEntry[]) => void;
    /**
     * The policy, the list in use and the last server answer.
     */
    model: RepositorySettingsModel;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
    /**
     * A prefix for the ids of the inputs.
     */
    idPrefix: string;
    /**
     * The setting's title.
     */
    title?: string;
    /**
     * The setting's description.
     */
    description?: string;
    /**
     * Whether the form is read-only.
     */
    disabled?: boolean;
  }

  /**
   * Create the rjsf field rendering the `repositories` setting for the
   * settings editor (`IFormRenderer.fieldRenderer`).
   *
   * @param model The model whose policy and server state the field shows.
   * @param translator The application language translator.
   */
  export function renderer(
    model: RepositorySettingsModel,
    translator: ITranslator
  ): Field {
    const trans = translator.load('jupyterlab_apk');
    return function RepositoriesSettingField(props: FieldProps): JSX.Element {
      const { schema } = props;
      return (
        <UseSignal signal={model.stateChanged}>
          {() => (
            <RepositoriesField
              entries={entriesFrom(props.formData)}
              onChange={entries => props.onChange(entries)}
              model={model}
              trans={trans}
              idPrefix={props.idSchema?.$id ?? 'jp-ApkRepositoriesField'}
              title={schema.title}
              description={schema.description}
              disabled={props.disabled || props.readonly}
            />
          )}
        </UseSignal>
      );
    };
  }
}

/**
 * One entry: enabled, URL, tag, what the policy says, and its buttons.
 */
function RepositoryRow(props: RepositoryRow.IProperties): JSX.Element {
  const { entry, status, trans, disabled } = props;
  const managed = status.kind === 'managed';
  const { url, setUrl, tag, setTag, error, commitUrl, commitTag, onKeyDown } =
    Private.useEdits(props);

  const enabled = entry.enabled !== false;
  const classes = [ENTRY_CLASS];
  if (managed) {
    classes.push(MANAGED_MOD);
  }
  if (status.kind === 'forbidden' || status.kind === 'invalid') {
    classes.push(ERROR_MOD);
  }
  if (!enabled) {
    classes.push(DISABLED_MOD);
  }
  const explanation = describeStatus(status, trans);
  return (
    <li
      className={classes.join(' ')}
      data-url={entry.url}
      data-status={status.kind}
    >
      <div className={ENTRY_MAIN_CLASS}>
        <input
          type="checkbox"
          className={ENABLED_CLASS}
          checked={enabled}
          disabled={disabled}
          title={trans.__('Use this repository')}
          aria-label={trans.__('Use %1', entry.url)}
          onChange={event =>
            props.onChange({ ...entry, enabled: event.target.checked })
          }
        />
        {managed ? (
          <span className={URL_CLASS} title={explanation}>
            <lockIcon.react tag="span" elementSize="normal" />
            <input
              type="text"
              className="jp-mod-styled"
              value={entry.url}
              readOnly
              aria-readonly
              aria-label={trans.__('Repository URL (managed)')}
            />
          </span>
        ) : (
          <span className={URL_CLASS}>
            <input
              type="text"
              className="jp-mod-styled"
              value={url}
              disabled={disabled}
              aria-label={trans.__('Repository URL')}
              aria-invalid={error !== null}
              onChange={event => setUrl(event.target.value)}
              onBlur={commitUrl}
              onKeyDown={onKeyDown(commitUrl, () => setUrl(entry.url))}
            />
          </span>
        )}
        <input
          type="text"
          className={`${TAG_CLASS} jp-mod-styled`}
          value={tag}
          disabled={disabled}
          placeholder={trans.__('tag')}
          title={trans.__(
            'An apk repository tag (as in "@edge URL"); leave empty for an ordinary repository'
          )}
          aria-label={trans.__('Repository tag')}
          onChange={event => setTag(event.target.value)}
          onBlur={commitTag}
          onKeyDown={onKeyDown(commitTag, () => setTag(entry.tag ?? ''))}
        />
        <RowButtons {...props} managed={managed} />
      </div>
      {explanation && (
        <div
          className={STATUS_CLASS}
          role={classes.includes(ERROR_MOD) ? 'alert' : undefined}
        >
          {explanation}
        </div>
      )}
      {entry.tag && (
        <div className={NOTE_CLASS}>
          {trans.__(
            'Tagged @%1: it only serves packages pinned to the tag, so the catalog does not list it.',
            entry.tag
          )}
        </div>
      )}
      {error !== null && (
        <div className={INPUT_ERROR_CLASS} role="alert">
          {error}
        </div>
      )}
    </li>
  );
}

/**
 * The namespace for `RepositoryRow` statics.
 */
namespace RepositoryRow {
  /**
   * The properties of an entry.
   */
  export interface IProperties {
    entry: IRepositoryEntry;
    status: RepositoryStatus;
    first: boolean;
    last: boolean;
    disabled: boolean;
    /**
     * Whether another entry has this URL.
     */
    isDuplicate: (url: string) => boolean;
    onChange: (entry: IRepositoryEntry) => void;
    onMove: (delta: number) => void;
    onRemove: () => void;
    trans: TranslationBundle;
  }
}

/**
 * A row's buttons: move up, move down and remove (not for a managed entry).
 */
function RowButtons(
  props: RepositoryRow.IProperties & { managed: boolean }
): JSX.Element {
  const { trans, disabled, managed } = props;
  return (
    <>
      <RowButton
        icon={moveUpIcon}
        label={trans.__('Move up')}
        disabled={disabled || props.first}
        onClick={() => props.onMove(-1)}
      />
      <RowButton
        icon={moveDownIcon}
        label={trans.__('Move down')}
        disabled={disabled || props.last}
        onClick={() => props.onMove(1)}
      />
      <RowButton
        icon={deleteIcon}
        label={
          managed
            ? trans.__(
                'The administrator manages this repository: disable it instead'
              )
            : trans.__('Remove')
        }
        disabled={disabled || managed}
        onClick={props.onRemove}
      />
    </>
  );
}

/**
 * An icon button of an entry.
 */
function RowButton(props: {
  icon: LabIcon;
  label: string;
  disabled: boolean;
  onClick: () => void;
}): JSX.Element {
  return (
    <button
      type="button"
      className={`${BUTTON_CLASS} jp-mod-minimal`}
      title={props.label}
      aria-label={props.label}
      disabled={props.disabled}
      onClick={props.onClick}
    >
      <props.icon.react tag="span" elementSize="normal" />
    </button>
  );
}

/**
 * What the server does with the setting: applying it, or why it refused it.
 */
function ServerState(props: {
  model: RepositorySettingsModel;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { model, trans } = props;
  if (model.policy === null) {
    return (
      <div className={SERVER_CLASS} role="status">
        {trans.__(
          'The server’s repository policy is not known, so the entries cannot be checked before saving.'
        )}
      </div>
    );
  }
  if (model.isApplying) {
    return (
      <div className={SERVER_CLASS} role="status">
        {trans.__('Applying the repositories…')}
      </div>
    );
  }
  if (model.error !== null) {
    return (
      <div className={`${SERVER_CLASS} ${ERROR_MOD}`} role="alert">
        {trans.__(
          'The server did not switch to this list: %1 It keeps using: %2',
          Private.sentence(model.error),
          model.inUse.join(', ') || trans.__('no repository')
        )}
      </div>
    );
  }
  return null;
}

/**
 * Module-private helpers.
 */
namespace Private {
  /**
   * The URL and tag being edited in a row, and their checks before saving.
   */
  export function useEdits(props: RepositoryRow.IProperties) {
    const { entry, trans } = props;
    const [url, setUrl] = React.useState(entry.url);
    const [tag, setTag] = React.useState(entry.tag ?? '');
    const [error, setError] = React.useState<string | null>(null);
    // A change saved elsewhere (or restored defaults) replaces what was typed.
    React.useEffect(() => {
      setUrl(entry.url);
      setTag(entry.tag ?? '');
      setError(null);
    }, [entry.url, entry.tag]);

    const commitUrl = () => {
      const value = url.trim();
      if (value === entry.url) {
        return;
      }
      const problem = checkRepositoryUrl(value);
      if (problem !== null) {
        setError(describeUrlProblem(problem, trans));
      } else if (props.isDuplicate(value)) {
        setError(trans.__('%1 is already in the list.', value));
      } else {
        setError(null);
        props.onChange({ ...entry, url: value });
      }
    };

    const commitTag = () => {
      const value = tag.trim();
      if (value === (entry.tag ?? '')) {
        return;
      }
      if (!isValidTag(value)) {
        setError(
          trans.__('A tag may only contain letters, digits, "_" and "-".')
        );
        return;
      }
      setError(null);
      const next: IRepositoryEntry = { url: entry.url, enabled: entry.enabled };
      if (value) {
        next.tag = value;
      }
      props.onChange(next);
    };

    const onKeyDown =
      (commit: () => void, revert: () => void) =>
      (event: React.KeyboardEvent<HTMLInputElement>) => {
        if (event.key === 'Enter') {
          event.preventDefault();
          commit();
        } else if (event.key === 'Escape') {
          revert();
          setError(null);
        }
      };
    return { url, setUrl, tag, setTag, error, commitUrl, commitTag, onKeyDown };
  }

  /**
   * End a message with a full stop, so that another sentence can follow.
   */
  export function sentence(message: string): string {
    return /[.!?…]$/.test(message) ? message : `${message}.`;
  }
}
