//! Canned JSON: a realistic contact (about 2 KB, every field of the spec's `contact` schema) and
//! cursor pages of them. Rendering is a handful of `memcpy`s so the server stays cheap.

/// The placeholder replaced by a contact's id.
const ID: &str = "{ID}";

/// One contact as Intercom returns it from `GET /contacts/{id}`, with `{ID}` placeholders.
const CONTACT_TEMPLATE: &str = r#"{"type":"contact","id":"{ID}","workspace_id":"ecahpwf5","external_id":"ext-{ID}","role":"user","email":"jane.doe.{ID}@example.com","email_domain":"example.com","phone":"+353871234567","name":"Jane Doe","avatar":{"type":"avatar","image_url":"https://static.intercomassets.com/avatars/7201231/square_128/jane-1697042000.png"},"owner_id":"991267467","social_profiles":{"type":"list","data":[{"type":"social_profile","name":"Twitter","url":"https://twitter.com/janedoe"},{"type":"social_profile","name":"LinkedIn","url":"https://www.linkedin.com/in/janedoe"}]},"has_hard_bounced":false,"marked_email_as_spam":false,"unsubscribed_from_emails":false,"created_at":1697040000,"updated_at":1716465600,"signed_up_at":1697040000,"last_seen_at":1716465000,"last_replied_at":1716300000,"last_contacted_at":1716200000,"last_email_opened_at":1716100000,"last_email_clicked_at":1716000000,"language_override":"en","browser":"chrome","browser_version":"124.0.6367.207","browser_language":"en-GB","os":"Mac OS X","location":{"type":"location","country":"Ireland","region":"Dublin","city":"Dublin"},"android_app_name":null,"android_app_version":null,"android_device":null,"android_os_version":null,"android_sdk_version":null,"android_last_seen_at":null,"ios_app_name":"Acme","ios_app_version":"5.2.1","ios_device":"iPhone15,3","ios_os_version":"17.4.1","ios_sdk_version":"17.2.0","ios_last_seen_at":1716400000,"custom_attributes":{"plan":"enterprise","seats":42,"mrr":1299.5,"beta_tester":true,"account_manager":"Sam Lee","signup_source":"partner-referral"},"enabled_push_messaging":true,"tags":{"type":"list","data":[{"type":"tag","id":"8417811","url":"/tags/8417811"},{"type":"tag","id":"8417812","url":"/tags/8417812"},{"type":"tag","id":"8417813","url":"/tags/8417813"}],"url":"/contacts/{ID}/tags","total_count":3,"has_more":false},"notes":{"type":"list","data":[{"type":"note","id":"30126","url":"/notes/30126"},{"type":"note","id":"30127","url":"/notes/30127"}],"url":"/contacts/{ID}/notes","total_count":2,"has_more":false},"companies":{"type":"list","data":[{"type":"company","id":"6657add46abd0167d9419cd2","url":"/companies/6657add46abd0167d9419cd2"},{"type":"company","id":"6657add46abd0167d9419cd3","url":"/companies/6657add46abd0167d9419cd3"}],"url":"/contacts/{ID}/companies","total_count":2,"has_more":false}}"#;

/// `GET /me`.
pub const ME: &str = r#"{"type":"admin","id":"991267467","email":"bench@example.com","name":"Bench Admin","email_verified":true,"app":{"type":"app","id_code":"ecahpwf5","name":"Bench","created_at":1697040000,"secure":true,"identity_verification":false,"timezone":"Europe/Dublin","region":"US"},"avatar":{"type":"avatar","image_url":null},"has_inbox_seat":true}"#;

/// A 401 as Intercom sends it.
pub const UNAUTHORIZED: &str = r#"{"type":"error.list","request_id":"000f4ioa7rrr8b6f2c4g","errors":[{"code":"unauthorized","message":"Access Token Invalid"}]}"#;

/// A contact template split at its `{ID}` placeholders.
#[derive(Debug, Clone)]
pub struct ContactTemplate {
    pieces: Vec<&'static str>,
}

impl Default for ContactTemplate {
    fn default() -> Self {
        Self::new()
    }
}

impl ContactTemplate {
    /// The template.
    pub fn new() -> Self {
        Self {
            pieces: CONTACT_TEMPLATE.split(ID).collect(),
        }
    }

    /// Appends the contact with `id` to `out`.
    pub fn render_into(&self, id: &str, out: &mut Vec<u8>) {
        let mut pieces = self.pieces.iter();
        if let Some(first) = pieces.next() {
            out.extend_from_slice(first.as_bytes());
        }
        for piece in pieces {
            out.extend_from_slice(id.as_bytes());
            out.extend_from_slice(piece.as_bytes());
        }
    }

