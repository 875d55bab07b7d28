//! The emails and the link pages' words, per language (English when the signer's is not
//! here): plain text and HTML (maud escapes every value), the same words in both.

use lettre::Message;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use maud::{DOCTYPE, Markup, html};

/// What an email says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Letter {
    /// Confirm your signature (first email).
    Confirm,
    /// You have not confirmed yet.
    Reminder,
    /// You had already signed (the email signed again).
    AlreadySigned,
}

/// One language's words. `{title}` is the campaign's title.
#[derive(Debug)]
pub struct Words {
    pub lang: &'static str,
    greeting: &'static str,
    confirm_subject: &'static str,
    confirm_body: &'static str,
    reminder_subject: &'static str,
    reminder_body: &'static str,
    confirm_button: &'static str,
    expires: &'static str,
    not_you: &'static str,
    already_subject: &'static str,
    already_body: &'static str,
    remove_intro: &'static str,
    pub remove_button: &'static str,
    pub page_confirm: &'static str,
    pub page_confirmed: &'static str,
    pub page_already_confirmed: &'static str,
    pub page_expired: &'static str,
    pub page_unknown: &'static str,
    pub page_remove: &'static str,
    pub page_removed: &'static str,
    /// Before the link that takes a public name off the list.
    hide_name_intro: &'static str,
    pub hide_name_button: &'static str,
    pub page_hide_name: &'static str,
    pub page_name_hidden: &'static str,
    pub page_name_already_hidden: &'static str,
}

const EN: Words = Words {
    lang: "en",
    greeting: "Hello {name},",
    confirm_subject: "Please confirm your signature: {title}",
    confirm_body: "Thank you for signing “{title}”. Your signature counts once you confirm your email address:",
    reminder_subject: "Reminder: confirm your signature: {title}",
    reminder_body: "You signed “{title}” but have not confirmed your email address yet. Your signature counts once you do:",
    confirm_button: "Confirm my signature",
    expires: "This link works for 7 days.",
    not_you: "If you did not sign, ignore this email; nothing counts without confirmation. To remove your signature:",
    already_subject: "You have already signed: {title}",
    already_body: "Someone, probably you, just signed “{title}” again with this email address. You had already signed: nothing changed, your signature counts once.",
    remove_intro: "To remove your signature:",
    remove_button: "Remove my signature",
    page_confirm: "Confirm your signature on “{title}”.",
    page_confirmed: "Thank you: your signature on “{title}” is confirmed and counts.",
    page_already_confirmed: "Your signature on “{title}” was already confirmed.",
    page_expired: "This confirmation link has expired. Sign again to get a new one.",
    page_unknown: "This link is not valid: it may be mistyped, or the signature was removed.",
    page_remove: "Remove your signature from “{title}”?",
    page_removed: "Your signature has been removed.",
    hide_name_intro: "You chose to show your name on the public list of signers. To take it off (your signature still counts):",
    hide_name_button: "Take my name off the public list",
    page_hide_name: "Take your name off the public list of “{title}”? Your signature still counts.",
    page_name_hidden: "Your name is no longer on the public list. Your signature still counts.",
    page_name_already_hidden: "This link was already used: your name is not on the public list.",
};

