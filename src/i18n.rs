//! Every string the widget shows, one table per language. Adding a language = adding one
//! [`Strings`] table to [`LANGUAGES`]; `{n}` marks where a number or name goes.

/// All UI text of one language.
#[derive(Debug)]
pub struct Strings {
    /// BCP 47 tag, also used for `Intl` formatting and the root's `lang`.
    pub tag: &'static str,
    /// Writing direction for the root's `dir`.
    pub dir: &'static str,
    pub loading: &'static str,
    pub fallback_title: &'static str,
    pub unavailable: &'static str,
    pub misconfigured: &'static str,
    /// Count phrase for plural category `one`.
    pub count_one: &'static str,
    /// Count phrase for every other plural category.
    pub count_other: &'static str,
    pub goal: &'static str,
    pub goal_label: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub required: &'static str,
    pub choose: &'static str,
    pub consent_default: &'static str,
    pub consent_label: &'static str,
    pub privacy: &'static str,
    pub public_name: &'static str,
    pub submit: &'static str,
    pub submitting: &'static str,
    pub open_form: &'static str,
    pub fix_fields: &'static str,
    pub err_required: &'static str,
    pub err_too_long: &'static str,
    pub err_control: &'static str,
    pub err_email: &'static str,
    pub err_option: &'static str,
    pub err_country: &'static str,
    pub err_consent: &'static str,
    pub rate_limited: &'static str,
    pub rate_limited_again: &'static str,
    pub network: &'static str,
    /// Shown while a signature waits in the outbox for the network (it is sent by itself).
    pub offline: &'static str,
    /// Button that drops a signature waiting in the outbox.
    pub cancel: &'static str,
    pub server: &'static str,
    pub rejected: &'static str,
    pub thanks: &'static str,
    pub already: &'static str,
    pub announce: &'static str,
    pub share_heading: &'static str,
    pub share: &'static str,
    pub copy_link: &'static str,
    pub copied: &'static str,
}

/// English, the last resort.
pub static EN: Strings = Strings {
    tag: "en",
    dir: "ltr",
    loading: "Loading the pledge…",
    fallback_title: "Sign the pledge",
    unavailable: "This pledge is not available.",
    misconfigured: "This pledge form could not start.",
    count_one: "{n} has signed",
    count_other: "{n} have signed",
    goal: "of {n}",
    goal_label: "Signatures towards the goal",
    name: "Name",
    email: "Email",
    required: "required",
    choose: "Choose…",
    consent_default: "I agree that my name and email are stored to count my pledge.",
    consent_label: "Consent",
    privacy: "Privacy policy",
    public_name: "Show my name publicly",
    submit: "Sign the pledge",
    submitting: "Signing…",
    open_form: "Sign the pledge",
    fix_fields: "Please check the marked fields.",
    err_required: "this is required",
    err_too_long: "use at most {n} characters",
    err_control: "remove the invisible control characters",
    err_email: "enter an address like name@example.org",
    err_option: "choose one of the options",
    err_country: "choose a country from the list",
    err_consent: "tick the box to agree",
    rate_limited: "Too many sign-ups right now, trying again in {n} s.",
    rate_limited_again: "Too many sign-ups right now. Your details are kept: please try again in a minute.",
    network: "We could not reach the pledge server. Your details are kept: please try again.",
    offline: "Saved — we'll send it when the connection is back.",
    cancel: "Cancel",
    server: "Something went wrong on our side. Your details are kept: please try again.",
    rejected: "The pledge could not be signed: {n}",
    thanks: "Thank you for signing!",
    already: "You had already signed. Thank you for coming back!",
    announce: "Your signature is counted.",
    share_heading: "Ask others to sign",
    share: "Share…",
    copy_link: "Copy link",
    copied: "Link copied.",
};

/// Spanish.
pub static ES: Strings = Strings {
    tag: "es",
    dir: "ltr",
    loading: "Cargando el compromiso…",
    fallback_title: "Firma el compromiso",
    unavailable: "Este compromiso no está disponible.",
    misconfigured: "Este formulario no se pudo iniciar.",
    count_one: "{n} persona ha firmado",
    count_other: "{n} personas han firmado",
    goal: "de {n}",
    goal_label: "Firmas hacia el objetivo",
    name: "Nombre",
    email: "Correo electrónico",
    required: "obligatorio",
    choose: "Elige…",
    consent_default: "Acepto que se guarden mi nombre y mi correo para contar mi firma.",
    consent_label: "Consentimiento",
    privacy: "Política de privacidad",
    public_name: "Mostrar mi nombre públicamente",
    submit: "Firmar el compromiso",
    submitting: "Firmando…",
    open_form: "Firmar el compromiso",
    fix_fields: "Revisa los campos marcados.",
    err_required: "este campo es obligatorio",
    err_too_long: "usa como máximo {n} caracteres",
    err_control: "quita los caracteres de control invisibles",
    err_email: "escribe una dirección como nombre@ejemplo.org",
    err_option: "elige una de las opciones",
    err_country: "elige un país de la lista",
    err_consent: "marca la casilla para aceptar",
    rate_limited: "Demasiadas firmas en este momento, reintentando en {n} s.",
    rate_limited_again: "Demasiadas firmas en este momento. Tus datos se conservan: inténtalo de nuevo en un minuto.",
    network: "No pudimos conectar con el servidor. Tus datos se conservan: inténtalo de nuevo.",
    offline: "Guardada: la enviaremos cuando vuelva la conexión.",
    cancel: "Cancelar",
    server: "Algo falló de nuestro lado. Tus datos se conservan: inténtalo de nuevo.",
    rejected: "No se pudo firmar el compromiso: {n}",
    thanks: "¡Gracias por firmar!",
    already: "Ya habías firmado. ¡Gracias por volver!",
    announce: "Tu firma ha sido contada.",
    share_heading: "Pide a otras personas que firmen",
    share: "Compartir…",
    copy_link: "Copiar enlace",
    copied: "Enlace copiado.",
};

/// Every supported language, English first.
pub static LANGUAGES: [&Strings; 2] = [&EN, &ES];

/// The first supported language among `candidates` (BCP 47 tags, most preferred first),
/// matched on the primary subtag; English when none is supported.
pub fn pick<'a>(candidates: impl IntoIterator<Item = &'a str>) -> &'static Strings {
    candidates
        .into_iter()
        .find_map(|tag| {
            let primary = tag
                .split(['-', '_'])
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            LANGUAGES.iter().copied().find(|s| s.tag == primary)
        })
        .unwrap_or(&EN)
}

/// Puts `value` where the template says `{n}`.
pub fn fill(template: &str, value: &str) -> String {
    template.replace("{n}", value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_first_supported_language() {
        assert_eq!(pick(["fr-FR", "es-MX", "en"]).tag, "es");
        assert_eq!(pick(["EN_gb"]).tag, "en");
        assert_eq!(pick([]).tag, "en");
        assert_eq!(fill(ES.goal, "2.000"), "de 2.000");
    }
}
