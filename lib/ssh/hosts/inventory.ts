/**
 * The inventory file (`RELAY_SHELL_INVENTORY`, YAML or JSON): a mapping of alias to settings plus
 * an optional top-level `groups:` mapping of group to aliases. Bad entries are reported by name
 * with the reason and kept out while the rest loads. The file is re-read when its inode, size or
 * mtime changes (checked on every access); a new version replaces the old only if it parses.
 */
import { parse as parseYaml } from "yaml";
import { type Clock, sha256Hex, systemClock } from "../../util/mod.ts";
import type { Logger } from "../../log/mod.ts";
import { racy } from "../known_hosts.ts";
import { type InventoryHost, NAME_PATTERN, validateInventoryEntry } from "./inventory_schema.ts";

/** A problem tied to a host or group name ("" for the file as a whole). */
export interface InventoryIssue {
  /** The alias or group (`group:<name>`), or "". */
  readonly name: string;
  /** What is wrong. */
  readonly message: string;
}

/** One parsed inventory. */
export interface InventoryData {
  /** The file it came from. */
  readonly file: string;
  /** Valid hosts by alias, in file order. */
  readonly hosts: ReadonlyMap<string, InventoryHost>;
  /** Groups by name: aliases (and `@group` references) in order, without repeats. */
  readonly groups: ReadonlyMap<string, readonly string[]>;
  /** Entries kept out, by name, with the reasons. */
  readonly errors: readonly InventoryIssue[];
  /** Loaded, but worth a look (old spellings, unknown group members, name clashes). */
  readonly warnings: readonly InventoryIssue[];
}

/** The whole inventory file could not be used (unreadable, not YAML/JSON, not a mapping). */
export class InventoryError extends Error {
  /** The file. */
  readonly file: string;
  /** Builds the error. */
  constructor(file: string, message: string, options?: ErrorOptions) {
    super(`Cannot load inventory ${file}: ${message}`, options);
    this.name = "InventoryError";
    this.file = file;
  }
}

/** Top-level keys that are not hosts. */
export const RESERVED_KEYS: readonly string[] = ["groups"];

