//! The public signer wall as the widget holds it: entries of `GET …/signers` and of the
//! stream's `signer` events (docs/api.md), kept in the wall's order (featured first, then
//! newest first), described and grouped for display. Pure Rust, tested on the host; the
//! views are `components/wall.rs` and `components/ticker.rs`.

use crate::campaign::{Campaign, FieldKind};
use crate::document::{SignerDoc, SignersPageDoc};

/// One public entry: a name and the public answers its signer gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signer {
    /// Opaque id (what `signer_removed` names).
    pub id: String,
    /// The name, to be rendered as text.
    pub name: String,
    /// Public answers by field key (select fields: the option's value).
    pub fields: Vec<(String, String)>,
    /// Shown first, in the organiser's order.
    pub featured: bool,
    /// UTC, to the second (`2026-12-01T21:48:27Z`): compares in time order as text.
    pub signed_at: String,
}

/// One page of `GET …/signers`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Page {
    /// Entries, in the wall's order.
    pub signers: Vec<Signer>,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<String>,
    /// Entries on the whole wall (matching the search when there was one).
    pub total: Option<u64>,
}

/// A `signer` entry (or one of a page); `None` without an id or a name.
pub fn signer(v: &SignerDoc) -> Option<Signer> {
    let id = v.id.clone().filter(|s| !s.is_empty())?;
    let name = v.name.clone().filter(|s| !s.trim().is_empty())?;
    Some(Signer {
        id,
        name,
        fields: v.fields.clone(),
        featured: v.featured.unwrap_or(false),
        signed_at: v.signed_at.clone().unwrap_or_default(),
    })
}

/// A page of `GET …/signers`; `None` when the body has no `signers` list.
pub fn page(v: &SignersPageDoc) -> Option<Page> {
    Some(Page {
        signers: v.signers.as_ref()?.iter().filter_map(signer).collect(),
        next_cursor: v.next_cursor.clone().filter(|c| !c.is_empty()),
        total: v.total,
    })
}

/// Puts `entry` where the wall's order says (replacing any entry with its id): a featured
/// entry keeps its place among the featured or joins their end; any other goes among the
/// rest by `signed_at`, newest first. `complete`: the list holds the whole wall; when it does
/// not, an entry older than the last one held belongs to a page not loaded yet and is left
/// out (that page will bring it). Returns whether the entry is new to the list.
pub fn upsert(list: &mut Vec<Signer>, entry: Signer, complete: bool) -> bool {
    let old = list.iter().position(|e| e.id == entry.id);
    if let Some(i) = old {
        if list[i].featured && entry.featured {
            list[i] = entry;
            return false;
        }
        list.remove(i);
    }
    let featured = list.iter().take_while(|e| e.featured).count();
    let at = if entry.featured {
        featured
    } else {
        let rest = &list[featured..];
        match rest.iter().position(|e| e.signed_at <= entry.signed_at) {
            Some(p) => featured + p,
            None if complete || old.is_some() => list.len(),
            None => return false,
        }
    };
    list.insert(at, entry);
    old.is_none()
}

/// Removes the entry with `id`; whether there was one.
pub fn remove(list: &mut Vec<Signer>, id: &str) -> bool {
    let before = list.len();
    list.retain(|e| e.id != id);
    list.len() != before
}

/// Appends a further page, skipping entries already held (a live event may have brought them).
pub fn append(list: &mut Vec<Signer>, more: Vec<Signer>) {
    for e in more {
        if !list.iter().any(|h| h.id == e.id) {
            list.push(e);
        }
    }
}

/// The campaign's grouping field: a `select` field with key `role`, if it has one.
pub fn role_field(campaign: &Campaign) -> Option<&crate::campaign::FieldSpec> {
    campaign
        .fields
        .iter()
        .find(|f| f.key == "role" && f.kind == FieldKind::Select)
}

