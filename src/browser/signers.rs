//! The public signer wall over the network: pages of `GET …/signers` (docs/api.md) and the
//! wall events of the campaign's stream (`signer`, `signer_removed`, `signers_reset`), which
//! the live feed ([`super::live`]) hands to [`dispatch`] and the walls and tickers of that
//! campaign hear through [`listen`].

use std::{cell::RefCell, rc::Rc};

use wasm_bindgen::JsValue;

use super::api::{FetchError, from_js, get};
use crate::document::{SignerDoc, SignerRemovedDoc, SignersPageDoc};
use crate::wall::{self, Page, Signer};

/// A change on a campaign's wall.
pub enum WallEvent {
    /// An entry appeared or changed: place it by the wall's order.
    Signer(Signer),
    /// The entry with this id left the wall.
    Removed(String),
    /// The wall changed as a whole: fetch it again from the first page.
    Reset,
}

/// Hears the wall events of one campaign.
pub type WallListener = Rc<dyn Fn(&WallEvent)>;

/// Listeners by id and campaign URL, and the last id given out.
type Listeners = (u32, Vec<(u32, String, WallListener)>);

thread_local! {
    static LISTENERS: RefCell<Listeners> = const { RefCell::new((0, Vec::new())) };
}

/// Hears the wall events of the campaign at `base`; returns the id for [`unlisten`].
pub fn listen(base: &str, listener: WallListener) -> u32 {
    LISTENERS.with(|l| {
        let mut l = l.borrow_mut();
        l.0 += 1;
        let id = l.0;
        l.1.push((id, base.to_owned(), listener));
        id
    })
}

/// Stops `id` hearing wall events.
pub fn unlisten(id: u32) {
    LISTENERS.with(|l| l.borrow_mut().1.retain(|(i, _, _)| *i != id));
}

/// Hands a stream event (`kind`, its parsed `data`) of the campaign at `base` to its
/// listeners; an event that is not a wall event, or an entry without id or name, is ignored.
pub fn dispatch(base: &str, kind: &str, data: &JsValue) {
    let event = match kind {
        "signer" => match from_js::<SignerDoc>(data.clone()).and_then(|d| wall::signer(&d)) {
            Some(s) => WallEvent::Signer(s),
            None => return,
        },
        "signer_removed" => match from_js::<SignerRemovedDoc>(data.clone())
            .and_then(|d| d.id)
            .filter(|id| !id.is_empty())
        {
            Some(id) => WallEvent::Removed(id),
            None => return,
        },
        "signers_reset" => WallEvent::Reset,
        _ => return,
    };
    let listeners: Vec<WallListener> = LISTENERS.with(|l| {
        l.borrow()
            .1
            .iter()
            .filter(|(_, b, _)| b == base)
            .map(|(_, _, f)| f.clone())
            .collect()
    });
    for f in listeners {
        f(&event);
    }
}

/// One page of the wall of the campaign at `base`: `limit` entries from `cursor` (the first
/// page when `None`), matching `q` when it is not blank. `Err` when the endpoint has no wall
/// (`404 wall_off`, or no such route) or did not answer with a page.
pub async fn page(
    base: &str,
    limit: u32,
    cursor: Option<&str>,
    q: &str,
) -> Result<Page, FetchError> {
    let enc = |v: &str| String::from(js_sys::encode_uri_component(v));
    let mut url = format!("{base}/signers?limit={limit}");
    if let Some(c) = cursor {
        url.push_str(&format!("&cursor={}", enc(c)));
    }
    let q = q.trim();
    if !q.is_empty() {
        url.push_str(&format!("&q={}", enc(q)));
    }
    let doc: SignersPageDoc = get(&url).await?;
    wall::page(&doc).ok_or(FetchError::Status(200, None))
}