/** Parses inventory text; InventoryError when the text as a whole is unusable. */
export function parseInventory(text: string, file: string): InventoryData {
  let data: unknown;
  try {
    data = parseYaml(text, { uniqueKeys: true });
  } catch (err) {
    throw new InventoryError(file, `not valid YAML/JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (data === null || data === undefined) data = {};
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new InventoryError(file, "the top level must be a mapping of host aliases");
  }
  const hosts = new Map<string, InventoryHost>();
  const errors: InventoryIssue[] = [];
  const warnings: InventoryIssue[] = [];
  const top = data as Record<string, unknown>;
  for (const [alias, raw] of Object.entries(top)) {
    if (RESERVED_KEYS.includes(alias)) continue;
    const r = validateInventoryEntry(alias, raw);
    for (const w of r.warnings) warnings.push({ name: alias, message: w });
    if (r.host) hosts.set(alias, r.host);
    else errors.push({ name: alias, message: r.errors.join("; ") });
  }

  const groups = new Map<string, string[]>();
  const addMember = (group: string, member: string) => {
    const list = groups.get(group) ?? [];
    if (!list.includes(member)) list.push(member);
    groups.set(group, list);
  };
  const rawGroups = top.groups;
  if (rawGroups !== undefined && rawGroups !== null) {
    if (typeof rawGroups !== "object" || Array.isArray(rawGroups)) {
      errors.push({ name: "groups", message: "groups must be a mapping of group name to aliases" });
    } else {
      for (const [group, members] of Object.entries(rawGroups as Record<string, unknown>)) {
        const label = `group:${group}`;
        if (!NAME_PATTERN.test(group)) {
          errors.push({ name: label, message: "group name must hold only letters, digits, '._-'" });
          continue;
        }
        const list = typeof members === "string" ? members.split(/[\s,]+/) : members;
        if (!Array.isArray(list) || list.some((m) => typeof m !== "string")) {
          errors.push({ name: label, message: "members must be a list of aliases" });
          continue;
        }
        groups.set(group, groups.get(group) ?? []);
        for (const m of list as string[]) if (m !== "") addMember(group, m);
      }
    }
  }
  for (const host of hosts.values()) for (const g of host.groups) addMember(g, host.alias);

  for (const [group, members] of groups) {
    const label = `group:${group}`;
    if (hosts.has(group)) {
      warnings.push({
        name: label,
        message: `a host has the same name; write @${group} to mean the group`,
      });
    }
    const kept: string[] = [];
    for (const m of members) {
      const ref = m.startsWith("@") ? m.slice(1) : undefined;
      if (ref !== undefined ? groups.has(ref) : hosts.has(m)) kept.push(m);
      else if (ref !== undefined) {
        warnings.push({ name: label, message: `unknown group ${m}; skipped` });
      } else if (errors.some((e) => e.name === m)) {
        warnings.push({ name: label, message: `host ${m} has errors; skipped` });
      } else warnings.push({ name: label, message: `unknown host ${m}; skipped` });
    }
    groups.set(group, kept);
  }
  return { file, hosts, groups, errors, warnings };
}

/** The load state for server_info / ssh_hosts. */
export interface InventoryReport {
  /** The file, or "" when no inventory is configured. */
  readonly file: string;
  /** True once a version of the file has loaded. */
  readonly loaded: boolean;
  /** When the current version loaded (ms since the epoch), or null. */
  readonly loadedAt: number | null;
  /** Hosts loaded. */
  readonly hosts: number;
  /** Groups defined. */
  readonly groups: number;
  /** Entries kept out, by name. */
  readonly errors: readonly InventoryIssue[];
  /** Warnings. */
  readonly warnings: readonly InventoryIssue[];
  /** Why the latest version of the file was not loaded (the previous one stays), or null. */
  readonly reloadError: string | null;
}

/** Options for {@linkcode Inventory}. */
export interface InventoryOptions {
  /** Time source for `loadedAt`. */
  clock?: Clock;
  /** Called with the data after every successful (re)load. */
  onLoad?: (data: InventoryData) => void;
  /** Gets one line per (re)load with the counts, and each problem. */
  logger?: Logger;
}

const EMPTY = (file: string): InventoryData => ({
  file,
  hosts: new Map(),
  groups: new Map(),
  errors: [],
  warnings: [],
});

/** A reloading inventory; `path` "" means no inventory. */
export class Inventory {
  #path: string;
  #clock: Clock;
  #logger?: Logger;
  #data: InventoryData;
  #stamp = "";
  #hash = "";
  #loadedAt: number | null = null;
  #reloadError: string | null = null;

  #onLoad?: (data: InventoryData) => void;

  /** Nothing is read until the first access. */
  constructor(path: string, options: InventoryOptions = {}) {
    this.#onLoad = options.onLoad;
    this.#path = path;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#data = EMPTY(path);
  }

  /** The inventory file path ("" for none). */
  get path(): string {
    return this.#path;
  }

  /** The current data, re-read first if the file changed. */
  current(): InventoryData {
    if (this.#path === "") return this.#data;
    let stamp: string;
    try {
      const st = Deno.statSync(this.#path);
      // A file changed within the last moments is re-read on every access (see racy()).
      stamp = racy(st) ? `racy:${Math.random()}` : `${st.ino}:${st.size}:${st.mtime?.getTime()}`;
    } catch (err) {
      this.#fail(err instanceof Deno.errors.NotFound ? "file not found" : `cannot stat: ${err}`);
      this.#stamp = "";
      this.#hash = "";
      return this.#data;
    }
    if (stamp === this.#stamp) return this.#data;
    this.#stamp = stamp;
    try {
      const text = Deno.readTextFileSync(this.#path);
      const hash = sha256Hex(text);
      if (hash === this.#hash) return this.#data;
      this.#hash = hash;
      const data = parseInventory(text, this.#path);
      this.#data = data;
      this.#onLoad?.(data);
      this.#loadedAt = this.#clock.now();
      this.#reloadError = null;
      this.#logger?.info("inventory loaded", {
        file: this.#path,
        hosts: data.hosts.size,
        groups: data.groups.size,
        errors: data.errors.length,
      });
      for (const e of data.errors) {
        this.#logger?.warn("inventory entry rejected", { name: e.name, reason: e.message });
      }
    } catch (err) {
      this.#fail(err instanceof InventoryError ? err.message : `cannot read: ${err}`);
    }
    return this.#data;
  }

  #fail(message: string): void {
    if (this.#reloadError !== message) {
      this.#logger?.warn("inventory not (re)loaded; keeping the previous version", {
        file: this.#path,
        reason: message,
      });
    }
    this.#reloadError = message;
  }

  /** The load report (after checking the file). */
  report(): InventoryReport {
    const d = this.current();
    return {
      file: this.#path,
      loaded: this.#loadedAt !== null,
      loadedAt: this.#loadedAt,
      hosts: d.hosts.size,
      groups: d.groups.size,
      errors: d.errors,
      warnings: d.warnings,
      reloadError: this.#reloadError,
    };
  }
}
