//! Articles, help centers and collections (numbered pages, like Intercom's help center lists).

use super::*;
use crate::records::{Article, Collection, HelpCenter};

/// Help center lists show this many items per page unless `per_page` says otherwise.
const HELP_PER_PAGE: u64 = 15;

fn article_not_found() -> ErrorReply {
    ErrorReply::new(
        StatusCode::NOT_FOUND,
        "article_not_found",
        "Article not found",
    )
}

fn collection_not_found() -> ErrorReply {
    ErrorReply::new(
        StatusCode::NOT_FOUND,
        "collection_not_found",
        "Collection not found",
    )
}

fn help_center_not_found() -> ErrorReply {
    ErrorReply::new(StatusCode::NOT_FOUND, "not_found", "Help center not found")
}

/// `article`: the list item it extends (its statistics are not kept).
fn article(state: &State, a: &Article) -> models::Article {
    fill!(models::Article {
        article_list_item: article_item(state, a),
        ..Default::default()
    })
}

/// `article_list_item`: the article without its statistics.
fn article_item(state: &State, a: &Article) -> models::ArticleListItem {
    fill!(models::ArticleListItem {
        type_: Some("article".into()),
        id: Some(a.id.clone()),
        workspace_id: Some(state.app_id.clone()),
        title: Some(a.title.clone()),
        description: Some(a.description.clone()),
        body: Some(a.body.clone()),
        author_id: Some(a.author_id.clone()),
        state: Some(models::ArticleState::from(a.state.as_str())),
        parent_ids: Some(a.parent_id.iter().cloned().collect()),
        default_locale: Some("en".into()),
        created_at: Some(Timestamp::from_unix(a.created_at)),
        updated_at: Some(Timestamp::from_unix(a.updated_at)),
        ..Default::default()
    })
}

fn collection(state: &State, c: &Collection) -> models::Collection {
    fill!(models::Collection {
        id: Some(c.id.clone()),
        workspace_id: Some(state.app_id.clone()),
        name: Some(c.name.clone()),
        description: Some(c.description.clone()),
        icon: Some(c.icon.clone()),
        help_center_id: c.help_center_id.clone(),
        parent_id: c.parent_id.clone(),
        order: Some(c.order),
        default_locale: Some("en".into()),
        created_at: Some(Timestamp::from_unix(c.created_at)),
        updated_at: Some(Timestamp::from_unix(c.updated_at)),
        ..Default::default()
    })
}

fn help_center(state: &State, h: &HelpCenter) -> models::HelpCenter {
    fill!(models::HelpCenter {
        id: Some(h.id.clone()),
        workspace_id: Some(state.app_id.clone()),
        identifier: Some(h.identifier.clone()),
        display_name: Some(h.display_name.clone()),
        website_turned_on: Some(false),
        default: Some(state.help_centers.first().is_some_and(|f| f.id == h.id)),
        locales: Some(vec!["en".into()]),
        created_at: Some(Timestamp::from_unix(h.created_at)),
        updated_at: Some(Timestamp::from_unix(h.created_at)),
        ..Default::default()
    })
}

fn page_query(req: &Request<'_>) -> Result<(u64, u64), ErrorReply> {
    let page = req.query.positive("page", 1, u64::MAX)?;
    let per_page = req
        .query
        .positive("per_page", HELP_PER_PAGE, MAX_PER_PAGE)?;
    Ok((page, per_page))
}

pub(super) fn list_articles(state: &State, req: &Request<'_>) -> Outcome {
    let (page, per_page) = page_query(req)?;
    let total = state.articles.len();
    let (data, pages) = numbered(state.articles.iter(), total, page, per_page);
    Reply::model(&fill!(models::ArticleList {
        type_: Some("list".into()),
        pages: Some(pages),
        total_count: Some(total as i64),
        data: Some(data.into_iter().map(|a| article_item(state, a)).collect()),
    }))
}