/// The public answers of `entry` as shown beside the name, in the campaign's field order:
/// option labels for select values, `region` names for countries, text as given. `skip`: a
/// field key left out (the group heading already says it).
pub fn details(
    campaign: &Campaign,
    entry: &Signer,
    skip: Option<&str>,
    region: &dyn Fn(&str) -> String,
) -> Vec<String> {
    campaign
        .fields
        .iter()
        .filter(|f| Some(f.key.as_str()) != skip)
        .filter_map(|f| {
            let v = entry.fields.iter().find(|(k, _)| *k == f.key)?.1.trim();
            if v.is_empty() {
                return None;
            }
            Some(match f.kind {
                FieldKind::Select => f
                    .options
                    .iter()
                    .find(|o| o.value == v)
                    .map_or_else(|| v.to_owned(), |o| o.label.clone()),
                FieldKind::Country => region(v),
                _ => v.to_owned(),
            })
        })
        .collect()
}

/// "Ada Lovelace (An artist, The Engines)": the name with its details in brackets.
pub fn describe(name: &str, details: &[String]) -> String {
    if details.is_empty() {
        name.to_owned()
    } else {
        format!("{name} ({})", details.join(", "))
    }
}

/// Where an entry is listed: `Featured`, a role option (by index in the field's options), or
/// `Other` (no role field answer, or one the field does not offer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// Featured entries, first, in the organiser's order.
    Featured,
    /// The role option at this index.
    Role(usize),
    /// Everyone else.
    Other,
}

