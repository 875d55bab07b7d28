//! The browser's side of [`crate::document`]: JSON already parsed by `Response.json()` (or
//! `JSON.parse` of an SSE message), read through `Reflect`.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::document::Json;
pub use crate::document::{campaign, count, reply, translate};

impl Json for JsValue {
    fn member(&self, key: &str) -> Self {
        Reflect::get(self, &key.into()).unwrap_or_default()
    }
    fn text(&self) -> Option<String> {
        self.as_string()
    }
    fn number(&self) -> Option<f64> {
        self.as_f64()
    }
    fn boolean(&self) -> Option<bool> {
        self.as_bool()
    }
    fn is_object(&self) -> bool {
        self.is_object()
    }
    fn items(&self) -> Vec<Self> {
        if Array::is_array(self) {
            Array::from(self).iter().collect()
        } else {
            Vec::new()
        }
    }
    fn text_entries(&self) -> Vec<(String, String)> {
        Object::entries(&Object::from(self.clone()))
            .iter()
            .filter_map(|e| {
                let e = Array::from(&e);
                Some((e.get(0).as_string()?, e.get(1).as_string()?))
            })
            .collect()
    }
}
