//! The rules of docs/api.md for what a signer sends: name, email, a campaign field's answer,
//! locale and the page's address. Each check takes the value as typed and says what is wrong
//! with it ([`Problem`]), if anything; wording it (in which language, naming which field) is
//! the caller's business. Limits count characters, not bytes, so a name in Greek or Japanese
//! gets the same room as one in Latin script.

/// Most characters in a name.
pub const NAME_MAX_CHARS: usize = 200;
/// Most characters in an email address.
pub const EMAIL_MAX_CHARS: usize = 254;
/// Most characters before an email's `@` (RFC 5321).
pub const EMAIL_MAX_LOCAL_CHARS: usize = 64;
/// Most characters in a text field's answer when the field sets no `max_length`.
pub const TEXT_MAX_CHARS: usize = 200;
/// Most characters in `source_url`.
pub const SOURCE_URL_MAX_CHARS: usize = 2000;
/// Most characters in `locale`.
pub const LOCALE_MAX_CHARS: usize = 35;

/// Why a value is not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Empty but needed.
    Required,
    /// More characters than the number allows.
    TooLong(usize),
    /// Line breaks or other control characters.
    Control,
    /// Zero-width or direction-changing characters ([`is_invisible`]).
    Invisible,
    /// Not an email address of the documented shape.
    Email,
    /// Not one of a select field's options.
    NotAnOption,
    /// Not a two-letter country code.
    Country,
    /// Not a language tag such as `en` or `es-MX`.
    Locale,
    /// Not an `http` or `https` address.
    Url,
    /// The consent box is not ticked: a signature needs it.
    Consent,
}

/// Zero-width space and no-break space (U+200B, U+FEFF), direction marks (U+200E, U+200F)
/// and bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069):
/// invisible on their own, they make a name read differently from what it is in review,
/// exports and public lists. The zero-width non-joiner and joiner (U+200C, U+200D) stay:
/// Persian and Indic names are spelled with them (and emoji sequences joined by them), and
/// they change how letters join, never the order in which they read.
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Characters, not bytes.
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Line breaks and other control characters.
pub fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// A name: trimmed, 1–200 characters, no control or invisible characters.
pub fn check_name(v: &str) -> Result<&str, Problem> {
    let v = v.trim();
    if v.is_empty() {
        Err(Problem::Required)
    } else if char_len(v) > NAME_MAX_CHARS {
        Err(Problem::TooLong(NAME_MAX_CHARS))
    } else if has_control(v) {
        Err(Problem::Control)
    } else if v.chars().any(is_invisible) {
        Err(Problem::Invisible)
    } else {
        Ok(v)
    }
}

/// An email: trimmed, at most 254 characters, and a WHATWG "valid email address" (what
/// browsers accept for `<input type=email>`: `1*( atext / "." ) "@" label *( "." label )`, a
/// label being 1–63 letters, digits and hyphens that neither starts nor ends with a hyphen)
/// with at most 64 characters before the `@` and a dot after it. ASCII only, like browsers.
pub fn check_email(v: &str) -> Result<&str, Problem> {
    let v = v.trim();
    if v.is_empty() {
        return Err(Problem::Required);
    }
    if char_len(v) > EMAIL_MAX_CHARS {
        return Err(Problem::TooLong(EMAIL_MAX_CHARS));
    }
    let Some((local, domain)) = v.split_once('@') else {
        return Err(Problem::Email);
    };
    let atext = |b: u8| b.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&b);
    let label = |l: &str| {
        (1..=63).contains(&l.len())
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let ok = (1..=EMAIL_MAX_LOCAL_CHARS).contains(&local.len())
        && local.bytes().all(atext)
        && domain.contains('.')
        && domain.split('.').all(label);
    if ok { Ok(v) } else { Err(Problem::Email) }
}

/// A text field's answer (already trimmed and not empty): at most `max` characters, no
/// control characters.
pub fn check_text(v: &str, max: usize) -> Result<&str, Problem> {
    if char_len(v) > max {
        Err(Problem::TooLong(max))
    } else if has_control(v) {
        Err(Problem::Control)
    } else {
        Ok(v)
    }
}

/// A select field's answer: one of the options' values, exactly.
pub fn check_option<'a, 'o>(
    v: &'a str,
    mut values: impl Iterator<Item = &'o str>,
) -> Result<&'a str, Problem> {
    if values.any(|o| o == v) {
        Ok(v)
    } else {
        Err(Problem::NotAnOption)
    }
}

/// A country field's answer: two ASCII letters, either case (the server stores them
/// uppercase).
pub fn check_country(v: &str) -> Result<&str, Problem> {
    if v.len() == 2 && v.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(v)
    } else {
        Err(Problem::Country)
    }
}

/// A `locale`: trimmed, a BCP 47-shaped tag of at most 35 characters: a primary subtag of
/// 2–8 letters, then subtags of 1–8 letters or digits.
pub fn check_locale(v: &str) -> Result<&str, Problem> {
    let v = v.trim();
    let mut subtags = v.split('-');
    let first_ok = subtags
        .next()
        .is_some_and(|s| (2..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic()));
    let rest_ok =
        subtags.all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()));
    if v.len() <= LOCALE_MAX_CHARS && first_ok && rest_ok {
        Ok(v)
    } else {
        Err(Problem::Locale)
    }
}

