//! `pledge-server`: the reference endpoint of the pledge widget.
//!
//! # Layout
//!
//! - [`domain`]: newtypes that parse a signature once at the edge (`SignerName`,
//!   `SignerEmail`, campaign `FieldValues`, `Consent`, ...). Nothing else validates input.
//! - [`store`]: the only place with SQL. The `Store` trait, implemented by `SqliteStore`
//!   (the default: WAL + `synchronous=FULL`, one server per file) and `PostgresStore`
//!   (several instances on one database; count changes announced by NOTIFY), each with its
//!   own `migrations/` folder; `SignatureStore` is the one a URL selects. Count and
//!   signature change in one transaction; no `sqlx::Error` leaves (`StoreError`). Also
//!   `OpenMode` (who may create or migrate), `DatabaseLock` and the SQLite file's upkeep
//!   (backup, restore, integrity, migration state).
//! - [`live`]: `LiveCampaigns`, an in-memory cache of campaigns with one `watch` channel
//!   per campaign for the live count (count endpoint and SSE read it, never the DB); on
//!   PostgreSQL it also hears other instances' counts (`follow_other_instances`).
//! - [`wire`]: what the API sends (`CampaignInfo`), apart from the store's rows.
//! - [`routes`]: `app(state) -> Router`; thin handlers for the API (`campaigns`,
//!   `signatures`) and the embedded assets (`assets`).
//! - [`cors`]: per-campaign CORS allow-lists, as middleware on the campaign routes; it asks
//!   for the campaign through the same extractor the handlers use (`CampaignFromPath`).
//! - [`extract`] and [`error`]: extractors that fail with `ApiError`, the one error type
//!   with the stable JSON codes of `docs/api.md`.
//! - [`abuse`]: the anti-abuse controls, in one folder: `AbuseControls` (the settings and
//!   state handlers consult), [`client_addr`](abuse::client_addr) (who is asking, behind
//!   trusted proxies; the `ClientAddr` extractor), `rate_limit` (per client network and per
//!   campaign, behind `429 rate_limited`), `streams` (SSE caps), [`proof`](abuse::proof)
//!   (signed proof-of-work challenges) and [`secret`](abuse::secret) (the HMAC key, never
//!   printed).
//! - [`state`]: `AppState`, what every handler shares (built by `startup`, read by `routes`).
//! - [`startup`]: `Application`, which binds first (so it knows its port) and serves
//!   until a shutdown future resolves.
//! - [`transport`]: the accept loop (hyper-util) with the connection-level limits
//!   (`Limits`), and TLS with reloadable certificates.
//! - [`metrics`]: request, signature, stream and connection metrics in Prometheus text,
//!   served with `/healthz` and `/readyz` by `routes::ops`.
//! - [`delivery`]: the outbox worker that sends signature events to webhooks and OSDI
//!   petitions (Action Network), and its `webhook`, `osdi` and `delivery` commands.
//! - [`email`]: confirmation emails (double opt-in): the SMTP outbox worker and the
//!   confirm and remove pages.
//! - [`supporter`]: `supporter erase`, a supporter's erasure (forwarded as
//!   `signature.withdrawn`).
//! - [`wall`]: `LiveWalls`, the public signer walls in memory (pages of
//!   `GET …/signers` and the `signer` stream events), kept current by `wall::follow`;
//!   what may be public is `domain::wall` and `wall::entry`, the organiser's commands
//!   [`wall_cli`], the queries `store::wall`.
//! - [`console`]: the organiser console at `/admin` (server-rendered pages, accounts,
//!   sessions, moderation, numbers) and its `user` command; its queries `store::console`.
//! - [`cli`]: the `serve`, `campaign`, `demo` commands and the operator's `check`,
//!   `backup`, `restore`, `migrate`; [`export`] writes the CSV; [`demo`] holds the demo
//!   campaign's words.

pub mod abuse;
pub mod cli;
pub mod console;
pub(crate) mod cors;
pub mod delivery;
pub mod demo;
pub mod domain;
pub mod email;
pub mod error;
pub mod export;
pub(crate) mod extract;
pub mod lifecycle;
pub(crate) mod live;
pub mod metrics;
pub mod routes;
pub mod startup;
pub mod state;
pub mod store;
pub mod supporter;
pub mod transport;
pub mod wall;
pub mod wall_cli;
pub mod wire;

pub use routes::app;
pub use startup::{Application, Settings};
pub use state::AppState;
