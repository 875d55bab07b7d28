//! What the public signer wall may show: the campaign's `public_names` mode, an entry's
//! review state, and the cleaning every public name and field value goes through.

use std::fmt;

/// Whether and when a signer who chose "show my name publicly" appears on the wall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PublicNames {
    /// No wall: nobody is shown.
    Off,
    /// Shown once an organiser approves the entry (the default).
    #[default]
    AfterReview,
    /// Shown at once; an organiser can still hide an entry.
    Immediate,
}

impl PublicNames {
    pub const ALL: [Self; 3] = [Self::Off, Self::AfterReview, Self::Immediate];

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == raw)
            .ok_or_else(|| format!("{raw:?}: use off, after_review or immediate"))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::AfterReview => "after_review",
            Self::Immediate => "immediate",
        }
    }
}

impl fmt::Display for PublicNames {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An organiser's decision on one signer's public entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WallState {
    /// Not reviewed yet: shown only when the campaign's mode is `immediate`.
    Pending,
    Approved,
    /// Never shown, whatever the mode.
    Hidden,
}

impl WallState {
    pub const ALL: [Self; 3] = [Self::Pending, Self::Approved, Self::Hidden];

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| format!("{raw:?}: use pending, approved or hidden"))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Hidden => "hidden",
        }
    }

    /// Whether an entry in this state shows under `mode` (given the signer opted in and
    /// the signature counts).
    pub fn shows_under(self, mode: PublicNames) -> bool {
        match (mode, self) {
            (PublicNames::Off, _) | (_, Self::Hidden) => false,
            (PublicNames::Immediate, _) => true,
            (PublicNames::AfterReview, s) => s == Self::Approved,
        }
    }
}

impl fmt::Display for WallState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Text as it may appear in a public answer: control characters, bidirectional marks,
/// embeddings, overrides and isolates, zero-width spaces and the byte-order mark are
/// dropped; the zero-width non-joiner and joiner (U+200C, U+200D) are kept only where
/// they do their job (see [`keeps_joiner`]); runs of whitespace become one space.
///
/// Names are parsed strictly when signed (`SignerName`), but field values are only
/// checked for control characters, and rows may predate today's rules: this is the last
/// gate before a stranger's screen, so it does not trust what is stored.
pub fn public_text(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    let mut last_kept: Option<char> = None;
    let mut pending_space = false;
    for (i, &c) in chars.iter().enumerate() {
        if c.is_whitespace() || c.is_control() {
            // A tab or newline becomes a space, as the separator it was meant to be.
            pending_space = last_kept.is_some();
            continue;
        }
        if is_hidden_format(c) {
            continue;
        }
        if matches!(c, ZWNJ | ZWJ) {
            let next = chars[i + 1..].iter().copied().find(|n| !is_modifier(*n));
            let prev = out.chars().rev().find(|p| !is_modifier(*p));
            if pending_space || !keeps_joiner(c, prev, next) {
                continue;
            }
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
        last_kept = Some(c);
    }
    out
}

const ZWNJ: char = '\u{200C}';
const ZWJ: char = '\u{200D}';

/// Format characters that change how text reads without being seen: zero-width space,
/// direction marks (U+200E/F, U+061C), embeddings and overrides (U+202A–E), isolates
/// (U+2066–9), invisible operators (U+2060–4), the byte-order mark, soft hyphen,
/// interlinear annotations (U+FFF9–B) and tag characters (U+E0000–E007F).
fn is_hidden_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}' | '\u{200E}' | '\u{200F}'
        | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}')
}

/// Variation selectors and emoji skin-tone modifiers: looked through when deciding what a
/// joiner stands between (`🏳️‍🌈` is flag, VS16, ZWJ, rainbow).
fn is_modifier(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{1F3FB}'..='\u{1F3FF}')
}

/// A joiner is kept only between two characters of a script that joins (Arabic, Syriac,
/// N'Ko, the Indic scripts, Sinhala, Myanmar, Khmer, Mongolian), where it chooses a
/// letter's form (Persian `می‌رود`, Malayalam chillus, Devanagari half forms), and the
/// joiner also between two pictographs, where it builds one emoji (`👩‍🎤`). Anywhere
/// else (at an edge, beside a space or a Latin letter) it does nothing a reader can see,
/// so it can only hide something, like a name that looks like another.
pub fn keeps_joiner(joiner: char, prev: Option<char>, next: Option<char>) -> bool {
    let (Some(prev), Some(next)) = (prev, next) else {
        return false;
    };
    let joining = is_joining_script(prev) && is_joining_script(next);
    let emoji = joiner == ZWJ && is_pictograph(prev) && is_pictograph(next);
    joining || emoji
}

