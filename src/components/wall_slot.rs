//! Where the ticker and the wall go in the form's views: an empty placeholder that the wall's
//! lazy chunk (`lazy::wall_part`) fills once it is fetched, after the form already accepts
//! typing. Campaigns without a wall (`wall` absent from the campaign document) never fetch it.

use std::sync::Arc;

use leptos::{prelude::*, task::spawn_local};

use super::Ctx;
use crate::browser::lazy;
use crate::campaign::Campaign;

/// Which part of the wall a placeholder holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WallPart {
    /// The ticker under the count ([`super::ticker`]).
    Ticker,
    /// The list of names (`layout="wall"`, [`super::wall`]).
    List,
}

/// `div.wall-slot`, filled with `part` once the wall's chunk is in; stays empty when the
/// campaign has no wall or the chunk cannot be fetched.
#[component]
pub fn WallSlot(
    /// The widget's context.
    ctx: Ctx,
    /// The campaign whose wall it shows (`campaign.wall`: it has one).
    campaign: Arc<Campaign>,
    /// The live count (for the ticker's "and N others").
    count: RwSignal<Option<u64>>,
    /// Which part of the wall goes here.
    part: WallPart,
) -> impl IntoView {
    let loaded = RwSignal::new(false);
    if campaign.wall {
        spawn_local(async move {
            if lazy::preload_wall().await.is_ok() {
                // Disposed when the view was replaced while the chunk loaded: nothing to fill.
                let _ = loaded.try_set(true);
            }
        });
    }
    // The chunk is in, so the call finishes at once, under this view's owner: its disposal
    // stops the part's effects, listeners and timers with the view.
    let filled = move || {
        loaded.get().then(|| {
            lazy::ready_now(lazy::wall_part(ctx.clone(), campaign.clone(), count, part))
                .and_then(Result::ok)
        })
    };
    view! { <div class="wall-slot">{filled}</div> }
}
