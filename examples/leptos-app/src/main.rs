//! An example Leptos CSR app that renders the pledge widget as a component
//! (`pledge_widget::PledgeWidget`): built by `.ci/build-example`, driven by
//! `tests/e2e/leptos-app.spec.mjs`. Only wiring here; the page is [`app::App`].

#[cfg(target_arch = "wasm32")]
mod app;

fn main() {
    #[cfg(target_arch = "wasm32")]
    leptos::mount::mount_to_body(app::App);
}
