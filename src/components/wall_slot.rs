//! Where the ticker and the wall go in the form's views: an empty placeholder that the wall's
//! lazy chunk (`lazy::wall_part`) fills once it is fetched, after the form already accepts
//! typing. Campaigns without a wall (`wall` absent from the campaign document) never fetch it.

use std::sync::Arc;

use leptos::{prelude::*, task::spawn_local};

use super::Ctx;
use crate::browser::{dom::El, lazy};
use crate::campaign::Campaign;

/// Which part of the wall a placeholder holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WallPart {
    /// The ticker under the count ([`super::ticker`]).
    Ticker,
    /// The list of names (`layout="wall"`, [`super::wall`]).
    List,
}

/// A placeholder for `part` of `campaign`'s wall; `count` is the live count (for the ticker).
/// Stays empty when the campaign has no wall or the chunk cannot be fetched.
pub fn wall_slot(
    ctx: &Ctx,
    campaign: &Arc<Campaign>,
    count: RwSignal<Option<u64>>,
    part: WallPart,
) -> El {
    let slot = El::new("div").attr("class", "wall-slot");
    if campaign.wall {
        let (ctx, campaign, el) = (ctx.clone(), campaign.clone(), slot.clone());
        let owner = Owner::current();
        spawn_local(async move {
            let (Some(owner), Ok(())) = (owner, lazy::preload_wall().await) else {
                return;
            };
            // The view was replaced while the chunk loaded: its owner is gone.
            if !el.0.is_connected() {
                return;
            }
            // The chunk is in, so the call finishes at once: under the view's owner, whose
            // disposal stops the part's effects, listeners and timers with the view.
            let built = owner.with(|| lazy::ready_now(lazy::wall_part(ctx, campaign, count, part)));
            if let Some(Ok(view)) = built {
                let _ = el.0.append_child(view.node());
            }
        });
    }
    slot
}
