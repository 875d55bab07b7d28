//! What keeps a running server in step with a campaign's life: [`follow`] re-reads a
//! campaign when any process changed it (SQLite's `campaign_changes`; PostgreSQL's
//! `pledge_campaigns` is heard by `crate::live::follow_other_instances`); [`retention`]
//! deletes signers' personal data once a closed campaign's retention has run out.

pub mod follow;
pub mod retention;
