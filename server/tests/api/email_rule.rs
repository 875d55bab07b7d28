//! Issue 11, item 9: the widget and the server disagreed on emails (the widget accepted
//! `ada@example..org`, the server `<script>…</script>@x.org`), and only the server refused
//! invisible characters in names. Both now go through `pledge-contract`'s rules (issue 12,
//! item 4): these tests run the widget's own `validate` module against the server's parsers
//! on the same inputs, so neither side's wrapper (trimming, limits, what counts as empty)
//! can drift from the other's.

use pledge_server::domain::{SignerEmail, SignerName};
use pledge_widget::validate::{check_email, check_name};
use proptest::prelude::*;

fn same_email_verdict(s: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        SignerEmail::parse(s).is_ok(),
        check_email(s).is_none(),
        "server and widget disagree on {:?}",
        s
    );
    Ok(())
}

#[test]
fn the_reported_disagreements_are_gone() {
    for s in [
        "ada@example..org",
        "<script>alert(1)</script>@x.org",
        "ada@example.org",
        "a@b",
    ] {
        same_email_verdict(s).unwrap();
    }
    assert!(check_email("ada@example..org").is_some());
    assert!(SignerEmail::parse("<script>alert(1)</script>@x.org").is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_string_gets_the_same_email_verdict(s in any::<String>()) {
        same_email_verdict(&s)?;
    }

    #[test]
    fn email_shaped_strings_get_the_same_verdict(
        s in r"[ ]?[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~<>()\[\]\x22ä -]{0,70}@[a-zA-Z0-9._ä-]{0,70}[ ]?"
    ) {
        same_email_verdict(&s)?;
    }

    #[test]
    fn any_name_gets_the_same_verdict(s in any::<String>()) {
        prop_assert_eq!(SignerName::parse(&s).is_ok(), check_name(&s).is_none());
    }

    #[test]
    fn names_with_invisible_characters_get_the_same_verdict(
        s in "[a-zA-Z \u{200B}-\u{200F}\u{202A}-\u{202E}\u{2066}-\u{2069}\u{FEFF}\u{7}]{0,20}"
    ) {
        prop_assert_eq!(SignerName::parse(&s).is_ok(), check_name(&s).is_none());
    }
}