fn is_joining_script(c: char) -> bool {
    matches!(c,
        '\u{0600}'..='\u{06FF}' // Arabic (and Persian, Urdu)
        | '\u{0700}'..='\u{074F}' // Syriac
        | '\u{0750}'..='\u{077F}' // Arabic Supplement
        | '\u{07C0}'..='\u{07FF}' // N'Ko
        | '\u{0860}'..='\u{086F}' // Syriac Supplement
        | '\u{0870}'..='\u{08FF}' // Arabic Extended-B, -A
        | '\u{0900}'..='\u{0DFF}' // Devanagari … Sinhala
        | '\u{1000}'..='\u{109F}' // Myanmar
        | '\u{1780}'..='\u{17FF}' // Khmer
        | '\u{1800}'..='\u{18AF}' // Mongolian
        | '\u{A8E0}'..='\u{A8FF}' // Devanagari Extended
        | '\u{FB50}'..='\u{FDFF}' // Arabic Presentation Forms-A
        | '\u{FE70}'..='\u{FEFE}') // Arabic Presentation Forms-B (not the BOM)
}

fn is_pictograph(c: char) -> bool {
    matches!(c, '\u{2600}'..='\u{27BF}' | '\u{1F000}'..='\u{1FAFF}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn modes_and_states_round_trip_and_refuse_others() {
        for m in PublicNames::ALL {
            assert_eq!(PublicNames::parse(m.as_str()), Ok(m));
        }
        for s in WallState::ALL {
            assert_eq!(WallState::parse(s.as_str()), Ok(s));
        }
        assert!(PublicNames::parse("on").is_err());
        assert!(WallState::parse("Approved").is_err());
        assert_eq!(PublicNames::default(), PublicNames::AfterReview);
    }

    #[test]
    fn which_states_show_under_which_mode() {
        use PublicNames::*;
        use WallState::*;
        assert!(!Approved.shows_under(Off));
        assert!(!Pending.shows_under(AfterReview));
        assert!(Approved.shows_under(AfterReview));
        assert!(Pending.shows_under(Immediate));
        assert!(!Hidden.shows_under(Immediate));
        assert!(!Hidden.shows_under(AfterReview));
    }

    #[test]
    fn drops_bidi_controls_zero_width_and_control_characters() {
        assert_eq!(public_text("Ada\u{202E}ecalevoL"), "AdaecalevoL");
        assert_eq!(
            public_text("\u{2067}Ada\u{2069} \u{200B}Love\u{FEFF}lace\u{200F}"),
            "Ada Lovelace"
        );
        assert_eq!(public_text("Ada\u{7}\u{1b}[31m"), "Ada [31m");
        assert_eq!(public_text("Ada\n\tLovelace  "), "Ada Lovelace");
        assert_eq!(public_text("tag\u{E0041}\u{E007F}s"), "tags");
        assert_eq!(public_text("<b>Ada</b>"), "<b>Ada</b>", "text stays text");
    }

    #[test]
    fn keeps_joiners_only_between_letters_of_joining_scripts_and_in_emoji() {
        // Persian: the non-joiner between two Arabic-script letters changes their form.
        let persian = "نیلوفر می\u{200C}رود";
        assert_eq!(public_text(persian), persian);
        // Malayalam chillu (ന്‍): ZWJ after a virama (a combining mark of the script).
        let malayalam = "ന\u{0D4D}\u{200D}";
        assert_eq!(public_text(&format!("{malayalam}x")), "ന\u{0D4D}x");
        let devanagari = "क\u{094D}\u{200D}ष";
        assert_eq!(public_text(devanagari), devanagari);
        // Emoji sequences joined by ZWJ, through the variation selector.
        let rainbow_flag = "🏳\u{FE0F}\u{200D}🌈";
        assert_eq!(public_text(rainbow_flag), rainbow_flag);
        assert_eq!(public_text("👩\u{200D}🎤"), "👩\u{200D}🎤");
        // Between Latin letters, at the edges, next to spaces: gone.
        assert_eq!(public_text("Ad\u{200C}a"), "Ada");
        assert_eq!(public_text("Ad\u{200D}a"), "Ada");
        assert_eq!(public_text("\u{200D}نیلوفر\u{200C}"), "نیلوفر");
        assert_eq!(public_text("می \u{200C}رود"), "می رود");
        assert_eq!(public_text("👩\u{200C}🎤"), "👩🎤", "ZWNJ builds no emoji");
    }

    proptest! {
        #[test]
        fn output_has_nothing_hidden_and_is_idempotent(s in any::<String>()) {
            let clean = public_text(&s);
            for c in clean.chars() {
                prop_assert!(!c.is_control() && !is_hidden_format(c), "{:?}", c);
            }
            prop_assert!(!clean.starts_with(' ') && !clean.ends_with(' '));
            prop_assert_eq!(public_text(&clean), clean.clone());
        }
    }
}
