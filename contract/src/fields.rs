//! The kinds of campaign fields, as docs/api.md names them.

/// A campaign field's `type`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum FieldKind {
    /// Free text, at most [`crate::rules::TEXT_MAX_CHARS`] characters unless the field says
    /// fewer or more.
    #[default]
    Text,
    /// An email address, by the same rule as the signer's.
    Email,
    /// One of the field's `options` (their `value`).
    Select,
    /// An ISO 3166-1 alpha-2 code.
    Country,
    /// A yes/no box, sent as `true` or `false`.
    Checkbox,
}

impl FieldKind {
    /// Every kind, in the order the docs list them.
    pub const ALL: [Self; 5] = [
        Self::Text,
        Self::Email,
        Self::Select,
        Self::Country,
        Self::Checkbox,
    ];

    /// The `type` on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Email => "email",
            Self::Select => "select",
            Self::Country => "country",
            Self::Checkbox => "checkbox",
        }
    }

    /// Reads a `type`; `None` for a name the contract does not have (the server refuses it
    /// when a campaign is made; the widget shows such a field as text, so a newer server's
    /// kind still gets an answer).
    pub fn parse(name: &str) -> Option<Self> {
        // A match, not a search of `ALL`: 148 bytes less in the widget's wasm (measured).
        Some(match name {
            "text" => Self::Text,
            "email" => Self::Email,
            "select" => Self::Select,
            "country" => Self::Country,
            "checkbox" => Self::Checkbox,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::FieldKind;

    #[test]
    fn names_round_trip_and_unknown_names_are_none() {
        for kind in FieldKind::ALL {
            assert_eq!(FieldKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(FieldKind::parse("date"), None);
        assert_eq!(FieldKind::parse("Text"), None);
    }
}
