//! Subscription types (seeded or from fixtures) and contacts' choices about them.

use super::*;
use crate::records::{ContactSubscription, SubscriptionType};

fn subscription_type(t: &SubscriptionType) -> models::SubscriptionType {
    let translation = fill!(models::Translation {
        name: Some(t.name.clone()),
        description: Some(t.description.clone()),
        locale: Some("en".into()),
    });
    fill!(models::SubscriptionType {
        type_: Some("subscription".into()),
        id: Some(t.id.clone()),
        state: Some(models::SubscriptionTypeState::Live),
        consent_type: Some(models::SubscriptionTypeConsentType::from(
            t.consent_type.as_str()
        )),
        content_types: Some(
            t.content_types
                .iter()
                .map(|c| models::SubscriptionTypeContentTypesItem::from(c.as_str()))
                .collect()
        ),
        default_translation: Some(translation.clone()),
        translations: Some(vec![translation]),
    })
}

fn list(types: Vec<models::SubscriptionType>) -> Outcome {
    Reply::model(&fill!(models::SubscriptionTypeList {
        type_: Some("list".into()),
        data: Some(types),
    }))
}

pub(super) fn list_subscription_types(state: &State) -> Outcome {
    list(
        state
            .subscription_types
            .iter()
            .map(subscription_type)
            .collect(),
    )
}

fn contact_id(state: &State, id: &str) -> Result<String, ErrorReply> {
    state
        .contact_index(id)
        .map(|i| state.contacts[i].id.clone())
        .ok_or_else(ErrorReply::user_not_found)
}

/// `GET /contacts/{id}/subscriptions`: the types the contact made a choice about.
pub(super) fn contact_subscriptions(state: &State, id: &str) -> Outcome {
    let id = contact_id(state, id)?;
    list(
        state
            .contact_subscriptions
            .iter()
            .filter(|s| s.contact_id == id)
            .filter_map(|s| {
                state
                    .subscription_types
                    .iter()
                    .find(|t| t.id == s.subscription_type_id)
            })
            .map(subscription_type)
            .collect(),
    )
}

/// `POST /contacts/{id}/subscriptions`: records an `opt_in` or `opt_out` for the type `id`.
pub(super) fn subscribe_contact(state: &mut State, req: &Request<'_>, id: &str) -> Outcome {
    let contact = contact_id(state, id)?;
    let body = json_object(req.body)?;
    let type_id = req_str(&body, "id")?;
    let consent = req_str(&body, "consent_type")?;
    if consent != "opt_in" && consent != "opt_out" {
        return Err(
            ErrorReply::invalid("consent_type must be opt_in or opt_out")
                .with_field("consent_type"),
        );
    }
    let t = state
        .subscription_types
        .iter()
        .find(|t| t.id == type_id)
        .cloned()
        .ok_or_else(ErrorReply::not_found)?;
    state
        .contact_subscriptions
        .retain(|s| !(s.contact_id == contact && s.subscription_type_id == t.id));
    state.contact_subscriptions.push(ContactSubscription {
        contact_id: contact,
        subscription_type_id: t.id.clone(),
        consent,
    });
    Reply::model(&subscription_type(&t))
}

/// `DELETE /contacts/{id}/subscriptions/{subscription_id}`: forgets the contact's choice.
pub(super) fn unsubscribe_contact(state: &mut State, id: &str, type_id: &str) -> Outcome {
    let contact = contact_id(state, id)?;
    let before = state.contact_subscriptions.len();
    state
        .contact_subscriptions
        .retain(|s| !(s.contact_id == contact && s.subscription_type_id == type_id));
    if state.contact_subscriptions.len() == before {
        return Err(ErrorReply::not_found());
    }
    let t = state
        .subscription_types
        .iter()
        .find(|t| t.id == type_id)
        .ok_or_else(ErrorReply::not_found)?;
    Reply::model(&subscription_type(t))
}
