//! Labelled form controls that show what was typed and, when the form was refused, the
//! reason next to the control (`aria-invalid`, `aria-describedby`), with a summary at the
//! top linking to each: a refused form comes back whole, nothing typed is lost.

use std::collections::BTreeMap;

use maud::{Markup, html};

/// Why a form was refused, per input name (the control's `id` is its name).
pub(super) type Problems = BTreeMap<String, String>;

fn error_id(name: &str) -> String {
    format!("{name}-error")
}

/// The reason under a control, if any.
fn reason(name: &str, problems: &Problems) -> Markup {
    html! {
        @if let Some(why) = problems.get(name) {
            p.error id=(error_id(name)) { (why) }
        }
    }
}

fn described_by(name: &str, hint: Option<&str>, problems: &Problems) -> Option<String> {
    let mut ids = Vec::new();
    if hint.is_some() {
        ids.push(format!("{name}-hint"));
    }
    if problems.contains_key(name) {
        ids.push(error_id(name));
    }
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// `<input>` with its label, hint and reason. `kind` is the input type.
pub(super) fn input(
    name: &str,
    label: &str,
    hint: Option<&str>,
    kind: &str,
    value: &str,
    problems: &Problems,
) -> Markup {
    html! {
        label for=(name) { (label) }
        @if let Some(h) = hint { p.hint id={ (name) "-hint" } { (h) } }
        input id=(name) name=(name) type=(kind) value=(value)
            aria-invalid=[problems.contains_key(name).then_some("true")]
            aria-describedby=[described_by(name, hint, problems)];
        (reason(name, problems))
    }
}

pub(super) fn textarea(
    name: &str,
    label: &str,
    hint: Option<&str>,
    rows: u32,
    value: &str,
    problems: &Problems,
) -> Markup {
    html! {
        label for=(name) { (label) }
        @if let Some(h) = hint { p.hint id={ (name) "-hint" } { (h) } }
        textarea id=(name) name=(name) rows=(rows)
            aria-invalid=[problems.contains_key(name).then_some("true")]
            aria-describedby=[described_by(name, hint, problems)] { (value) }
        (reason(name, problems))
    }
}

/// `<select>` of (value, label) choices.
pub(super) fn select(
    name: &str,
    label: &str,
    choices: &[(&str, &str)],
    chosen: &str,
    problems: &Problems,
) -> Markup {
    html! {
        label for=(name) { (label) }
        select id=(name) name=(name)
            aria-invalid=[problems.contains_key(name).then_some("true")]
            aria-describedby=[described_by(name, None, problems)] {
            @for (value, text) in choices {
                option value=(value) selected[*value == chosen] { (text) }
            }
        }
        (reason(name, problems))
    }
}

pub(super) fn checkbox(name: &str, label: &str, checked: bool, problems: &Problems) -> Markup {
    html! {
        div.check {
            input id=(name) name=(name) type="checkbox" value="on" checked[checked]
                aria-invalid=[problems.contains_key(name).then_some("true")]
                aria-describedby=[described_by(name, None, problems)];
            label for=(name) { (label) }
            (reason(name, problems))
        }
    }
}

/// The list of problems at the top of a refused form, each linking to its control.
pub(super) fn summary(problems: &Problems) -> Markup {
    html! {
        @if !problems.is_empty() {
            div.problems role="alert" aria-labelledby="problems-heading" {
                h2 #problems-heading { "Not saved: " (problems.len()) " thing(s) to fix" }
                ul {
                    @for (name, why) in problems {
                        li { a href={ "#" (name) } { (why) } }
                    }
                }
            }
        }
    }
}
