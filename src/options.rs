//! Widget options: what a partner passes as `data-*` attributes or as a JS object, parsed once
//! into [`WidgetOptions`] (from the object `mount()` receives: [`MountOptions`]). The same names work in both places (`data-endpoint` ⇔ `endpoint`).

use pledge_contract::wire::loose;

/// Colour scheme of the widget. Option `theme`; default [`Theme::Auto`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    /// Always light.
    Light,
    /// Always dark.
    Dark,
    /// Follows the visitor's `prefers-color-scheme` (the default).
    #[default]
    Auto,
}

impl Theme {
    /// Value of the root's `data-theme` attribute, which the stylesheet keys on.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::Auto => "auto",
        }
    }
}

/// How much the widget shows before the visitor acts. Option `layout`; default [`Layout::Full`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// Pitch, count and form all visible (the default).
    #[default]
    Full,
    /// Title, count and one button that opens the form: for narrow sidebars.
    Compact,
    /// One slim line, the count and a button that opens the form: for page tops and footers.
    Banner,
    /// The public signer wall: title, count, a "Sign too" button that opens the form, and the
    /// list of public names with search (`GET …/signers`; without it, title, count and button).
    Wall,
}

/// Level of the widget's top heading (its title, or the thanks), `1..=6`. Option
/// `heading-level` (`headingLevel` in `mount()`); default 2. Sub-headings sit one level below
/// ([`HeadingLevel::below`]), so the widget fits the outline of the page around it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeadingLevel(u8);

impl Default for HeadingLevel {
    fn default() -> Self {
        Self(2)
    }
}

impl HeadingLevel {
    /// `"1"` to `"6"`; anything else (`"h3"`, `"7"`, `"2.5"`) is not a level.
    pub fn parse(v: &str) -> Option<Self> {
        match v.as_bytes() {
            [d @ b'1'..=b'6'] => Some(Self(d - b'0')),
            _ => None,
        }
    }

    /// The level, `1..=6`.
    pub fn get(self) -> u8 {
        self.0
    }

    /// The element name, `"h1"` to `"h6"`.
    pub fn tag(self) -> &'static str {
        ["h1", "h2", "h3", "h4", "h5", "h6"][usize::from(self.0 - 1)]
    }

    /// One level below, capped at 6 (HTML has no `h7`).
    pub fn below(self) -> Self {
        Self((self.0 + 1).min(6))
    }
}

/// Everything the widget needs from the host page, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WidgetOptions {
    /// `endpoint` (required): base URL of the pledge API, `http(s)://…`, stored without a
    /// trailing slash.
    pub endpoint: String,
    /// `campaign` (required): the campaign slug, `[a-z0-9-]{1,64}`.
    pub campaign: String,
    /// `lang`: BCP 47 tag; default `None` = the host page's `<html lang>`, then the browser's
    /// languages, then English.
    pub lang: Option<String>,
    /// `theme`: `light`, `dark` or `auto`; default `auto`. Unknown values fall back to `auto`.
    pub theme: Theme,
    /// `accent`: a CSS colour for buttons, links and the goal bar; default `None` = the
    /// stylesheet's `--pledge-accent`. Values with characters outside a CSS colour are ignored.
    pub accent: Option<String>,
    /// `layout`: `full`, `compact`, `banner` or `wall`; default `full`. Unknown values fall back to `full`.
    pub layout: Layout,
    /// `title`: heading shown when the endpoint has no campaign route; default `None` = the
    /// translated "Sign the pledge".
    pub title: Option<String>,
    /// `heading-level`: `1` to `6`, the level of the widget's title; default 2.
    pub heading_level: HeadingLevel,
}

/// The options object `mount()` receives from `embed.js` (the `data-*` attributes or the
/// page's `mount()` keys, as strings), read with serde; a member that is not a string is absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct MountOptions {
    /// `endpoint`.
    #[serde(deserialize_with = "loose::text")]
    pub endpoint: Option<String>,
    /// `campaign`.
    #[serde(deserialize_with = "loose::text")]
    pub campaign: Option<String>,
    /// `lang`.
    #[serde(deserialize_with = "loose::text")]
    pub lang: Option<String>,
    /// `theme`.
    #[serde(deserialize_with = "loose::text")]
    pub theme: Option<String>,
    /// `accent`.
    #[serde(deserialize_with = "loose::text")]
    pub accent: Option<String>,
    /// `layout`.
    #[serde(deserialize_with = "loose::text")]
    pub layout: Option<String>,
    /// `title`.
    #[serde(deserialize_with = "loose::text")]
    pub title: Option<String>,
    /// `heading-level` (embed.js passes `headingLevel` under its attribute name, as text).
    #[serde(rename = "heading-level", deserialize_with = "loose::text")]
    pub heading_level: Option<String>,
    /// `strings`: the partner's text overrides, as JSON text.
    #[serde(deserialize_with = "loose::text")]
    pub strings: Option<String>,
    /// Where the language files are (`embed.js`: the `locales/` URL, then each file's stem).
    #[serde(deserialize_with = "loose::text")]
    pub locales: Option<String>,
    /// `"attributes"` when the options came from `data-*` attributes (errors name them so).
    #[serde(deserialize_with = "loose::text")]
    pub via: Option<String>,
}

