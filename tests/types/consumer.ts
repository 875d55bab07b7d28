// A small TypeScript consumer of pkg/ (what an app using a bundler writes), compiled with
// `tsc --noEmit` by .ci/check-types against the shipped pkg/pledge-widget.d.ts. The
// `@ts-expect-error` lines fail the check if the types stop refusing what the widget refuses.
import { load, mount, version, type PledgeSignedDetail, type PledgeWidgetHandle } from "pledge-widget";

async function start(host: HTMLElement): Promise<PledgeWidgetHandle> {
  await load("https://pledge.example.org/widget/");
  const handle = await mount(host, {
    endpoint: "https://pledge.example.org/api/v1",
    campaign: "no-music-for-ice",
    theme: "dark",
    layout: "compact",
    headingLevel: 3,
    strings: { submit: "Add my name" },
    onReady: (d) => console.log(d.campaign),
    onSigned: (d) => console.log(d.count ?? 0, d.status),
    onError: (d) => console.error(d.code, d.message),
  });
  console.log(version, handle.element.tagName);
  return handle;
}

// The global and the element, as a page that loads embed.js with a script tag sees them.
const element = document.createElement("pledge-widget");
element.setAttribute("campaign", "no-music-for-ice");
document.addEventListener("pledge:signed", (e) => {
  const detail: PledgeSignedDetail = e.detail;
  console.log(detail.campaign);
});
element.addEventListener("pledge:error", (e) => console.log(e.detail.code));
void window.PledgeWidget.mount(element, { endpoint: "https://e.example/api/v1", campaign: "c" }).then((h) => h.unmount());
void start(document.body);

// @ts-expect-error: `campaign` is required
void mount(document.body, { endpoint: "https://e.example/api/v1" });
// @ts-expect-error: no such theme
void mount(document.body, { endpoint: "x", campaign: "c", theme: "blue" });
// @ts-expect-error: headings stop at h6
void mount(document.body, { endpoint: "x", campaign: "c", headingLevel: 7 });
// @ts-expect-error: no such layout
void mount(document.body, { endpoint: "x", campaign: "c", layout: "sidebar" });
document.addEventListener("pledge:signed", (e) => {
  // @ts-expect-error: the signed event never carries the email
  console.log(e.detail.email);
});
