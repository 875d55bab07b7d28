// TypeScript declarations for the Pledge widget's JavaScript API (docs/embedding.md): the ES
// module entry (`pledge-widget.mjs`: load, mount, version), the `PledgeWidget` global that
// embed.js defines, the mount() options and handle, the details of the pledge:* events, and the
// <pledge-widget> custom element. Shipped in pkg/ (package.json "types"); checked by
// tests/types (a small consumer compiled with tsc in .ci/test).

/** Options of `PledgeWidget.mount()` (the same names as the `data-*` attributes). */
export interface PledgeWidgetOptions {
  /** Base URL of the pledge API, `http(s)://…`, e.g. `https://pledge.example.org/api/v1`. Required. */
  endpoint: string;
  /** The campaign slug, `[a-z0-9-]{1,64}`. Required. */
  campaign: string;
  /** BCP 47 tag; default: the page's `<html lang>`, then the browser's languages, then English. */
  lang?: string;
  /** Colour scheme; default `"auto"` (follows `prefers-color-scheme`). */
  theme?: "light" | "dark" | "auto";
  /** A CSS colour for buttons, links, the goal bar and the focus ring. */
  accent?: string;
  /** Default `"full"`. */
  layout?: "full" | "compact" | "banner" | "wall";
  /** Heading of the minimal form used when the endpoint has no campaign route. */
  title?: string;
  /** Level of the widget's title, `1`…`6` (an `h1`…`h6`) to fit the page's outline; default `2`.
   * Sub-headings sit one level below, never below `h6`. */
  headingLevel?: 1 | 2 | 3 | 4 | 5 | 6 | "1" | "2" | "3" | "4" | "5" | "6";
  /** Text overrides by key (docs/i18n.md), or the same object as JSON text. */
  strings?: Record<string, string> | string;
  /** Called with the detail of `pledge:ready`. */
  onReady?: (detail: PledgeReadyDetail) => void;
  /** Called with the detail of `pledge:signed`. */
  onSigned?: (detail: PledgeSignedDetail) => void;
  /** Called with the detail of `pledge:error`. */
  onError?: (detail: PledgeErrorDetail) => void;
}

/** What `mount()` resolves to. */
export interface PledgeWidgetHandle {
  /** The element the widget was mounted into. */
  readonly element: HTMLElement;
  /** Removes the widget, its listeners and callbacks, and closes its stream; idempotent. */
  unmount(): void;
}

/** `pledge:ready`: the campaign is loaded and the widget is interactive. */
export interface PledgeReadyDetail {
  campaign: string;
}

/** `pledge:signed`: the endpoint acknowledged a signature (never carries the email or name). */
export interface PledgeSignedDetail {
  campaign: string;
  /** The new total, or `null` when the endpoint gave none. */
  count: number | null;
  status: "signed" | "already_signed";
}

/** The `code` of `pledge:error` for a widget that cannot take signatures; a signature refused
 * for good carries the endpoint's own error code. */
export type PledgeErrorCode =
  | "bad_options"
  | "campaign_not_found"
  | "origin_not_allowed"
  | "endpoint_unreachable"
  | "load_failed"
  | "campaign_closed"
  | "campaign_archived"
  | (string & {});

/** `pledge:error`: what is wrong, for the site's developer. */
export interface PledgeErrorDetail {
  campaign: string;
  code: PledgeErrorCode;
  message: string;
}

/** `window.PledgeWidget`. */
export interface PledgeWidgetApi {
  mount(element: HTMLElement, options: PledgeWidgetOptions): Promise<PledgeWidgetHandle>;
  readonly version: string;
}

/** Loads the widget's loader (embed.js) from `base` (default: beside this module; give the
 * widget's origin, e.g. `https://pledge.example.org/widget/`, when a bundler moved this file),
 * which defines `<pledge-widget>` and `window.PledgeWidget`. Once per page; importing this module
 * calls it after the importing task unless the page called it first. */
export function load(base?: string | URL): Promise<PledgeWidgetApi>;

/** `PledgeWidget.mount()` once the loader is there. */
export function mount(element: HTMLElement, options: PledgeWidgetOptions): Promise<PledgeWidgetHandle>;

/** The widget's version. */
export const version: string;

/** `<pledge-widget endpoint="…" campaign="…">`: options as attributes (observed). */
export interface PledgeWidgetElement extends HTMLElement {}

declare global {
  interface Window {
    PledgeWidget: PledgeWidgetApi;
  }
  var PledgeWidget: PledgeWidgetApi;
  interface HTMLElementTagNameMap {
    "pledge-widget": PledgeWidgetElement;
  }
  interface HTMLElementEventMap {
    "pledge:ready": CustomEvent<PledgeReadyDetail>;
    "pledge:signed": CustomEvent<PledgeSignedDetail>;
    "pledge:error": CustomEvent<PledgeErrorDetail>;
  }
  interface DocumentEventMap {
    "pledge:ready": CustomEvent<PledgeReadyDetail>;
    "pledge:signed": CustomEvent<PledgeSignedDetail>;
    "pledge:error": CustomEvent<PledgeErrorDetail>;
  }
}