    /// The contact with `id`.
    pub fn render(&self, id: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(CONTACT_TEMPLATE.len() + 8 * id.len());
        self.render_into(id, &mut out);
        out
    }

    /// One page of `GET /contacts`: contacts `offset..offset+per_page` (capped at `total`),
    /// with a `pages.next.starting_after` cursor unless it is the last page.
    pub fn page(&self, offset: u64, per_page: u64, total: u64) -> Vec<u8> {
        let end = (offset + per_page).min(total);
        let count = end.saturating_sub(offset) as usize;
        let mut out = Vec::with_capacity(256 + count * (CONTACT_TEMPLATE.len() + 64));
        out.extend_from_slice(br#"{"type":"list","data":["#);
        let mut id = String::new();
        for n in offset..end {
            if n > offset {
                out.push(b',');
            }
            id.clear();
            contact_id(n, &mut id);
            self.render_into(&id, &mut out);
        }
        let per = per_page.max(1);
        let total_pages = total.div_ceil(per);
        let page = offset / per + 1;
        out.extend_from_slice(
            format!(
                r#"],"total_count":{total},"pages":{{"type":"pages","page":{page},"per_page":{per},"total_pages":{total_pages}"#
            )
            .as_bytes(),
        );
        if end < total {
            out.extend_from_slice(
                format!(
                    r#","next":{{"per_page":{per},"starting_after":"{}"}}"#,
                    cursor(end)
                )
                .as_bytes(),
            );
        }
        out.extend_from_slice(b"}}");
        out
    }
}

/// The id of the `n`th contact: 24 hex digits, like Intercom's.
pub fn contact_id(n: u64, out: &mut String) {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = write!(out, "6657ad{n:018x}");
}

/// The opaque cursor for "contacts from `offset` on" (base64-looking, like Intercom's).
pub fn cursor(offset: u64) -> String {
    format!("WzE3MTY0NjU2MDAwMDAs{offset}XQ==")
}

/// The offset a cursor stands for.
pub fn parse_cursor(cursor: &str) -> Option<u64> {
    cursor
        .strip_prefix("WzE3MTY0NjU2MDAwMDAs")?
        .strip_suffix("XQ==")?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use intercom_resources::models::{Contact, ContactList, ContactResponse};
    use serde_json::Value;

    fn strip_nulls(v: &mut Value) {
        match v {
            Value::Object(map) => {
                map.retain(|_, v| !v.is_null());
                map.values_mut().for_each(strip_nulls);
            }
            Value::Array(items) => items.iter_mut().for_each(strip_nulls),
            _ => {}
        }
    }

    #[test]
    fn the_contact_is_about_2_kb_and_every_field_lands_in_the_model() {
        let t = ContactTemplate::new();
        let body = t.render("6657add46abd0167d9419cd1");
        assert!((1800..2600).contains(&body.len()), "{} bytes", body.len());
        let mut original: Value = serde_json::from_slice(&body).expect("valid JSON");
        strip_nulls(&mut original);

        // What `contacts().get(id)` returns: a lossless round trip, the fields the spec does
        // not declare (the `"type": "list"` Intercom stamps on nested lists) included.
        let typed: ContactResponse = serde_json::from_slice(&body).expect("decodes");
        let back = serde_json::to_value(&typed).expect("serializes");
        assert_eq!(back, original);

        // The list item type lacks `enabled_push_messaging`: kept as an unknown field.
        let typed: Contact = serde_json::from_slice(&body).expect("decodes");
        assert!(typed.extra.contains_key("enabled_push_messaging"));
        let back = serde_json::to_value(&typed).expect("serializes");
        assert_eq!(back, original);
    }

    #[test]
    fn pages_chain_and_end() {
        let t = ContactTemplate::new();
        let first: ContactList = serde_json::from_slice(&t.page(0, 150, 301)).expect("page");
        assert_eq!(first.data.as_ref().map(Vec::len), Some(150));
        let next = first
            .pages
            .and_then(|p| p.next)
            .and_then(|n| n.starting_after)
            .expect("cursor");
        assert_eq!(parse_cursor(&next), Some(150));
        let last: ContactList = serde_json::from_slice(&t.page(300, 150, 301)).expect("page");
        assert_eq!(last.data.as_ref().map(Vec::len), Some(1));
        assert!(last.pages.expect("pages").next.is_none());
    }
}