/// The entries of `list` in groups, in display order (featured, the role options in the
/// field's order, the rest); each group keeps the wall's order. Without a role field every
/// entry that is not featured is in `Other`.
pub fn groups<'a>(campaign: &Campaign, list: &'a [Signer]) -> Vec<(Group, Vec<&'a Signer>)> {
    let role = role_field(campaign);
    let group_of = |e: &Signer| {
        if e.featured {
            return Group::Featured;
        }
        role.and_then(|f| {
            let v = &e.fields.iter().find(|(k, _)| *k == f.key)?.1;
            f.options.iter().position(|o| &o.value == v)
        })
        .map_or(Group::Other, Group::Role)
    };
    // Built in display order (no sort: its code would cost the chunk more than this loop).
    let options = role.map_or(0, |f| f.options.len());
    let order = std::iter::once(Group::Featured)
        .chain((0..options).map(Group::Role))
        .chain(std::iter::once(Group::Other));
    order
        .filter_map(|g| {
            let items: Vec<&Signer> = list.iter().filter(|e| group_of(e) == g).collect();
            (!items.is_empty()).then_some((g, items))
        })
        .collect()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::campaign::{Choice, FieldSpec};

    fn s(id: &str, featured: bool, at: &str) -> Signer {
        Signer {
            id: id.into(),
            name: format!("N{id}"),
            fields: vec![],
            featured,
            signed_at: at.into(),
        }
    }

    fn ids(list: &[Signer]) -> Vec<&str> {
        list.iter().map(|e| e.id.as_str()).collect()
    }

    #[test]
    fn decodes_a_page_and_skips_entries_without_id_or_name() {
        let v: serde_json::Value = serde_json::from_str(
            r#"{"signers": [
                {"id": "1", "name": "<b>Ada</b>", "fields": {"role": "artist", "n": 3}, "featured": true, "signed_at": "2026-12-01T20:00:00Z"},
                {"id": "", "name": "x"}, {"id": "3", "name": "  "}, {"name": "y"}
            ], "next_cursor": "abc", "total": 475}"#,
        )
        .unwrap();
        let p = page(&crate::document::from_json(v)).unwrap();
        assert_eq!(ids(&p.signers), ["1"]);
        assert_eq!(p.signers[0].name, "<b>Ada</b>");
        assert_eq!(p.signers[0].fields, [("role".into(), "artist".into())]);
        assert_eq!(
            (p.next_cursor.as_deref(), p.total),
            (Some("abc"), Some(475))
        );
        let last: serde_json::Value =
            serde_json::from_str(r#"{"signers": [], "next_cursor": null}"#).unwrap();
        assert_eq!(
            page(&crate::document::from_json(last)).unwrap().next_cursor,
            None
        );
        let off = serde_json::json!({"error": "wall_off"});
        assert_eq!(page(&crate::document::from_json(off)), None);
    }

    #[test]
    fn upsert_keeps_featured_first_then_newest() {
        let mut l = vec![
            s("f1", true, "1"),
            s("f2", true, "2"),
            s("b", false, "5"),
            s("a", false, "3"),
        ];
        assert!(upsert(&mut l, s("c", false, "6"), false));
        assert_eq!(ids(&l), ["f1", "f2", "c", "b", "a"]);
        assert!(upsert(&mut l, s("d", false, "4"), false));
        assert_eq!(ids(&l), ["f1", "f2", "c", "b", "d", "a"]);
        // Older than everything held on a partial list: its page brings it later.
        assert!(!upsert(&mut l, s("old", false, "0"), false));
        assert!(upsert(&mut l, s("old", false, "0"), true));
        // Featuring moves an entry to the end of the featured ones; a featured one stays put.
        assert!(!upsert(&mut l, s("a", true, "3"), false));
        assert_eq!(ids(&l), ["f1", "f2", "a", "c", "b", "d", "old"]);
        assert!(!upsert(&mut l, s("f1", true, "1"), false));
        assert_eq!(ids(&l)[0], "f1");
        // Unfeatured: back among the rest by time.
        assert!(!upsert(&mut l, s("f1", false, "4"), false));
        assert_eq!(ids(&l), ["f2", "a", "c", "b", "f1", "d", "old"]);
        assert!(remove(&mut l, "c"));
        assert!(!remove(&mut l, "c"));
        append(&mut l, vec![s("b", false, "5"), s("z", false, "0")]);
        assert_eq!(ids(&l), ["f2", "a", "b", "f1", "d", "old", "z"]);
    }

    fn campaign() -> Campaign {
        let choice = |v: &str, l: &str| Choice {
            value: v.into(),
            label: l.into(),
            lang: None,
        };
        let field = |key: &str, kind: FieldKind, options: Vec<Choice>| FieldSpec {
            key: key.into(),
            label: key.into(),
            kind,
            required: false,
            max_length: None,
            options,
            lang: None,
        };
        Campaign {
            fields: vec![
                field(
                    "role",
                    FieldKind::Select,
                    vec![choice("artist", "Artists"), choice("fan", "Fans")],
                ),
                field("organisation", FieldKind::Text, vec![]),
                field("country", FieldKind::Country, vec![]),
            ],
            ..Campaign::default()
        }
    }

    #[test]
    fn describes_with_labels_in_field_order_and_groups_by_role() {
        let c = campaign();
        let mut ada = s("1", false, "1");
        ada.name = "Ada Lovelace".into();
        ada.fields = vec![
            ("country".into(), "GB".into()),
            ("organisation".into(), "The Engines".into()),
            ("role".into(), "artist".into()),
        ];
        let region = |code: &str| format!("[{code}]");
        let d = details(&c, &ada, None, &region);
        assert_eq!(
            describe(&ada.name, &d),
            "Ada Lovelace (Artists, The Engines, [GB])"
        );
        assert_eq!(details(&c, &ada, Some("role"), &region).len(), 2);
        assert_eq!(describe("Bo", &[]), "Bo");

        let mut fan = s("2", false, "2");
        fan.fields = vec![("role".into(), "fan".into())];
        let mut odd = s("3", false, "3");
        odd.fields = vec![("role".into(), "robot".into())];
        let star = s("4", true, "4");
        let list = [odd, fan, ada, star];
        let g: Vec<(Group, Vec<&str>)> = groups(&c, &list)
            .into_iter()
            .map(|(g, e)| (g, e.iter().map(|e| e.id.as_str()).collect()))
            .collect();
        assert_eq!(
            g,
            [
                (Group::Featured, vec!["4"]),
                (Group::Role(0), vec!["1"]),
                (Group::Role(1), vec!["2"]),
                (Group::Other, vec!["3"]),
            ]
        );
    }
}
