//! Response models that extend another (`allOf`) hold it flattened: its fields read through
//! `Deref`, and a field neither declares is kept once and written back once.

#![cfg(all(feature = "contacts", feature = "articles"))]

use intercom_resources::models::{Article, ArticleListItem, Contact, ContactResponse};
use serde_json::json;

#[test]
fn an_extension_round_trips_with_unknown_fields_kept_once() {
    let body = json!({
        "type": "contact",
        "id": "c1",
        "email": "jane@example.com",
        "enabled_push_messaging": true,
        "shoe_size": 42,
        "nested_new": {"a": [1, {"b": null}]},
    });
    let response: ContactResponse = serde_json::from_value(body.clone()).expect("decodes");
    // Base fields through `Deref`, the extension's own field directly.
    assert_eq!(response.id.as_deref(), Some("c1"));
    assert_eq!(response.email.as_deref(), Some("jane@example.com"));
    assert_eq!(response.enabled_push_messaging, Some(true));
    // The unknown fields are the base's, and only they are.
    let unknown: Vec<&String> = response.extra.keys().collect();
    assert_eq!(unknown, ["nested_new", "shoe_size"]);
    let written = serde_json::to_value(&response).expect("serializes");
    assert_eq!(written, body, "every field written once, as received");
    let again: ContactResponse = serde_json::from_value(written).expect("decodes again");
    assert_eq!(again, response);
}

#[test]
fn the_base_alone_is_the_extension_without_its_own_fields() {
    let body = json!({"type": "contact", "id": "c1", "enabled_push_messaging": false});
    let response: ContactResponse = serde_json::from_value(body).expect("decodes");
    let contact: Contact = response.contact.clone();
    assert_eq!(contact.id.as_deref(), Some("c1"));
    // Read as the base, the extension's own field is unknown to it.
    let as_base: Contact =
        serde_json::from_value(serde_json::to_value(&response).expect("serializes"))
            .expect("decodes");
    assert_eq!(
        as_base.extra.get("enabled_push_messaging"),
        Some(&json!(false))
    );
}

#[test]
fn an_extension_is_built_from_its_base_and_written_flat() {
    let mut item = ArticleListItem::default();
    item.id = Some("a1".into());
    item.title = Some("Hello".into());
    let mut article = Article::default();
    article.article_list_item = item;
    // Fields of the base can be set through `DerefMut` too.
    article.body = Some("<p>hi</p>".into());
    let written = serde_json::to_value(&article).expect("serializes");
    assert_eq!(
        written,
        json!({"id": "a1", "title": "Hello", "body": "<p>hi</p>"})
    );
}

#[test]
fn own_fields_decode_as_declared_wherever_the_extension_sits() {
    // `null` is an absent optional field; a wrong type fails the decode as a derived field would.
    let body = json!({"id": "c1", "enabled_push_messaging": null});
    let response: ContactResponse = serde_json::from_value(body).expect("decodes");
    assert_eq!(response.enabled_push_messaging, None);
    assert!(response.extra.is_empty());
    let wrong = json!({"id": "c1", "enabled_push_messaging": "yes"});
    let err = serde_json::from_value::<ContactResponse>(wrong).expect_err("a string is no bool");
    assert!(err.to_string().contains("boolean"), "{err}");
    // Inside other values (a list, an untagged or flattened parent) it decodes the same.
    let text = r#"[{"id":"c1","enabled_push_messaging":true,"shoe_size":42},{"id":"c2"}]"#;
    let list: Vec<ContactResponse> = serde_json::from_str(text).expect("decodes");
    assert_eq!(list[0].enabled_push_messaging, Some(true));
    assert_eq!(list[0].extra.get("shoe_size"), Some(&json!(42)));
    assert_eq!(list[1].id.as_deref(), Some("c2"));
    #[derive(serde::Deserialize)]
    struct Parent {
        #[serde(flatten)]
        response: ContactResponse,
    }
    let parent: Parent = serde_json::from_str(&text[1..text.find('}').map_or(0, |i| i + 1)])
        .expect("decodes through a flattened parent");
    assert_eq!(parent.response.enabled_push_messaging, Some(true));
}