fn parent(state: &State, body: &Map<String, Value>) -> Result<Option<String>, ErrorReply> {
    let id = match body.get("parent_id") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return Err(type_error("parent_id", "an id")),
    };
    if state.collections.iter().any(|c| c.id == id) {
        Ok(Some(id))
    } else {
        Err(collection_not_found())
    }
}

fn article_state(body: &Map<String, Value>) -> Result<Option<String>, ErrorReply> {
    match opt_str(body, "state")? {
        Some(s) if s == "published" || s == "draft" => Ok(Some(s)),
        Some(_) => Err(ErrorReply::invalid("state must be published or draft").with_field("state")),
        None => Ok(None),
    }
}

fn author(state: &State, body: &Map<String, Value>) -> Result<Option<String>, ErrorReply> {
    let id = match body.get("author_id") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return Err(type_error("author_id", "an admin id")),
    };
    if state.admin(&id).is_none() {
        return Err(
            ErrorReply::invalid("author_id must be an admin of the workspace")
                .with_field("author_id"),
        );
    }
    Ok(Some(id))
}

/// `POST /articles`: `title` and `author_id` are required; drafts unless `state` says so.
pub(super) fn create_article(state: &mut State, req: &Request<'_>) -> Outcome {
    let body = json_object(req.body)?;
    let title = req_str(&body, "title")?;
    let author_id = author(state, &body)?.ok_or_else(|| ErrorReply::missing("author_id"))?;
    let at = now();
    let a = Article {
        id: state.next_numeric_id(),
        title,
        description: opt_str(&body, "description")?.unwrap_or_default(),
        body: opt_str(&body, "body")?.unwrap_or_default(),
        author_id,
        state: article_state(&body)?.unwrap_or_else(|| "draft".into()),
        parent_id: parent(state, &body)?,
        created_at: at,
        updated_at: at,
    };
    let reply = article(state, &a);
    state.articles.push(a);
    Reply::model(&reply)
}

fn article_index(state: &State, id: &str) -> Result<usize, ErrorReply> {
    state
        .articles
        .iter()
        .position(|a| a.id == id)
        .ok_or_else(article_not_found)
}

pub(super) fn get_article(state: &State, id: &str) -> Outcome {
    let index = article_index(state, id)?;
    Reply::model(&article(state, &state.articles[index]))
}

pub(super) fn update_article(state: &mut State, req: &Request<'_>, id: &str) -> Outcome {
    let index = article_index(state, id)?;
    let body = json_object(req.body)?;
    let title = opt_str(&body, "title")?;
    let description = opt_str(&body, "description")?;
    let text = opt_str(&body, "body")?;
    let author_id = author(state, &body)?;
    let new_state = article_state(&body)?;
    let parent_id = parent(state, &body)?;
    let a = &mut state.articles[index];
    if let Some(v) = title.filter(|t| !t.trim().is_empty()) {
        a.title = v;
    }
    if let Some(v) = description {
        a.description = v;
    }
    if let Some(v) = text {
        a.body = v;
    }
    if let Some(v) = author_id {
        a.author_id = v;
    }
    if let Some(v) = new_state {
        a.state = v;
    }
    if parent_id.is_some() {
        a.parent_id = parent_id;
    }
    a.updated_at = now();
    Reply::model(&article(state, &state.articles[index]))
}

pub(super) fn delete_article(state: &mut State, id: &str) -> Outcome {
    let index = article_index(state, id)?;
    let a = state.articles.remove(index);
    Reply::model(&fill!(models::DeletedArticleObject {
        id: Some(a.id),
        object: Some(models::DeletedArticleObjectObject::Article),
        deleted: Some(true),
    }))
}

pub(super) fn list_help_centers(state: &State) -> Outcome {
    Reply::model(&fill!(models::HelpCenterList {
        type_: Some("list".into()),
        data: Some(
            state
                .help_centers
                .iter()
                .map(|h| help_center(state, h))
                .collect()
        ),
    }))
}

