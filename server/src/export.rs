//! CSV export of a campaign's signatures, safe to open in a spreadsheet.

use std::io::{self, Write};

use serde_json::Value;

use crate::store::{Campaign, SignatureRecord};

/// Writes a header and one row per signature: the fixed columns (`status` is `signed` or
/// `held`), then one column per campaign field in the order the campaign defines them.
/// Every cell, `status` included, goes through [`neutralise`].
pub fn write_csv(
    out: &mut impl Write,
    campaign: &Campaign,
    rows: &[SignatureRecord],
) -> io::Result<()> {
    let mut header: Vec<String> = [
        "signed_at",
        "status",
        "name",
        "email",
        "public",
        "locale",
        "source_url",
        "consent_text",
        "consent_at",
        "consent_lang",
        "consent_version",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    header.extend(campaign.fields.iter().map(|f| format!("field:{}", f.key)));
    write_row(out, &header)?;
    for r in rows {
        let mut cells = vec![
            r.signed_at.clone(),
            r.status.clone(),
            r.name.clone(),
            r.email.clone(),
            r.public.to_string(),
            r.locale.clone().unwrap_or_default(),
            r.source_url.clone().unwrap_or_default(),
            r.consent_text.clone(),
            r.consent_at.clone(),
            r.consent_lang.clone().unwrap_or_default(),
            r.consent_version.clone().unwrap_or_default(),
        ];
        cells.extend(campaign.fields.iter().map(|f| match r.fields.get(&f.key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Bool(b)) => b.to_string(),
            Some(other) => other.to_string(),
            None => String::new(),
        }));
        write_row(out, &cells)?;
    }
    Ok(())
}

fn write_row(out: &mut impl Write, cells: &[String]) -> io::Result<()> {
    let line: Vec<String> = cells.iter().map(|c| quote(&neutralise(c))).collect();
    out.write_all(line.join(",").as_bytes())?;
    out.write_all(b"\r\n")
}

/// Spreadsheets run cells that start with `= + - @`, tab or CR as formulas; a leading
/// `'` makes them text (OWASP "CSV injection").
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

/// RFC 4180 quoting: always quoted, inner quotes doubled.
fn quote(cell: &str) -> String {
    format!("\"{}\"", cell.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+1"), "'+1");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("@SUM"), "'@SUM");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("Ada"), "Ada");
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
    }
}
