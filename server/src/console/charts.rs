//! Bar charts as inline SVG, drawn on the server: no script, no CDN, readable by screen
//! readers (`role="img"` with a title and a one-line summary; each bar has its own title).

use maud::{Markup, html};

use crate::delivery::cli::utc_ms;

/// The last `hours` UTC hours up to the one holding `now_ms`, oldest first, as
/// `YYYY-MM-DDTHH` (the store's hour keys), each with its count from `counted`.
pub(super) fn fill_hours(now_ms: i64, hours: i64, counted: &[(String, i64)]) -> Vec<(String, i64)> {
    let this_hour = now_ms - now_ms.rem_euclid(3_600_000);
    (0..hours)
        .rev()
        .map(|back| {
            let key = utc_ms(this_hour - back * 3_600_000)[..13].to_owned();
            let n = lookup(counted, &key);
            (key, n)
        })
        .collect()
}

/// The last `days` UTC days up to today, oldest first, as `YYYY-MM-DD`, with counts.
pub(super) fn fill_days(now_ms: i64, days: i64, counted: &[(String, i64)]) -> Vec<(String, i64)> {
    let today = now_ms - now_ms.rem_euclid(86_400_000);
    (0..days)
        .rev()
        .map(|back| {
            let key = utc_ms(today - back * 86_400_000)[..10].to_owned();
            let n = lookup(counted, &key);
            (key, n)
        })
        .collect()
}

fn lookup(counted: &[(String, i64)], key: &str) -> i64 {
    counted
        .iter()
        .find(|(k, _)| k == key)
        .map_or(0, |(_, n)| *n)
}

const WIDTH: i64 = 720;
const HEIGHT: i64 = 160;
const AXIS: i64 = 20;

/// A bar per bucket; every `label_every`-th bucket is labelled with `label(key)`.
pub(super) fn bar_chart(
    id: &str,
    title: &str,
    bars: &[(String, i64)],
    label_every: usize,
    label: fn(&str) -> String,
) -> Markup {
    let max = bars.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let total: i64 = bars.iter().map(|(_, n)| *n).sum();
    let slot = WIDTH / i64::try_from(bars.len().max(1)).unwrap_or(1);
    let bar_width = (slot - 2).max(1);
    let plot = HEIGHT - AXIS;
    let busiest = bars.iter().max_by_key(|(_, n)| *n);
    let summary = match busiest {
        Some((key, n)) if *n > 0 => {
            format!(
                "{total} signatures in all; the most, {n}, in {}.",
                label(key)
            )
        }
        _ => "No signatures in this period yet.".to_owned(),
    };
    html! {
        figure.chart {
            svg id=(id) role="img" viewBox={ "0 0 " (WIDTH) " " (HEIGHT) }
                aria-labelledby={ (id) "-title " (id) "-desc" } data-total=(total) {
                title id={ (id) "-title" } { (title) }
                desc id={ (id) "-desc" } { (summary) }
                line.axis x1="0" y1=(plot) x2=(WIDTH) y2=(plot) {}
                @for (i, (key, n)) in bars.iter().enumerate() {
                    @let x = i64::try_from(i).unwrap_or(0) * slot + 1;
                    @let h = if *n == 0 { 0 } else { (n * (plot - 4) / max).max(2) };
                    rect.bar x=(x) y=(plot - h) width=(bar_width) height=(h) data-key=(key) data-count=(n) {
                        title { (label(key)) ": " (n) }
                    }
                    @if i % label_every == 0 {
                        text.tick x=(x) y=(HEIGHT - 4) { (label(key)) }
                    }
                }
            }
            figcaption { (title) ": " (summary) }
        }
    }
}

/// `2026-12-02T14` → `14:00`.
pub(super) fn hour_label(key: &str) -> String {
    key.get(11..13)
        .map_or_else(|| key.to_owned(), |h| format!("{h}:00"))
}

/// `2026-12-02` → `12-02`.
pub(super) fn day_label(key: &str) -> String {
    key.get(5..).unwrap_or(key).to_owned()
}

/// A horizontal bar per row (`label`, `count`), longest first: breakdowns.
pub(super) fn breakdown(title: &str, rows: &[(String, i64)]) -> Markup {
    let max = rows.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    html! {
        section.breakdown {
            h3 { (title) }
            @if rows.is_empty() {
                p { "None yet." }
            } @else {
                ul {
                    @for (label, n) in rows {
                        li {
                            span.label { (label) }
                            svg.meter viewBox="0 0 100 10" aria-hidden="true" preserveAspectRatio="none" {
                                rect x="0" y="0" width=(n * 100 / max) height="10" {}
                            }
                            span.count { (n) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_filled_oldest_first() {
        // 2023-11-14T22:13:20Z
        let now = 1_700_000_000_000;
        let bars = fill_hours(now, 3, &[("2023-11-14T21".to_owned(), 4)]);
        let keys: Vec<&str> = bars.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["2023-11-14T20", "2023-11-14T21", "2023-11-14T22"]);
        assert_eq!(bars[1].1, 4);
        assert_eq!(fill_days(now, 2, &[])[0].0, "2023-11-13");
    }

    #[test]
    fn labels_are_text() {
        let chart = bar_chart("c", "<b>", &[("<x>".to_owned(), 1)], 1, |k| k.to_owned());
        let html = chart.into_string();
        assert!(html.contains("&lt;x&gt;") && !html.contains("<x>"));
    }
}