const FR: Words = Words {
    lang: "fr",
    greeting: "Bonjour {name},",
    confirm_subject: "Merci de confirmer votre signature : {title}",
    confirm_body: "Merci d’avoir signé « {title} ». Votre signature compte dès que vous confirmez votre adresse e-mail :",
    reminder_subject: "Rappel : confirmez votre signature : {title}",
    reminder_body: "Vous avez signé « {title} » sans encore confirmer votre adresse e-mail. Votre signature comptera dès que vous l’aurez fait :",
    confirm_button: "Confirmer ma signature",
    expires: "Ce lien est valable 7 jours.",
    not_you: "Si vous n’avez pas signé, ignorez cet e-mail : rien ne compte sans confirmation. Pour retirer votre signature :",
    already_subject: "Vous avez déjà signé : {title}",
    already_body: "Quelqu’un, sans doute vous, vient de signer « {title} » à nouveau avec cette adresse. Vous aviez déjà signé : rien n’a changé, votre signature compte une fois.",
    remove_intro: "Pour retirer votre signature :",
    remove_button: "Retirer ma signature",
    page_confirm: "Confirmez votre signature pour « {title} ».",
    page_confirmed: "Merci : votre signature pour « {title} » est confirmée et compte.",
    page_already_confirmed: "Votre signature pour « {title} » était déjà confirmée.",
    page_expired: "Ce lien de confirmation a expiré. Signez à nouveau pour en recevoir un autre.",
    page_unknown: "Ce lien n’est pas valide : il est peut-être mal recopié, ou la signature a été retirée.",
    page_remove: "Retirer votre signature de « {title} » ?",
    page_removed: "Votre signature a été retirée.",
    hide_name_intro: "Vous avez choisi d’afficher votre nom dans la liste publique des signataires. Pour l’en retirer (votre signature compte toujours) :",
    hide_name_button: "Retirer mon nom de la liste publique",
    page_hide_name: "Retirer votre nom de la liste publique de « {title} » ? Votre signature compte toujours.",
    page_name_hidden: "Votre nom n’est plus dans la liste publique. Votre signature compte toujours.",
    page_name_already_hidden: "Ce lien a déjà servi : votre nom n’est pas dans la liste publique.",
};

const DE: Words = Words {
    lang: "de",
    greeting: "Hallo {name},",
    confirm_subject: "Bitte bestätigen Sie Ihre Unterschrift: {title}",
    confirm_body: "Danke, dass Sie „{title}“ unterschrieben haben. Ihre Unterschrift zählt, sobald Sie Ihre E-Mail-Adresse bestätigen:",
    reminder_subject: "Erinnerung: Bitte bestätigen Sie Ihre Unterschrift: {title}",
    reminder_body: "Sie haben „{title}“ unterschrieben, Ihre E-Mail-Adresse aber noch nicht bestätigt. Ihre Unterschrift zählt, sobald Sie es tun:",
    confirm_button: "Unterschrift bestätigen",
    expires: "Dieser Link gilt 7 Tage.",
    not_you: "Wenn Sie nicht unterschrieben haben, ignorieren Sie diese E-Mail; ohne Bestätigung zählt nichts. Um Ihre Unterschrift zu entfernen:",
    already_subject: "Sie haben bereits unterschrieben: {title}",
    already_body: "Jemand, wahrscheinlich Sie, hat „{title}“ gerade erneut mit dieser Adresse unterschrieben. Sie hatten bereits unterschrieben: Nichts hat sich geändert, Ihre Unterschrift zählt einmal.",
    remove_intro: "Um Ihre Unterschrift zu entfernen:",
    remove_button: "Unterschrift entfernen",
    page_confirm: "Bestätigen Sie Ihre Unterschrift für „{title}“.",
    page_confirmed: "Danke: Ihre Unterschrift für „{title}“ ist bestätigt und zählt.",
    page_already_confirmed: "Ihre Unterschrift für „{title}“ war bereits bestätigt.",
    page_expired: "Dieser Bestätigungslink ist abgelaufen. Unterschreiben Sie erneut, um einen neuen zu erhalten.",
    page_unknown: "Dieser Link ist ungültig: Vielleicht falsch kopiert, oder die Unterschrift wurde entfernt.",
    page_remove: "Ihre Unterschrift von „{title}“ entfernen?",
    page_removed: "Ihre Unterschrift wurde entfernt.",
    hide_name_intro: "Sie haben gewählt, Ihren Namen in der öffentlichen Liste der Unterzeichnenden zu zeigen. Um ihn zu entfernen (Ihre Unterschrift zählt weiter):",
    hide_name_button: "Meinen Namen aus der öffentlichen Liste nehmen",
    page_hide_name: "Ihren Namen aus der öffentlichen Liste von „{title}“ nehmen? Ihre Unterschrift zählt weiter.",
    page_name_hidden: "Ihr Name steht nicht mehr in der öffentlichen Liste. Ihre Unterschrift zählt weiter.",
    page_name_already_hidden: "Dieser Link wurde bereits benutzt: Ihr Name steht nicht in der öffentlichen Liste.",
};

