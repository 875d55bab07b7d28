//! A public entry as strangers see it (built from a stored row, the campaign's public
//! fields and the cleaning of `public_text`), its place in the wall's order, and the
//! opaque cursor that names such a place.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::{FieldDefinition, FieldKind, PublicNames, public_text};
use crate::store::{Campaign, WallRow};

/// What decides who is shown and with which fields; read with the wall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WallSettings {
    pub mode: PublicNames,
    /// The fields marked public, in the campaign's order (never email or checkbox fields).
    pub public_fields: Vec<String>,
}

impl WallSettings {
    pub fn of(campaign: &Campaign) -> Self {
        let mode = if campaign.allow_public_names {
            campaign.public_names
        } else {
            // The form never offered the choice: nobody opted in, nobody is shown.
            PublicNames::Off
        };
        Self {
            mode,
            public_fields: public_fields(&campaign.fields),
        }
    }

    pub fn is_on(&self) -> bool {
        self.mode != PublicNames::Off
    }
}

/// The keys of the fields that may be shown: marked public, and holding text a signer
/// chose to give (an email field never, whatever its mark).
pub fn public_fields(fields: &[FieldDefinition]) -> Vec<String> {
    fields
        .iter()
        .filter(|f| f.public && !matches!(f.kind, FieldKind::Email | FieldKind::Checkbox))
        .map(|f| f.key.clone())
        .collect()
}

/// Where an entry stands: featured ones first by rank, then everyone newest first. The
/// signature id breaks ties and makes every key unique, so a cursor is a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SortKey {
    /// 0 featured, 1 the rest.
    group: u8,
    rank: i64,
    id: Reverse<i64>,
}

impl SortKey {
    pub fn new(featured: Option<i64>, id: i64) -> Self {
        match featured {
            Some(rank) => Self {
                group: 0,
                rank,
                id: Reverse(id),
            },
            None => Self {
                group: 1,
                rank: 0,
                id: Reverse(id),
            },
        }
    }

    /// The opaque `cursor` of the API: "continue after this entry".
    pub fn to_cursor(self) -> String {
        hex::encode(format!("{}.{}.{}", self.group, self.rank, self.id.0))
    }

    pub fn from_cursor(cursor: &str) -> Option<Self> {
        if cursor.len() > 128 {
            return None;
        }
        let text = String::from_utf8(hex::decode(cursor).ok()?).ok()?;
        let mut parts = text.split('.');
        let group: u8 = parts.next()?.parse().ok()?;
        let rank: i64 = parts.next()?.parse().ok()?;
        let id: i64 = parts.next()?.parse().ok()?;
        if parts.next().is_some() || group > 1 || (group == 1 && rank != 0) {
            return None;
        }
        Some(Self::new((group == 0).then_some(rank), id))
    }
}

/// One name on the wall. Serialised as-is in `GET …/signers` and the `signer` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicEntry {
    /// The signature's id, as text: what a `signer_removed` event names.
    pub id: String,
    pub name: String,
    /// The public fields this signer answered, by key (select fields: the option's value).
    pub fields: BTreeMap<String, String>,
    pub featured: bool,
    /// `YYYY-MM-DDTHH:MM:SSZ` (UTC).
    pub signed_at: String,
    #[serde(skip)]
    pub key: SortKey,
    /// Name and field values, lowercased, for `q`.
    #[serde(skip)]
    search: String,
}

impl PublicEntry {
    /// The entry a row shows as, or `None` when it shows nothing (a name that is empty
    /// once cleaned).
    pub fn from_row(row: &WallRow, settings: &WallSettings) -> Option<Self> {
        let name = public_text(&row.name);
        if name.is_empty() {
            return None;
        }
        let fields: BTreeMap<String, String> = settings
            .public_fields
            .iter()
            .filter_map(|key| {
                let value = public_text(row.fields.get(key)?.as_str()?);
                (!value.is_empty()).then(|| (key.clone(), value))
            })
            .collect();
        let mut search = name.to_lowercase();
        for value in fields.values() {
            search.push('\n');
            search.push_str(&value.to_lowercase());
        }
        Some(Self {
            id: row.id.to_string(),
            name,
            fields,
            featured: row.featured.is_some(),
            // Milliseconds add nothing a wall shows.
            signed_at: format!("{}Z", row.signed_at.get(..19).unwrap_or(&row.signed_at)),
            key: SortKey::new(row.featured, row.id),
            search,
        })
    }

    /// Name and public field values, lowercased, one per line: what `q` is matched
    /// against (see `search`).
    pub fn search_text(&self) -> &str {
        &self.search
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::WallState;
    use serde_json::json;

    fn row(id: i64, featured: Option<i64>) -> WallRow {
        WallRow {
            id,
            name: "  Ada\u{202E} Lovelace ".into(),
            fields: json!({"role": "artist", "organisation": "The\u{200B} Engines", "email2": "a@b.c", "country": ""})
                .as_object()
                .cloned()
                .unwrap(),
            featured,
            signed_at: "2026-12-01T21:48:27.123Z".into(),
            state: WallState::Approved,
            candidate: true,
        }
    }

    fn settings() -> WallSettings {
        WallSettings {
            mode: PublicNames::Immediate,
            public_fields: vec!["role".into(), "organisation".into(), "country".into()],
        }
    }

    #[test]
    fn shows_the_clean_name_and_only_public_fields() {
        let e = PublicEntry::from_row(&row(7, None), &settings()).unwrap();
        assert_eq!(e.name, "Ada Lovelace");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"id": "7", "name": "Ada Lovelace", "fields": {"role": "artist", "organisation": "The Engines"}, "featured": false, "signed_at": "2026-12-01T21:48:27Z"})
        );
        assert_eq!(e.search_text(), "ada lovelace\nthe engines\nartist");
        let mut blank = row(8, None);
        blank.name = "\u{200B}\u{202E}".into();
        assert_eq!(PublicEntry::from_row(&blank, &settings()), None);
    }

    #[test]
    fn featured_first_by_rank_then_newest() {
        let mut keys = vec![
            SortKey::new(None, 5),
            SortKey::new(Some(2), 1),
            SortKey::new(None, 9),
            SortKey::new(Some(1), 3),
        ];
        keys.sort();
        assert_eq!(
            keys,
            [
                SortKey::new(Some(1), 3),
                SortKey::new(Some(2), 1),
                SortKey::new(None, 9),
                SortKey::new(None, 5)
            ]
        );
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        for key in [SortKey::new(Some(3), 10), SortKey::new(None, 99_999)] {
            assert_eq!(SortKey::from_cursor(&key.to_cursor()), Some(key));
        }
        for bad in [
            "",
            "zz",
            &hex::encode("1.5.3"),
            &hex::encode("2.0.1"),
            &hex::encode("0.1.2.3"),
            &"a".repeat(200),
        ] {
            assert_eq!(SortKey::from_cursor(bad), None, "{bad}");
        }
    }

    #[test]
    fn email_fields_are_never_public() {
        let fields: Vec<FieldDefinition> =
            ["contact:email:Email", "org:text:Org", "news:checkbox:News"]
                .iter()
                .map(|s| {
                    let mut f = FieldDefinition::from_spec(s).unwrap();
                    f.public = true;
                    f
                })
                .collect();
        assert_eq!(public_fields(&fields), ["org"]);
    }
}
