//! Data attributes: list and create.

use super::*;

pub(super) fn list_attributes(state: &State, req: &Request<'_>) -> Outcome {
    let model_filter = match req.query.get("model") {
        None | Some("") => None,
        Some(m @ ("contact" | "company")) => Some(m),
        Some(_) => {
            return Err(ErrorReply::invalid(
                "The Data Attribute model field must be either contact or company",
            )
            .with_field("model"))
        }
    };
    let data: Vec<models::DataAttribute> = state
        .data_attributes
        .iter()
        .filter(|a| model_filter.is_none_or(|m| a.model == m))
        .map(model::data_attribute)
        .collect();
    Reply::model(&fill!(models::DataAttributeList {
        type_: Some("list".into()),
        data: Some(data),
    }))
}

pub(super) fn create_attribute(state: &mut State, req: &Request<'_>) -> Outcome {
    let body = json_object(req.body)?;
    let name = req_str(&body, "name")?;
    let model_name = req_str(&body, "model")?;
    if model_name != "contact" && model_name != "company" {
        return Err(ErrorReply::invalid(
            "The Data Attribute model field must be either contact or company",
        )
        .with_field("model"));
    }
    let data_type = req_str(&body, "data_type")?;
    if !matches!(
        data_type.as_str(),
        "string" | "integer" | "float" | "boolean" | "date" | "datetime" | "options"
    ) {
        return Err(ErrorReply::invalid("Data Type isn't an option").with_field("data_type"));
    }
    let valid_name = name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '$' | '€' | '£' | '¥'));
    if !valid_name {
        return Err(ErrorReply::invalid(
            "Your name for this attribute must only contain alphanumeric characters, currency symbols, and hyphens",
        )
        .with_field("name"));
    }
    let people = |m: &str| if m == "contact" { "people" } else { "company" };
    if let Some(existing) = state
        .data_attributes
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(&name))
    {
        return Err(ErrorReply::invalid(format!(
            "You already have '{name}' in your {} data. To save this as new {} data, use a different name.",
            people(&existing.model),
            people(&model_name)
        )));
    }
    let options: Vec<String> = match body.get("options") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|o| o.get("value").and_then(Value::as_str).map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    if data_type == "options" && options.len() < 2 {
        return Err(
            ErrorReply::invalid("A list attribute needs at least two options")
                .with_field("options"),
        );
    }
    let attribute = DataAttribute {
        id: Some(state.next_int_id()),
        model: model_name,
        full_name: format!("custom_attributes.{name}"),
        label: name.clone(),
        name,
        description: opt_str(&body, "description")?.unwrap_or_default(),
        data_type,
        api_writable: true,
        messenger_writable: opt_bool(&body, "messenger_writable")?.unwrap_or(false),
        custom: true,
        options,
        admin_id: Some(req.admin_id.clone()),
        created_at: Some(now()),
    };
    let value = model::to_json(&model::data_attribute(&attribute))?;
    state.data_attributes.push(attribute);
    Ok(Reply::json(value))
}
