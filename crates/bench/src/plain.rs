//! The contact as a plain `#[derive(Deserialize)]` struct of the same fields: no lenient
//! wrappers, no unknown-field keeping, no defaults beyond `Option`. Decoding into it beside the
//! generated `ContactResponse` shows what lenient decoding costs on its own.

use serde::Deserialize;

/// A contact with exactly the fields of the benchmark's fixture.
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // read only through `black_box`
pub struct PlainContact {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<String>,
    workspace_id: Option<String>,
    external_id: Option<String>,
    role: Option<String>,
    email: Option<String>,
    email_domain: Option<String>,
    phone: Option<String>,
    name: Option<String>,
    avatar: Option<Avatar>,
    owner_id: Option<String>,
    social_profiles: Option<List<SocialProfile>>,
    has_hard_bounced: Option<bool>,
    marked_email_as_spam: Option<bool>,
    unsubscribed_from_emails: Option<bool>,
    created_at: Option<i64>,
    updated_at: Option<i64>,
    signed_up_at: Option<i64>,
    last_seen_at: Option<i64>,
    last_replied_at: Option<i64>,
    last_contacted_at: Option<i64>,
    last_email_opened_at: Option<i64>,
    last_email_clicked_at: Option<i64>,
    language_override: Option<String>,
    browser: Option<String>,
    browser_version: Option<String>,
    browser_language: Option<String>,
    os: Option<String>,
    location: Option<Location>,
    android_app_name: Option<String>,
    android_app_version: Option<String>,
    android_device: Option<String>,
    android_os_version: Option<String>,
    android_sdk_version: Option<String>,
    android_last_seen_at: Option<i64>,
    ios_app_name: Option<String>,
    ios_app_version: Option<String>,
    ios_device: Option<String>,
    ios_os_version: Option<String>,
    ios_sdk_version: Option<String>,
    ios_last_seen_at: Option<i64>,
    custom_attributes: Option<serde_json::Map<String, serde_json::Value>>,
    enabled_push_messaging: Option<bool>,
    tags: Option<List<Reference>>,
    notes: Option<List<Reference>>,
    companies: Option<List<Reference>>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Avatar {
    #[serde(rename = "type")]
    kind: Option<String>,
    image_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct SocialProfile {
    #[serde(rename = "type")]
    kind: Option<String>,
    name: Option<String>,
    url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Location {
    #[serde(rename = "type")]
    kind: Option<String>,
    country: Option<String>,
    region: Option<String>,
    city: Option<String>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Reference {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<String>,
    url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct List<T> {
    #[serde(rename = "type")]
    kind: Option<String>,
    data: Option<Vec<T>>,
    url: Option<String>,
    total_count: Option<i64>,
    has_more: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::ContactTemplate;

    #[test]
    fn the_fixture_decodes_into_every_field() {
        let body = ContactTemplate::new().render("6657ad000000000000000001");
        let contact: PlainContact = serde_json::from_slice(&body).expect("the fixture decodes");
        assert_eq!(contact.id.as_deref(), Some("6657ad000000000000000001"));
        assert_eq!(contact.ios_last_seen_at, Some(1_716_400_000));
        assert_eq!(
            contact.companies.and_then(|c| c.data).map(|d| d.len()),
            Some(2)
        );
        assert_eq!(contact.custom_attributes.map(|a| a.len()), Some(6));
    }
}
