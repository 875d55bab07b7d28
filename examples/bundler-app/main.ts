// A partner's app that installs the widget from npm and bundles it (esbuild here; Vite and
// webpack resolve the package the same way): the import brings only the small ES module entry
// into the bundle, and `load()` points it at the widget's origin, which serves the wasm and the
// language files. The page names that origin in `data-widget-origin`, since the same app runs
// against any pledge-server.
import { load, mount, version, type PledgeErrorDetail, type PledgeSignedDetail } from "pledge-widget";

interface AppWindow extends Window {
  signed?: PledgeSignedDetail[];
  failures?: string[];
  widgetVersion?: string;
}

const app = window as AppWindow;
const host = document.querySelector<HTMLElement>("#pledge");
const origin = host?.dataset.widgetOrigin;
app.signed = [];
app.failures = [];
app.widgetVersion = version;

if (host && origin) {
  // In the same task as the import, before its automatic load looks beside the bundle.
  load(`${origin}/widget/`).catch((e: unknown) => app.failures?.push(String(e)));
  mount(host, {
    endpoint: `${origin}/api/v1`,
    campaign: host.dataset.campaign ?? "no-music-for-ice",
    onSigned: (detail: PledgeSignedDetail) => app.signed?.push(detail),
    onError: (detail: PledgeErrorDetail) => app.failures?.push(`${detail.code}: ${detail.message}`),
  }).catch((e: unknown) => {
    app.failures?.push(String(e));
    host.textContent = "The pledge form could not load. Please try again later.";
  });
}
