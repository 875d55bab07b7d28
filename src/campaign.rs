//! The campaign as `GET {endpoint}/campaigns/{slug}` describes it, and the plain-text pledge
//! splitter (paragraphs, lists, links) that lets the widget render it as text nodes only.

/// A campaign (docs/api.md). Missing optional members take their documented defaults.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Campaign {
    /// Heading of the pitch.
    pub title: String,
    /// Plain text; blank lines separate paragraphs; `http(s)://` URLs become links.
    pub text: String,
    /// Target number of signatures; `None` = no goal bar.
    pub goal: Option<u64>,
    /// Signatures so far, as of the response.
    pub count: Option<u64>,
    /// Extra form fields, in display order.
    pub fields: Vec<FieldSpec>,
    /// Consent line shown next to the checkbox and stored with the signature.
    pub consent_text: Option<String>,
    /// The language of `consent_text` when untranslated (as [`FieldSpec::lang`]).
    pub consent_lang: Option<String>,
    /// Privacy policy linked from the consent line.
    pub privacy_url: Option<String>,
    /// Page that share actions point at; default the host page.
    pub share_url: Option<String>,
    /// Whether to offer "show my name publicly".
    pub allow_public_names: bool,
    /// Proof-of-work difficulty (`proof_of_work.maxnumber`); `None` = signatures need no proof.
    pub proof_of_work: Option<u64>,
    /// Whether this page's origin may sign (`can_sign_here`; absent = `true`).
    pub can_sign_here: bool,
    /// The language of `title` and `text` when the widget shows them untranslated: the
    /// campaign's first language (`None` when translated, or when the endpoint names none).
    pub lang: Option<String>,
    /// `state` is not `open`: the widget shows the final count and no form.
    pub closed: bool,
    /// Whether the campaign has a public signer wall (`wall` is an object): only then does the
    /// widget ask for `…/signers`.
    pub wall: bool,
}

/// One campaign-specific form field.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldSpec {
    /// Key in the signature's `fields` object (errors use `fields.<key>`).
    pub key: String,
    /// Visible label.
    pub label: String,
    /// Input kind.
    pub kind: FieldKind,
    /// Whether a value is needed.
    pub required: bool,
    /// Maximum characters of a text value; default 200.
    pub max_length: Option<usize>,
    /// Choices of a `select`.
    pub options: Vec<Choice>,
    /// The language of `label` when it is the campaign's own (not translated for the widget's
    /// language): its element gets this `lang` and its `dir` (WCAG 3.1.2).
    pub lang: Option<String>,
}

/// Field `type` of docs/api.md: the contract's kinds (an unknown one is shown as text).
pub use pledge_contract::FieldKind;

/// One `select` choice.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// Value sent to the endpoint.
    pub value: String,
    /// Visible text.
    pub label: String,
    /// The language of `label` when untranslated (as [`FieldSpec::lang`]).
    pub lang: Option<String>,
}

impl FieldSpec {
    /// The documented default of 200 characters applies when `max_length` is absent.
    pub fn max_len(&self) -> usize {
        self.max_length.unwrap_or(200)
    }
}

impl Campaign {
    /// The minimal campaign used when the endpoint only implements the POST route.
    pub fn fallback(title: String) -> Self {
        Self {
            title,
            can_sign_here: true,
            ..Self::default()
        }
    }
}

/// A run of pledge text: plain text or a link (both rendered as text nodes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Text, newlines kept (the stylesheet shows them with `white-space: pre-line`).
    Text(String),
    /// An `http(s)://` URL, shown as itself.
    Link(String),
}

/// A block of pledge text: a paragraph, or a list (the demands).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A paragraph of text and links.
    Para(Vec<Segment>),
    /// A paragraph whose every line is an item (`1.`/`1)` numbered, `-`/`*`/`•` bulleted):
    /// shown as a list, so a screen reader says how many there are and where each starts.
    List {
        /// Numbered (`<ol>`) rather than bulleted (`<ul>`).
        ordered: bool,
        /// The items, their markers removed.
        items: Vec<Vec<Segment>>,
    },
}

