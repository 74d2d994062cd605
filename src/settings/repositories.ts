// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The `repositories` setting of `jupyterlab-apk:catalog`: its entries, the
 * administrator's policy as the server applies it, and which URLs a change of
 * the setting asks the server to use.
 *
 * Pure functions, no DOM and no requests. The URL and policy rules mirror
 * `jupyterlab_apk/policy.py` (`check_repository_url`, `check_user_repositories`)
 * so that the settings editor can say before saving what the server will
 * refuse; the server still checks everything.
 */

import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { TranslationBundle } from '@jupyterlab/translation';
import { JSONExt, PartialJSONObject } from '@lumino/coreutils';

import { IRepositoryPolicy } from '../api';

/**
 * The name of the setting in the `jupyterlab-apk:catalog` schema.
 */
export const REPOSITORIES_SETTING = 'repositories';

/**
 * One entry of the `repositories` setting.
 */
export interface IRepositoryEntry extends PartialJSONObject {
  /**
   * The repository URL (http://, https://, file:// or an absolute path).
   */
  url: string;
  /**
   * Whether the catalog uses the repository; `true` when left out.
   */
  enabled?: boolean;
  /**
   * An apk repository tag (`@edge URL`): a tagged repository only serves
   * packages pinned to it, so it is never sent to the server.
   */
  tag?: string;
}

/**
 * Why a repository URL is malformed.
 *
 * `empty`: nothing typed; `option`: starts with `-`, which apk would read as
 * an option; `whitespace`: contains whitespace or control characters;
 * `scheme`: not an http(s)/file URL or an absolute path; `dot-segment`:
 * contains `.`/`..` segments or an encoded `/`, which could step out of an
 * allowed prefix.
 */
export type UrlProblem =
  'empty' | 'option' | 'whitespace' | 'scheme' | 'dot-segment';

/**
 * What the administrator's policy makes of a repository URL.
 */
export type RepositoryStatus =
  | {
      /**
       * The URL is malformed; the server answers 400.
       */
      kind: 'invalid';
      problem: UrlProblem;
    }
  | {
      /**
       * One of the administrator's repositories: always allowed.
       */
      kind: 'managed';
    }
  | {
      /**
       * A user repository that `rule` (an `allowed_repositories` item) allows.
       */
      kind: 'allowed';
      rule: string;
    }
  | {
      /**
       * A user repository the server refuses (403): users may not add
       * repositories at all, or this one is outside what the administrator allows.
       */
      kind: 'forbidden';
      reason: 'no-user-repositories' | 'outside-allowed';
    }
  | {
      /**
       * The policy is not known (the server did not answer).
       */
      kind: 'unknown';
    };

/**
 * http(s) URLs with a host, file:/// URLs and absolute paths, as apk accepts them.
 */
const REPOSITORY_RE = /^(?:https?:\/\/[^\s/]+(?:\/\S*)?|file:\/\/\/\S*|\/\S*)$/;

/**
 * Whitespace and control characters, which could split an argv entry.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\s\x00-\x1f\x7f]/;

/**
 * `.`/`..` path segments, also percent-encoded, and encoded slashes.
 */
const DOT_SEGMENT_RE = /\/(?:\.|%2e){1,2}(?:\/|%2f|$)|%2f/i;

/**
 * The pattern a tag must match (as in the schema).
 */
const TAG_RE = /^[A-Za-z0-9_-]*$/;

/**
 * Check a repository URL as the server does.
 *
 * @returns Why it is malformed, or `null` when the server accepts its form.
 */
export function checkRepositoryUrl(url: string): UrlProblem | null {
  if (typeof url !== 'string' || url === '') {
    return 'empty';
  }
  if (url.startsWith('-')) {
    return 'option';
  }
  if (CONTROL_RE.test(url)) {
    return 'whitespace';
  }
  if (!REPOSITORY_RE.test(url)) {
    return 'scheme';
  }
  if (DOT_SEGMENT_RE.test(url)) {
    return 'dot-segment';
  }
  return null;
}

/**
 * Whether a tag is acceptable (empty means "no tag").
 */
export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/**
 * A URL as the server stores it: without trailing slashes (`/` stays `/`).
 */