pub(super) fn get_help_center(state: &State, id: &str) -> Outcome {
    let h = state
        .help_centers
        .iter()
        .find(|h| h.id == id)
        .ok_or_else(help_center_not_found)?;
    Reply::model(&help_center(state, h))
}

pub(super) fn list_collections(state: &State, req: &Request<'_>) -> Outcome {
    let (page, per_page) = page_query(req)?;
    let total = state.collections.len();
    let (data, pages) = numbered(state.collections.iter(), total, page, per_page);
    Reply::model(&fill!(models::CollectionList {
        type_: Some("list".into()),
        pages: Some(pages),
        total_count: Some(total as i64),
        data: Some(data.into_iter().map(|c| collection(state, c)).collect()),
    }))
}

fn collection_index(state: &State, id: &str) -> Result<usize, ErrorReply> {
    state
        .collections
        .iter()
        .position(|c| c.id == id)
        .ok_or_else(collection_not_found)
}

/// `POST /help_center/collections`: `name` is required; the default help center unless
/// `help_center_id` names another.
pub(super) fn create_collection(state: &mut State, req: &Request<'_>) -> Outcome {
    let body = json_object(req.body)?;
    let name = req_str(&body, "name")?;
    let help_center_id = match opt_i64(&body, "help_center_id")? {
        Some(id) => {
            let id = id.to_string();
            if !state.help_centers.iter().any(|h| h.id == id) {
                return Err(help_center_not_found());
            }
            Some(id)
        }
        None => state.help_centers.first().map(|h| h.id.clone()),
    };
    let parent_id = parent(state, &body)?;
    let at = now();
    let order = i64::try_from(state.collections.len())
        .unwrap_or(i64::MAX)
        .saturating_add(1);
    let c = Collection {
        id: state.next_numeric_id(),
        name,
        description: opt_str(&body, "description")?.unwrap_or_default(),
        icon: String::new(),
        help_center_id,
        parent_id,
        order,
        created_at: at,
        updated_at: at,
    };
    let reply = collection(state, &c);
    state.collections.push(c);
    Reply::model(&reply)
}

pub(super) fn get_collection(state: &State, id: &str) -> Outcome {
    let index = collection_index(state, id)?;
    Reply::model(&collection(state, &state.collections[index]))
}

pub(super) fn update_collection(state: &mut State, req: &Request<'_>, id: &str) -> Outcome {
    let index = collection_index(state, id)?;
    let body = json_object(req.body)?;
    let name = opt_str(&body, "name")?;
    let description = opt_str(&body, "description")?;
    let parent_id = parent(state, &body)?;
    if parent_id.as_deref() == Some(id) {
        return Err(
            ErrorReply::invalid("a collection cannot be its own parent").with_field("parent_id")
        );
    }
    let c = &mut state.collections[index];
    if let Some(v) = name.filter(|n| !n.trim().is_empty()) {
        c.name = v;
    }
    if let Some(v) = description {
        c.description = v;
    }
    if parent_id.is_some() {
        c.parent_id = parent_id;
    }
    c.updated_at = now();
    Reply::model(&collection(state, &state.collections[index]))
}

/// `DELETE /help_center/collections/{id}`: its articles and sub-collections lose their parent.
pub(super) fn delete_collection(state: &mut State, id: &str) -> Outcome {
    let index = collection_index(state, id)?;
    let c = state.collections.remove(index);
    for a in &mut state.articles {
        if a.parent_id.as_deref() == Some(c.id.as_str()) {
            a.parent_id = None;
        }
    }
    for sub in &mut state.collections {
        if sub.parent_id.as_deref() == Some(c.id.as_str()) {
            sub.parent_id = None;
        }
    }
    Reply::model(&fill!(models::DeletedCollectionObject {
        id: Some(c.id),
        object: Some(models::DeletedCollectionObjectObject::Collection),
        deleted: Some(true),
    }))
}