/// A `source_url`: trimmed, `http://` or `https://` (either case) with a host, at most 2000
/// characters, no whitespace or control characters.
pub fn check_source_url(v: &str) -> Result<&str, Problem> {
    let v = v.trim();
    let scheme_len = [("https://", 8), ("http://", 7)]
        .into_iter()
        .find(|(scheme, n)| v.get(..*n).is_some_and(|s| s.eq_ignore_ascii_case(scheme)))
        .map(|(_, n)| n);
    let Some(n) = scheme_len else {
        return Err(Problem::Url);
    };
    let host = v[n..].split(['/', '?', '#']).next().unwrap_or("");
    if char_len(v) > SOURCE_URL_MAX_CHARS
        || host.is_empty()
        || v.chars().any(char::is_whitespace)
        || has_control(v)
    {
        return Err(Problem::Url);
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn names() {
        assert_eq!(check_name("  Zoë Ångström "), Ok("Zoë Ångström"));
        assert_eq!(check_name("أحمد"), Ok("أحمد"));
        assert_eq!(
            check_name("نیلوفر می\u{200C}رود"),
            Ok("نیلوفر می\u{200C}رود")
        );
        assert_eq!(check_name("   "), Err(Problem::Required));
        assert_eq!(check_name(&"é".repeat(201)), Err(Problem::TooLong(200)));
        assert!(check_name(&"é".repeat(200)).is_ok());
        assert_eq!(check_name("Ada\nLovelace"), Err(Problem::Control));
        for c in [
            '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{200B}', '\u{200F}', '\u{FEFF}',
        ] {
            assert_eq!(
                check_name(&format!("Ada{c}Lovelace")),
                Err(Problem::Invisible),
                "{c:?}"
            );
        }
    }

    #[test]
    fn emails() {
        for good in [
            " Ada@Example.ORG ",
            "a.b+tag@example.org",
            "o'brien@example.ie",
            "x!#$%&'*+/=?^_`{|}~-@sub-domain.example.co.uk",
            ".ada.@example.org",
        ] {
            assert_eq!(check_email(good), Ok(good.trim()), "{good:?}");
        }
        for bad in [
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "ada@@example.org",
            "a@b@example.org",
            "ada lovelace@example.org",
            "ada@example..org",
            "ada@.org",
            "ada@example.org.",
            "<script>alert(1)</script>@x.org",
            "ada@exa_mple.org",
            "ada@-example.org",
            "ada@example-.org",
            "\"ada\"@example.org",
            "ada@[127.0.0.1]",
            "adä@example.org",
            "ada@bücher.de",
            "ada\u{200B}@example.org",
        ] {
            assert_eq!(check_email(bad), Err(Problem::Email), "{bad:?}");
        }
        assert_eq!(check_email("  "), Err(Problem::Required));
        assert_eq!(
            check_email(&format!("{}@example.org", "a".repeat(250))),
            Err(Problem::TooLong(254))
        );
        assert_eq!(
            check_email(&format!("{}@example.org", "a".repeat(65))),
            Err(Problem::Email)
        );
    }

    #[test]
    fn field_answers() {
        assert_eq!(check_text("Tour crew", 9), Ok("Tour crew"));
        assert_eq!(check_text("Tour crews", 9), Err(Problem::TooLong(9)));
        assert_eq!(check_text("a\tb", 9), Err(Problem::Control));
        assert_eq!(
            check_option("fan", ["artist", "fan"].into_iter()),
            Ok("fan")
        );
        assert_eq!(
            check_option("Fan", ["artist", "fan"].into_iter()),
            Err(Problem::NotAnOption)
        );
        assert_eq!(check_country("es"), Ok("es"));
        for bad in ["ESP", "E", "E1", "É"] {
            assert_eq!(check_country(bad), Err(Problem::Country), "{bad}");
        }
    }

    #[test]
    fn locales_and_addresses() {
        for good in ["en", "es-MX", "zh-Hant-TW", "sr-Latn"] {
            assert_eq!(check_locale(good), Ok(good));
        }
        for bad in [
            "",
            "e",
            "en_GB",
            "1en",
            "en--GB",
            "toolongprimary",
            &"en-AAAAAAAA".repeat(4),
        ] {
            assert_eq!(check_locale(bad), Err(Problem::Locale), "{bad}");
        }
        for good in [
            "https://artist.example/tour?x=1",
            "HTTP://venue.example",
            "http://h",
        ] {
            assert_eq!(check_source_url(good), Ok(good));
        }
        for bad in [
            "ftp://x.example",
            "https://",
            "https:///path",
            "https://a b.example",
            "javascript:alert(1)",
            "https://x.example/a\nb",
            "https://x.example/\u{7}",
        ] {
            assert_eq!(check_source_url(bad), Err(Problem::Url), "{bad:?}");
        }
        assert_eq!(
            check_source_url(&format!("https://x.example/{}", "a".repeat(2000))),
            Err(Problem::Url)
        );
    }
}