export function normalizeRepositoryUrl(url: string): string {
  return url.replace(/\/+$/, '') || '/';
}

/**
 * Whether an `allowed_repositories` item allows a (normalized) URL.
 *
 * #### Notes
 * An item ending in `/` allows everything below it; without the slash only
 * itself, so that `https://mirror/alpine` does not allow `https://mirror/alpine-evil`.
 */
export function matchesAllowed(url: string, allowed: string): boolean {
  return (
    url === normalizeRepositoryUrl(allowed) ||
    (allowed.endsWith('/') && url.startsWith(allowed))
  );
}

/**
 * What the policy makes of a repository URL, by the server's rules.
 *
 * @param url The URL as entered.
 * @param policy The administrator's policy, or `null` when it is not known.
 */
export function repositoryStatus(
  url: string,
  policy: IRepositoryPolicy | null
): RepositoryStatus {
  const problem = checkRepositoryUrl(url);
  if (problem !== null) {
    return { kind: 'invalid', problem };
  }
  if (policy === null) {
    return { kind: 'unknown' };
  }
  const normalized = normalizeRepositoryUrl(url);
  if (policy.repositories.includes(normalized)) {
    return { kind: 'managed' };
  }
  if (!policy.allow_user_repositories) {
    return { kind: 'forbidden', reason: 'no-user-repositories' };
  }
  const rule = policy.allowed_repositories.find(allowed =>
    matchesAllowed(normalized, allowed)
  );
  return rule === undefined
    ? { kind: 'forbidden', reason: 'outside-allowed' }
    : { kind: 'allowed', rule };
}

/**
 * The entries of a setting value; anything that is not an entry is dropped.
 *
 * #### Notes
 * The registry validates the setting against the schema, so this only guards
 * against values that bypassed it (an older schema, a test double).
 */
export function entriesFrom(value: unknown): IRepositoryEntry[] {
  if (!Array.isArray(value)) {
    return [];
  }
  const entries: IRepositoryEntry[] = [];
  for (const item of value) {
    if (
      typeof item !== 'object' ||
      item === null ||
      typeof item.url !== 'string'
    ) {
      continue;
    }
    const entry: IRepositoryEntry = {
      url: item.url,
      enabled: item.enabled !== false
    };
    if (typeof item.tag === 'string' && item.tag !== '') {
      entry.tag = item.tag;
    }
    entries.push(entry);
  }
  return entries;
}

/**
 * Whether the server uses an entry: enabled and untagged.
 */
export function isUsedEntry(entry: IRepositoryEntry): boolean {
  return entry.enabled !== false && !entry.tag;
}

/**
 * The URLs a list of entries asks the server to use: the enabled, untagged
 * ones, in order, normalized, without repeats.
 */
export function usedUrls(entries: ReadonlyArray<IRepositoryEntry>): string[] {
  const urls: string[] = [];
  for (const entry of entries) {
    if (!isUsedEntry(entry)) {
      continue;
    }
    const url =
      checkRepositoryUrl(entry.url) === null
        ? normalizeRepositoryUrl(entry.url)
        : entry.url; // sent as is: the server explains what is wrong with it
    if (!urls.includes(url)) {
      urls.push(url);
    }
  }
  return urls;
}

/**
 * Whether two lists of URLs name the same repositories in the same order.
 */
export function sameRepositories(
  a: ReadonlyArray<string>,
  b: ReadonlyArray<string>
): boolean {
  return (
    a.length === b.length &&
    a.every(
      (url, index) =>
        normalizeRepositoryUrl(url) === normalizeRepositoryUrl(b[index])
    )
  );
}

/**
 * Whether a setting value is its default: the same entries (URLs compared
 * without trailing slashes), enabled and tagged alike, in the same order.
 */
export function isDefaultValue(value: unknown, defaultValue: unknown): boolean {
  const canonical = (entries: IRepositoryEntry[]) =>
    entries.map(entry => ({
      url: normalizeRepositoryUrl(entry.url),
      enabled: entry.enabled !== false,
      tag: entry.tag ?? ''
    }));
  return JSONExt.deepEqual(
    canonical(entriesFrom(value)),
    canonical(entriesFrom(defaultValue))
  );
}