/// Splits pledge text into blocks at blank lines: paragraphs of text and link segments, and
/// lists.
pub fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut flush = |current: &mut String| {
        if !current.is_empty() {
            out.push(block(current));
            current.clear();
        }
    };
    for line in text.lines() {
        if line.trim().is_empty() {
            flush(&mut current);
        } else {
            if !current.is_empty() {
                current.push('\n');
            }
            current.push_str(line.trim_end());
        }
    }
    flush(&mut current);
    out
}

/// A list item's text without its marker, and whether the marker is a number; `None` for a
/// line that is not an item.
fn item(line: &str) -> Option<(bool, &str)> {
    let line = line.trim_start();
    if let Some(rest) = ["- ", "* ", "• "].iter().find_map(|m| line.strip_prefix(m)) {
        return Some((false, rest));
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    let rest = line[digits..]
        .strip_prefix(". ")
        .or_else(|| line[digits..].strip_prefix(") "))?;
    (digits > 0).then_some((true, rest))
}

fn block(p: &str) -> Block {
    let items: Option<Vec<(bool, &str)>> = p.lines().map(item).collect();
    match items {
        Some(items) if items.len() > 1 && items.iter().all(|(o, _)| *o == items[0].0) => {
            Block::List {
                ordered: items[0].0,
                items: items.iter().map(|(_, t)| segments(t)).collect(),
            }
        }
        _ => Block::Para(segments(p)),
    }
}

fn segments(p: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut rest = p;
    while let Some(start) = [rest.find("https://"), rest.find("http://")]
        .into_iter()
        .flatten()
        .min()
    {
        let len = rest[start..]
            .find(char::is_whitespace)
            .unwrap_or(rest.len() - start);
        let mut url = &rest[start..start + len];
        url = url.trim_end_matches(['.', ',', ';', ':', '!', '?', '"', '\'']);
        if url.ends_with(')') && !url.contains('(') {
            url = &url[..url.len() - 1];
        }
        if start > 0 {
            out.push(Segment::Text(rest[..start].to_owned()));
        }
        if url.len() > "https://".len() {
            out.push(Segment::Link(url.to_owned()));
        } else {
            out.push(Segment::Text(url.to_owned()));
        }
        rest = &rest[start + url.len()..];
    }
    if !rest.is_empty() {
        out.push(Segment::Text(rest.to_owned()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Segment::*;

    #[test]
    fn splits_paragraphs_and_links() {
        let p = blocks("One\nline two.\n\n\nSee https://example.org/letter.\n");
        assert_eq!(p.len(), 2);
        assert_eq!(p[0], Block::Para(vec![Text("One\nline two.".into())]));
        assert_eq!(
            p[1],
            Block::Para(vec![
                Text("See ".into()),
                Link("https://example.org/letter".into()),
                Text(".".into())
            ])
        );
    }

    #[test]
    fn a_paragraph_of_items_is_a_list() {
        let p = blocks("Demands:\n\n1. End contracts.\n2) Stop https://a.org now.\n\n- one\n* two");
        assert_eq!(p[0], Block::Para(vec![Text("Demands:".into())]));
        assert_eq!(
            p[1],
            Block::List {
                ordered: true,
                items: vec![
                    vec![Text("End contracts.".into())],
                    vec![
                        Text("Stop ".into()),
                        Link("https://a.org".into()),
                        Text(" now.".into())
                    ],
                ],
            }
        );
        assert!(matches!(&p[2], Block::List { ordered: false, items } if items.len() == 2));
        // One item alone, mixed markers, or a line that is no item: a paragraph.
        for text in [
            "1. Only one",
            "1. One\n- two",
            "1. One\nand more",
            "2019. A year\nlater",
        ] {
            assert!(matches!(blocks(text)[0], Block::Para(_)), "{text}");
        }
    }

    #[test]
    fn never_links_other_schemes() {
        let p = blocks("javascript:alert(1) (http://a.org)");
        assert_eq!(
            p[0],
            Block::Para(vec![
                Text("javascript:alert(1) (".into()),
                Link("http://a.org".into()),
                Text(")".into())
            ])
        );
    }
}