impl MountOptions {
    /// The option named `key` (`endpoint`, `campaign`, …), if given.
    pub fn get(&self, key: &str) -> Option<String> {
        match key {
            "endpoint" => &self.endpoint,
            "campaign" => &self.campaign,
            "lang" => &self.lang,
            "theme" => &self.theme,
            "accent" => &self.accent,
            "layout" => &self.layout,
            "title" => &self.title,
            "heading-level" => &self.heading_level,
            _ => &None,
        }
        .clone()
    }
}

/// Why the options cannot start a widget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptionsError {
    /// No `endpoint` / `data-endpoint`.
    MissingEndpoint,
    /// `endpoint` is not an `http(s)://` URL.
    BadEndpoint(String),
    /// No `campaign` / `data-campaign`.
    MissingCampaign,
    /// `campaign` is not a slug of `[a-z0-9-]{1,64}`.
    BadCampaign(String),
    /// `heading-level` is not `1` to `6`.
    BadHeadingLevel(String),
}

impl OptionsError {
    /// What is wrong and how to fix it, naming the option as the partner wrote it: the
    /// `data-*` attribute (`attributes`: a script tag, `<pledge-widget>` or a `div` target),
    /// or the key of the `mount()` options object.
    pub fn describe(&self, attributes: bool) -> String {
        if attributes {
            self.describe_as("data-endpoint", "data-campaign", "data-heading-level")
        } else {
            self.describe_as(
                "mount() option endpoint",
                "mount() option campaign",
                "mount() option headingLevel",
            )
        }
    }

    /// What is wrong and how to fix it, naming the options `endpoint`, `campaign` and
    /// `heading-level` as given (e.g. a component's props).
    pub fn describe_as(&self, endpoint: &str, campaign: &str, level: &str) -> String {
        match self {
            Self::MissingEndpoint => format!(
                "missing {endpoint}: set it to the pledge API base URL, e.g. https://pledge.example.org/api/v1"
            ),
            Self::BadEndpoint(v) => format!("{endpoint} \"{v}\" is not an http(s) URL"),
            Self::MissingCampaign => {
                format!("missing {campaign}: set it to the campaign slug, e.g. no-music-for-ice")
            }
            Self::BadCampaign(v) => {
                format!("{campaign} \"{v}\" is not a slug (a-z, 0-9 and -, at most 64)")
            }
            Self::BadHeadingLevel(v) => {
                format!("{level} \"{v}\" is not a heading level: use 1 to 6 (default 2)")
            }
        }
    }
}

impl WidgetOptions {
    /// Parses options from a lookup by option name (`"endpoint"`, `"campaign"`, …).
    pub fn parse(get: impl Fn(&str) -> Option<String>) -> Result<Self, OptionsError> {
        let get = |k: &str| {
            get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let endpoint = get("endpoint").ok_or(OptionsError::MissingEndpoint)?;
        let endpoint = parse_endpoint(&endpoint).ok_or(OptionsError::BadEndpoint(endpoint))?;
        let campaign = get("campaign").ok_or(OptionsError::MissingCampaign)?;
        if !is_slug(&campaign) {
            return Err(OptionsError::BadCampaign(campaign));
        }
        let theme = match get("theme").as_deref() {
            Some("light") => Theme::Light,
            Some("dark") => Theme::Dark,
            _ => Theme::Auto,
        };
        let layout = match get("layout").as_deref() {
            Some("compact") => Layout::Compact,
            Some("banner") => Layout::Banner,
            Some("wall") => Layout::Wall,
            _ => Layout::Full,
        };
        let heading_level = match get("heading-level") {
            None => HeadingLevel::default(),
            Some(v) => HeadingLevel::parse(&v).ok_or(OptionsError::BadHeadingLevel(v))?,
        };
        Ok(Self {
            endpoint,
            campaign,
            lang: get("lang"),
            theme,
            accent: get("accent").filter(|a| is_css_colour(a)),
            layout,
            title: get("title"),
            heading_level,
        })
    }

    /// `{endpoint}/campaigns/{slug}`: the prefix of every campaign route.
    pub fn campaign_url(&self) -> String {
        format!("{}/campaigns/{}", self.endpoint, self.campaign)
    }
}

fn parse_endpoint(v: &str) -> Option<String> {
    let lower = v.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let host_ok = rest
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '[');
    (host_ok && !v.contains(char::is_whitespace)).then(|| v.trim_end_matches('/').to_owned())
}