/**
 * The repositories a setting value asks the server to use.
 *
 * #### Notes
 * The rule: while the value equals its default (the user never changed it,
 * or restored it), the administrator's repositories are used, whatever the
 * default lists; once the user changed it, its enabled untagged entries are,
 * in order. An empty changed list is a choice too (no repository at all).
 *
 * @param value The setting's composite value.
 * @param defaultValue The setting's default (the schema's, after overrides and
 *   the policy transform).
 * @param policy The administrator's policy.
 */
export function repositoriesToUse(
  value: unknown,
  defaultValue: unknown,
  policy: IRepositoryPolicy
): string[] {
  if (value === undefined || isDefaultValue(value, defaultValue)) {
    return [...policy.repositories];
  }
  return usedUrls(entriesFrom(value));
}

/**
 * The default of the setting under a policy: the administrator's repositories,
 * in order and enabled, each keeping the tag-less entry the shipped default
 * (schema or overrides.json) has for the same URL.
 *
 * #### Notes
 * The shipped default documents what an image is built for; the server uses
 * the policy's list, so that is what "default" must mean in the editor.
 */
export function policyDefault(
  policy: IRepositoryPolicy,
  shipped: unknown
): IRepositoryEntry[] {
  const known = entriesFrom(shipped);
  return policy.repositories.map(url => {
    const match = known.find(
      entry => normalizeRepositoryUrl(entry.url) === url && !entry.tag
    );
    return { url: match?.url ?? url, enabled: true };
  });
}

/**
 * The `fetch` transform of `jupyterlab-apk:catalog`: the same plugin with the
 * policy's default for `repositories`.
 *
 * @param plugin The plugin as fetched (its schema carries overrides.json's defaults).
 * @param policy The administrator's policy; `null` leaves the plugin unchanged.
 *
 * @returns A new plugin object; the one given is not modified.
 */
export function withPolicyDefault(
  plugin: ISettingRegistry.IPlugin,
  policy: IRepositoryPolicy | null
): ISettingRegistry.IPlugin {
  const property = plugin.schema.properties?.[REPOSITORIES_SETTING];
  if (policy === null || !property) {
    return plugin;
  }
  const repositories: ISettingRegistry.IProperty = {
    ...property,
    default: policyDefault(policy, property.default)
  };
  return {
    ...plugin,
    schema: {
      ...plugin.schema,
      properties: {
        ...plugin.schema.properties,
        [REPOSITORIES_SETTING]: repositories
      }
    }
  };
}

/**
 * Explain a malformed URL to the user.
 */
export function describeUrlProblem(
  problem: UrlProblem,
  trans: TranslationBundle
): string {
  switch (problem) {
    case 'empty':
      return trans.__('Enter a repository URL.');
    case 'option':
      return trans.__('A repository URL cannot start with "-".');
    case 'whitespace':
      return trans.__(
        'A repository URL cannot contain spaces or control characters.'
      );
    case 'scheme':
      return trans.__(
        'A repository must be an http://, https:// or file:/// URL, or an absolute path.'
      );
    case 'dot-segment':
      return trans.__(
        'A repository URL cannot contain "." or ".." path segments, or an encoded "/".'
      );
  }
}

/**
 * Explain a repository's status under the policy to the user.
 *
 * @returns The sentence shown next to the entry; empty when there is nothing to say.
 */
export function describeStatus(
  status: RepositoryStatus,
  trans: TranslationBundle
): string {
  switch (status.kind) {
    case 'invalid':
      return describeUrlProblem(status.problem, trans);
    case 'managed':
      return trans.__(
        'Managed by the administrator: the URL cannot be changed here, but you can disable it.'
      );
    case 'allowed':
      return trans.__('Allowed by the administrator (%1).', status.rule);
    case 'forbidden':
      return status.reason === 'no-user-repositories'
        ? trans.__(
            'Not allowed: it is not one of the administrator’s repositories, and users may not add repositories.'
          )
        : trans.__(
            'Not allowed: it is outside the repositories the administrator allows.'
          );
    case 'unknown':
      return '';
  }
}
