//! Domain types: input is parsed into these once, at the edge, so everything past the
//! handlers can trust its values ("parse, don't validate").

mod campaign;
mod email;
mod fields;
mod idempotency;
mod lifecycle;
mod name;
mod origin;
mod signature;
mod wall;

pub use campaign::{
    CampaignSlug, DEFAULT_CONSENT_TEXT, FieldDefinition, FieldKind, FieldOption, FieldPart,
    FieldParts, FieldRefused, NewCampaign, parse_field_kind,
};
pub use email::SignerEmail;
pub use fields::FieldValues;
pub use idempotency::IdempotencyKey;
pub use lifecycle::{CampaignEdit, CampaignState, EditRefused};
pub use name::SignerName;
pub use origin::{Origin, OriginChange, OriginMode, OriginPolicy, OriginRefused};
pub use signature::{
    Consent, Locale, NewSignature, ShownConsent, SignatureRequest, SourceUrl, consent_version,
};
pub use wall::{PublicNames, WallState, public_text};
