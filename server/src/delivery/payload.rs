//! What is sent: a webhook's JSON (one event, or `{"events": [...]}` in batches) and an OSDI
//! record-signature request built from a `signature.created` event.

use serde_json::{Map, Value, json};

use crate::store::delivery::PendingEvent;

/// One event as receivers see it.
pub fn webhook_event(campaign_slug: &str, e: &PendingEvent) -> Value {
    json!({
        "id": e.public_id,
        "type": e.event_type,
        "created_at": e.created_at,
        "campaign": campaign_slug,
        "data": e.data,
    })
}

/// A webhook request's body: the event itself when the target takes one per request, or
/// `{"events": [...]}` (1 to `batch_size`, oldest first) when it takes batches.
pub fn webhook_body(campaign_slug: &str, batch_size: u32, events: &[PendingEvent]) -> Value {
    let mut all: Vec<Value> = events
        .iter()
        .map(|e| webhook_event(campaign_slug, e))
        .collect();
    if batch_size <= 1 && all.len() == 1 {
        all.swap_remove(0)
    } else {
        json!({ "events": all })
    }
}

/// `given_name` and `family_name` from one typed name: the last word is the family name
/// and everything before it the given name; a single word is a given name only. Nothing is
/// dropped: the two joined by a space give back the name (whitespace collapsed).
pub fn split_name(name: &str) -> (String, Option<String>) {
    let words: Vec<&str> = name.split_whitespace().collect();
    match words.as_slice() {
        [] => (String::new(), None),
        [only] => ((*only).to_owned(), None),
        [given @ .., family] => (given.join(" "), Some((*family).to_owned())),
    }
}

/// Which campaign field keys fill which part of an OSDI postal address.
fn address_part(key: &str) -> Option<&'static str> {
    match key.to_ascii_lowercase().as_str() {
        "postal_code" | "postcode" | "post_code" | "zip" | "zip_code" | "zipcode" => {
            Some("postal_code")
        }
        "country" => Some("country"),
        "city" | "town" | "locality" => Some("locality"),
        "region" | "state" | "province" | "county" => Some("region"),
        "address" | "street" | "address_line" | "street_address" => Some("address_lines"),
        _ => None,
    }
}

/// Whether an OSDI target records this event's person. On a campaign that asks for
/// confirmation only confirmed signatures reach the CRM (an unconfirmed address may be
/// someone else's, typed by a stranger): a `signature.created` awaiting confirmation is
/// skipped and its `signature.confirmed` recorded; a held signature approved after its
/// signer confirmed is recorded by its `signature.confirmed` alone, never twice. Events
/// written before confirmations existed carry no `confirmation` and are recorded.
pub fn osdi_records(e: &PendingEvent) -> bool {
    match e.event_type.as_str() {
        "signature.confirmed" => true,
        "signature.created" => e
            .data
            .get("confirmation")
            .and_then(Value::as_str)
            .is_none_or(|c| c == "not_required"),
        _ => false,
    }
}