const ES: Words = Words {
    lang: "es",
    greeting: "Hola {name}:",
    confirm_subject: "Confirma tu firma: {title}",
    confirm_body: "Gracias por firmar «{title}». Tu firma cuenta en cuanto confirmes tu dirección de correo:",
    reminder_subject: "Recordatorio: confirma tu firma: {title}",
    reminder_body: "Firmaste «{title}» pero aún no has confirmado tu dirección de correo. Tu firma contará en cuanto lo hagas:",
    confirm_button: "Confirmar mi firma",
    expires: "Este enlace es válido durante 7 días.",
    not_you: "Si no has firmado, ignora este correo: nada cuenta sin confirmación. Para retirar tu firma:",
    already_subject: "Ya habías firmado: {title}",
    already_body: "Alguien, probablemente tú, acaba de firmar «{title}» de nuevo con esta dirección. Ya habías firmado: nada ha cambiado, tu firma cuenta una vez.",
    remove_intro: "Para retirar tu firma:",
    remove_button: "Retirar mi firma",
    page_confirm: "Confirma tu firma en «{title}».",
    page_confirmed: "Gracias: tu firma en «{title}» está confirmada y cuenta.",
    page_already_confirmed: "Tu firma en «{title}» ya estaba confirmada.",
    page_expired: "Este enlace de confirmación ha caducado. Firma de nuevo para recibir otro.",
    page_unknown: "Este enlace no es válido: quizá esté mal copiado, o la firma fue retirada.",
    page_remove: "¿Retirar tu firma de «{title}»?",
    page_removed: "Tu firma ha sido retirada.",
    hide_name_intro: "Elegiste mostrar tu nombre en la lista pública de firmantes. Para quitarlo (tu firma sigue contando):",
    hide_name_button: "Quitar mi nombre de la lista pública",
    page_hide_name: "¿Quitar tu nombre de la lista pública de «{title}»? Tu firma sigue contando.",
    page_name_hidden: "Tu nombre ya no está en la lista pública. Tu firma sigue contando.",
    page_name_already_hidden: "Este enlace ya se usó: tu nombre no está en la lista pública.",
};

impl Words {
    /// The confirm page's button: the email's link text.
    pub fn confirm_button_label(&self) -> &'static str {
        self.confirm_button
    }
}

/// The words for a locale such as `fr-CA` (its primary language), English otherwise.
pub fn words_for(locale: Option<&str>) -> &'static Words {
    let primary = locale
        .and_then(|l| l.split(['-', '_']).next())
        .map(str::to_ascii_lowercase);
    match primary.as_deref() {
        Some("fr") => &FR,
        Some("de") => &DE,
        Some("es") => &ES,
        _ => &EN,
    }
}

/// `template` with `{title}` (and `{name}`) filled in.
pub fn fill(template: &str, title: &str, name: &str) -> String {
    template.replace("{title}", title).replace("{name}", name)
}

/// An email to write.
#[derive(Debug)]
pub struct Draft<'a> {
    pub letter: Letter,
    pub words: &'static Words,
    pub name: &'a str,
    pub campaign_title: &'a str,
    /// `None` for [`Letter::AlreadySigned`].
    pub confirm_url: Option<&'a str>,
    pub remove_url: &'a str,
    /// The "take my name off the public list" link, for a signer who chose to show it.
    pub hide_name_url: Option<&'a str>,
}