/// `[a-z0-9-]{1,64}`, the slug grammar of docs/api.md.
pub fn is_slug(v: &str) -> bool {
    (1..=64).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Allows `#hex`, names and `rgb()/hsl()/oklch()` forms; rejects anything that could end a
/// declaration (`;`, `{`, `}`) or load something (`url(`).
fn is_css_colour(v: &str) -> bool {
    v.len() <= 64
        && !v.contains("url")
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || " #(),.%/-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> Result<WidgetOptions, OptionsError> {
        WidgetOptions::parse(|k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    /// Every option `parse` asks for is a member of the object `mount()` reads (the typed
    /// reader must not drop one: `heading-level` once was).
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn the_mount_object_carries_every_option() {
        let given = [
            ("endpoint", "https://p.example/api/v1"),
            ("campaign", "no-ice"),
            ("lang", "de"),
            ("theme", "dark"),
            ("accent", "#123456"),
            ("layout", "compact"),
            ("title", "T"),
            ("heading-level", "3"),
        ];
        let names = given.map(|(n, _)| n);
        let object: serde_json::Map<_, _> = given
            .iter()
            .map(|(n, v)| ((*n).to_owned(), serde_json::Value::from(*v)))
            .collect();
        let m: MountOptions = crate::document::from_json(object.into());
        for (n, v) in given {
            assert_eq!(m.get(n).as_deref(), Some(v), "{n}");
        }
        let asked = std::cell::RefCell::new(Vec::new());
        let parsed = WidgetOptions::parse(|k| {
            asked.borrow_mut().push(k.to_owned());
            m.get(k)
        });
        assert_eq!(parsed.map(|o| o.heading_level.tag()), Ok("h3"));
        for k in asked.into_inner() {
            assert!(
                names.contains(&k.as_str()),
                "parse asks for {k}, which is not listed here"
            );
        }
    }

    #[test]
    fn required_options_and_defaults() {
        assert_eq!(opts(&[]), Err(OptionsError::MissingEndpoint));
        assert_eq!(
            opts(&[("endpoint", "https://x.org/api/")]),
            Err(OptionsError::MissingCampaign)
        );
        let o = opts(&[("endpoint", "https://x.org/api/"), ("campaign", "a-b")]).unwrap();
        assert_eq!(o.endpoint, "https://x.org/api");
        assert_eq!(o.campaign_url(), "https://x.org/api/campaigns/a-b");
        assert_eq!(
            (o.theme, o.layout, o.accent),
            (Theme::Auto, Layout::Full, None)
        );
        assert_eq!(o.heading_level.tag(), "h2");
    }

    #[test]
    fn heading_level_is_one_to_six_and_sub_headings_stop_at_six() {
        let level = |v: &str| {
            opts(&[
                ("endpoint", "http://x"),
                ("campaign", "a"),
                ("heading-level", v),
            ])
        };
        let l = level(" 3 ").unwrap().heading_level;
        assert_eq!((l.tag(), l.below().tag()), ("h3", "h4"));
        let l = level("6").unwrap().heading_level;
        assert_eq!((l.get(), l.below().get()), (6, 6));
        assert_eq!(level("1").unwrap().heading_level.tag(), "h1");
        for bad in ["0", "7", "h3", "2.5", "-1", "03", "３"] {
            assert_eq!(
                level(bad),
                Err(OptionsError::BadHeadingLevel(bad.into())),
                "{bad}"
            );
        }
        // Empty is unset, as for every option.
        assert_eq!(level("").unwrap().heading_level, HeadingLevel::default());
        let e = level("7").unwrap_err();
        assert_eq!(
            e.describe(true),
            "data-heading-level \"7\" is not a heading level: use 1 to 6 (default 2)"
        );
        assert!(
            e.describe(false)
                .starts_with("mount() option headingLevel \"7\" ")
        );
    }

    #[test]
    fn rejects_bad_endpoint_campaign_and_accent() {
        let bad = opts(&[("endpoint", "javascript:alert(1)"), ("campaign", "a")]);
        assert!(matches!(bad, Err(OptionsError::BadEndpoint(_))));
        let bad = opts(&[("endpoint", "http://x"), ("campaign", "A b")]);
        assert!(matches!(bad, Err(OptionsError::BadCampaign(_))));
        let o = opts(&[
            ("endpoint", "http://x"),
            ("campaign", "a"),
            ("accent", "red;}x{"),
        ])
        .unwrap();
        assert_eq!(o.accent, None);
        let o = opts(&[
            ("endpoint", "http://x"),
            ("campaign", "a"),
            ("accent", "#c0ffee"),
        ])
        .unwrap();
        assert_eq!(o.accent.as_deref(), Some("#c0ffee"));
        let layout = |v: &str| {
            opts(&[("endpoint", "http://x"), ("campaign", "a"), ("layout", v)])
                .unwrap()
                .layout
        };
        assert_eq!(layout("banner"), Layout::Banner);
        assert_eq!(layout("compact"), Layout::Compact);
        assert_eq!(layout("wall"), Layout::Wall);
        assert_eq!(layout("sideways"), Layout::Full);
    }

    #[test]
    fn errors_name_the_option_as_the_partner_wrote_it() {
        let e = opts(&[("campaign", "a")]).unwrap_err();
        assert!(e.describe(true).starts_with("missing data-endpoint: "));
        assert!(
            e.describe(false)
                .starts_with("missing mount() option endpoint: ")
        );
        let e = opts(&[("endpoint", "http://x"), ("campaign", "A")]).unwrap_err();
        assert_eq!(
            e.describe(false),
            "mount() option campaign \"A\" is not a slug (a-z, 0-9 and -, at most 64)"
        );
    }
}