/// The record-signature helper's body for a `signature.created` event. `autoresponse`:
/// whether Action Network should send its autoresponse email (only while no earlier
/// attempt may have reached it, so a signer never gets two).
pub fn osdi_signature(e: &PendingEvent, tags: &[String], autoresponse: bool) -> Value {
    let data = &e.data;
    let text = |k: &str| data.get(k).and_then(Value::as_str).unwrap_or("");
    let (given, family) = split_name(text("name"));
    let mut person = Map::new();
    person.insert("given_name".into(), json!(given));
    if let Some(family) = family {
        person.insert("family_name".into(), json!(family));
    }
    person.insert(
        "email_addresses".into(),
        json!([{ "address": text("email") }]),
    );
    let mut address = Map::new();
    let mut custom = Map::new();
    if let Some(fields) = data.get("fields").and_then(Value::as_object) {
        for (key, value) in fields {
            let value = match value {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                other => other.to_string(),
            };
            match address_part(key) {
                Some("address_lines") => {
                    address.insert("address_lines".into(), json!([value]));
                }
                Some(part) => {
                    address.insert(part.into(), json!(value));
                }
                None => {
                    custom.insert(key.clone(), json!(value));
                }
            }
        }
    }
    if !address.is_empty() {
        person.insert("postal_addresses".into(), json!([address]));
    }
    if !custom.is_empty() {
        person.insert("custom_fields".into(), Value::Object(custom));
    }
    if let Some(lang) = data.get("locale").and_then(Value::as_str) {
        person.insert("languages_spoken".into(), json!([lang]));
    }
    let mut body = Map::new();
    body.insert("person".into(), Value::Object(person));
    if !tags.is_empty() {
        body.insert("add_tags".into(), json!(tags));
    }
    if autoresponse {
        body.insert(
            "triggers".into(),
            json!({ "autoresponse": { "enabled": true } }),
        );
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(data: Value) -> PendingEvent {
        PendingEvent {
            delivery_id: 1,
            attempts: 0,
            maybe_sent: false,
            public_id: "e1".into(),
            event_type: "signature.created".into(),
            created_at: "2026-12-01T20:00:00.000Z".into(),
            data,
        }
    }

    #[test]
    fn osdi_records_confirmed_signatures_once() {
        let with = |event_type: &str, confirmation: Option<&str>| {
            let mut e = event(json!({"email": "a@example.org"}));
            e.event_type = event_type.into();
            if let Some(c) = confirmation {
                e.data["confirmation"] = c.into();
            }
            osdi_records(&e)
        };
        assert!(with("signature.created", Some("not_required")));
        assert!(with("signature.created", None), "events from before");
        assert!(!with("signature.created", Some("pending")));
        assert!(!with("signature.created", Some("confirmed")));
        assert!(with("signature.confirmed", Some("confirmed")));
        assert!(!with("signature.withdrawn", None));
    }

    #[test]
    fn names_split_at_the_last_word() {
        assert_eq!(
            split_name("Ada Lovelace"),
            ("Ada".into(), Some("Lovelace".into()))
        );
        assert_eq!(
            split_name("  Ludwig  van Beethoven "),
            ("Ludwig van".into(), Some("Beethoven".into()))
        );
        assert_eq!(split_name("Cher"), ("Cher".into(), None));
        assert_eq!(split_name(""), (String::new(), None));
    }

    #[test]
    fn an_osdi_person_takes_address_fields_and_keeps_the_rest_as_custom_fields() {
        let e = event(json!({
            "name": "Ada Lovelace", "email": "ada@example.org", "locale": "en",
            "fields": {"postcode": "N1 9GU", "country": "GB", "role": "artist", "newsletter": true}
        }));
        let body = osdi_signature(&e, &["tour-2026".into()], true);
        assert_eq!(
            body,
            json!({
                "person": {
                    "given_name": "Ada", "family_name": "Lovelace",
                    "email_addresses": [{"address": "ada@example.org"}],
                    "postal_addresses": [{"postal_code": "N1 9GU", "country": "GB"}],
                    "custom_fields": {"role": "artist", "newsletter": "true"},
                    "languages_spoken": ["en"]
                },
                "add_tags": ["tour-2026"],
                "triggers": {"autoresponse": {"enabled": true}}
            })
        );
        let retry = osdi_signature(&e, &[], false);
        assert!(retry.get("triggers").is_none());
        assert!(retry.get("add_tags").is_none());
    }

    #[test]
    fn a_batch_is_an_events_array_and_a_single_event_is_itself() {
        let e = event(json!({"email": "a@example.org"}));
        let one = webhook_body("c", 1, std::slice::from_ref(&e));
        assert_eq!(one["id"], "e1");
        assert_eq!(one["campaign"], "c");
        let batch = webhook_body("c", 10, &[e.clone(), e]);
        assert_eq!(batch["events"].as_array().unwrap().len(), 2);
    }
}