impl Draft<'_> {
    fn subject(&self) -> String {
        let w = self.words;
        let template = match self.letter {
            Letter::Confirm => w.confirm_subject,
            Letter::Reminder => w.reminder_subject,
            Letter::AlreadySigned => w.already_subject,
        };
        // A title is one line; a header must be.
        fill(template, self.campaign_title, "").replace(['\r', '\n'], " ")
    }

    /// Paragraphs, then the link to confirm (if any), the note, and the link to remove.
    fn parts(&self) -> (String, String, Option<&str>, &'static str) {
        let w = self.words;
        let greeting = fill(w.greeting, "", self.name);
        let (body, note) = match self.letter {
            Letter::Confirm => (w.confirm_body, w.not_you),
            Letter::Reminder => (w.reminder_body, w.not_you),
            Letter::AlreadySigned => (w.already_body, w.remove_intro),
        };
        (
            greeting,
            fill(body, self.campaign_title, self.name),
            self.confirm_url,
            note,
        )
    }

    fn text(&self) -> String {
        let (greeting, body, confirm, note) = self.parts();
        let mut out = format!("{greeting}\n\n{body}\n\n");
        if let Some(url) = confirm {
            out.push_str(&format!("{url}\n\n{}\n\n", self.words.expires));
        }
        out.push_str(&format!("{note}\n\n{}\n", self.remove_url));
        if let Some(url) = self.hide_name_url {
            out.push_str(&format!("\n{}\n\n{url}\n", self.words.hide_name_intro));
        }
        out
    }

    fn html(&self) -> Markup {
        let (greeting, body, confirm, note) = self.parts();
        let w = self.words;
        html! {
            (DOCTYPE)
            html lang=(w.lang) {
                head { meta charset="utf-8"; title { (self.subject()) } }
                body {
                    p { (greeting) }
                    p { (body) }
                    @if let Some(url) = confirm {
                        p { a href=(url) { (w.confirm_button) } }
                        p { (w.expires) }
                    }
                    p { (note) }
                    p { a href=(self.remove_url) { (w.remove_button) } }
                    @if let Some(url) = self.hide_name_url {
                        p { (w.hide_name_intro) }
                        p { a href=(url) { (w.hide_name_button) } }
                    }
                }
            }
        }
    }

    /// The message, plain text and HTML (base64 parts: any script, any line length).
    pub fn message(&self, from: &Mailbox, to: &str) -> Result<Message, String> {
        let address = to
            .parse()
            .map_err(|e| format!("the signature's email cannot be written to: {e}"))?;
        let name = self.name.replace(['\r', '\n'], " ");
        let part = |kind: ContentType, body: String| {
            SinglePart::builder()
                .header(kind)
                .header(ContentTransferEncoding::Base64)
                .body(body)
        };
        Message::builder()
            .from(from.clone())
            .to(Mailbox::new(Some(name), address))
            .subject(self.subject())
            .multipart(
                MultiPart::alternative()
                    .singlepart(part(ContentType::TEXT_PLAIN, self.text()))
                    .singlepart(part(ContentType::TEXT_HTML, self.html().into_string())),
            )
            .map_err(|e| format!("writing the email: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_html_part_escapes_names_and_titles() {
        let draft = Draft {
            letter: Letter::Confirm,
            words: words_for(Some("fr-CA")),
            name: "<b>Ada</b>",
            campaign_title: "Save & <script>",
            confirm_url: Some("https://p.example/email/confirm/abc"),
            remove_url: "https://p.example/email/remove/def",
            hide_name_url: Some("https://p.example/email/hide-name/ghi"),
        };
        let html = draft.html().into_string();
        assert!(html.contains("&lt;b&gt;Ada&lt;/b&gt;"), "{html}");
        assert!(html.contains("Save &amp; &lt;script&gt;"), "{html}");
        assert!(!html.contains("<script>"));
        assert!(draft.text().contains("Bonjour <b>Ada</b>,"));
        assert!(draft.subject().starts_with("Merci de confirmer"));
        assert!(
            html.contains("Retirer mon nom de la liste publique"),
            "{html}"
        );
        assert!(draft.text().contains("/email/hide-name/ghi"));
    }

    #[test]
    fn unknown_languages_fall_back_to_english() {
        assert_eq!(words_for(Some("pt-BR")).lang, "en");
        assert_eq!(words_for(None).lang, "en");
        assert_eq!(words_for(Some("DE")).lang, "de");
    }
}
