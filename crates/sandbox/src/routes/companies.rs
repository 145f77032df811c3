//! Companies: list, upsert, scroll, and the company-not-found error.

use super::*;

pub(super) fn company_not_found() -> ErrorReply {
    ErrorReply::new(
        StatusCode::NOT_FOUND,
        "company_not_found",
        "Company Not Found",
    )
}

/// A `company_list` page.
pub(super) fn company_page(
    items: impl Iterator<Item = models::Company>,
    total: usize,
    page: u64,
    per_page: u64,
) -> Outcome {
    let (data, pages) = numbered(items, total, page, per_page);
    let list = fill!(models::CompanyList {
        type_: Some("list".into()),
        data: Some(data),
        total_count: Some(total as i64),
        pages: Some(pages),
    });
    model::with_next_page(&list).map(Reply::json)
}

pub(super) fn list_companies(state: &State, req: &Request<'_>) -> Outcome {
    if let Some(wanted) = req
        .query
        .get("company_id")
        .map(|v| ("company_id", v))
        .or_else(|| req.query.get("name").map(|v| ("name", v)))
    {
        let found = state.companies.iter().find(|c| match wanted {
            ("company_id", v) => c.company_id == v,
            (_, v) => c.name == v,
        });
        let company = found.ok_or_else(company_not_found)?;
        return company_page(std::iter::once(model::company(state, company)), 1, 1, 15);
    }
    let per_page = req.query.positive("per_page", 15, MAX_PER_PAGE)?;
    let page = req.query.positive("page", 1, u64::MAX)?;
    let total = state.companies.len();
    company_page(
        state.companies.iter().map(|c| model::company(state, c)),
        total,
        page,
        per_page,
    )
}

/// `POST /companies/list`: every company, in numbered pages (query `page`, `per_page`).
pub(super) fn all_companies(state: &State, req: &Request<'_>) -> Outcome {
    let per_page = req.query.positive("per_page", 15, MAX_PER_PAGE)?;
    let page = req.query.positive("page", 1, u64::MAX)?;
    company_page(
        state.companies.iter().map(|c| model::company(state, c)),
        state.companies.len(),
        page,
        per_page,
    )
}

pub(super) fn upsert_company(state: &mut State, req: &Request<'_>) -> Outcome {
    let body = json_object(req.body)?;
    let name = opt_str(&body, "name")?;
    let company_id = opt_str(&body, "company_id")?;
    let plan = opt_str(&body, "plan")?;
    let size = opt_i64(&body, "size")?;
    let website = opt_str(&body, "website")?;
    let industry = opt_str(&body, "industry")?;
    let remote_created_at = opt_i64(&body, "remote_created_at")?;
    let monthly_spend = match body.get("monthly_spend") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_f64().map(|f| f.round() as i64),
        Some(_) => return Err(type_error("monthly_spend", "a number")),
    };
    let custom = opt_object(&body, "custom_attributes")?.cloned();
    if name.is_none() && company_id.is_none() {
        return Err(ErrorReply::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "A company needs a name or a company_id",
        ));
    }
    let at = now();
    let index = match company_id
        .as_deref()
        .and_then(|cid| state.companies.iter().position(|c| c.company_id == cid))
    {
        Some(index) => index,
        None => {
            let seq = state.next_seq();
            let id = state.hex_id();
            let company_id = company_id
                .clone()
                .unwrap_or_else(|| format!("company-{seq}"));
            let index = state.companies.len();
            state.companies.push(Company {
                id,
                company_id,
                name: name.clone().unwrap_or_default(),
                created_at: at,
                updated_at: at,
                ..Company::default()
            });
            index
        }
    };
    let company = &mut state.companies[index];
    if let Some(v) = name {
        company.name = v;
    }
    if plan.is_some() {
        company.plan = plan;
    }
    if size.is_some() {
        company.size = size;
    }
    if website.is_some() {
        company.website = website;
    }
    if industry.is_some() {
        company.industry = industry;
    }
    if remote_created_at.is_some() {
        company.remote_created_at = remote_created_at;
    }
    if let Some(v) = monthly_spend {
        company.monthly_spend = v;
    }
    if let Some(custom) = custom {
        company.custom_attributes.extend(custom);
    }
    company.updated_at = at;
    Reply::model(&model::company(state, &state.companies[index]))
}

pub(super) fn scroll_companies(state: &mut State, req: &Request<'_>) -> Outcome {
    if state
        .scroll
        .as_ref()
        .is_some_and(|s| s.last_used.elapsed() > SCROLL_TTL)
    {
        state.scroll = None;
    }
    let offset = match req.query.get("scroll_param").filter(|p| !p.is_empty()) {
        None => {
            if state.scroll.is_some() {
                return Err(ErrorReply::new(
                    StatusCode::BAD_REQUEST,
                    "scroll_exists",
                    "scroll already exists for this workspace",
                ));
            }
            let param = format!("{}-{}", state.hex_id(), state.next_numeric_id());
            state.scroll = Some(Scroll {
                param,
                offset: 0,
                last_used: Instant::now(),
            });
            0
        }
        Some(param) => match &state.scroll {
            Some(s) if s.param == param => s.offset,
            _ => {
                return Err(ErrorReply::invalid(
                    "scroll_param is invalid or has expired; start a new scroll",
                )
                .with_field("scroll_param"))
            }
        },
    };
    let data: Vec<models::Company> = state
        .companies
        .iter()
        .skip(offset)
        .take(SCROLL_PAGE)
        .map(|c| model::company(state, c))
        .collect();
    let param = state
        .scroll
        .as_ref()
        .map(|s| s.param.clone())
        .unwrap_or_default();
    if data.is_empty() {
        state.scroll = None;
    } else if let Some(s) = state.scroll.as_mut() {
        // At most `companies.len()`: never saturates.
        s.offset = offset.saturating_add(data.len());
        s.last_used = Instant::now();
    }
    // Intercom sends `pages` and `total_count` as null here (facts §g4): absent in the model.
    Reply::model(&fill!(models::CompanyScroll {
        type_: Some("list".into()),
        data: Some(data),
        scroll_param: Some(param),
        ..Default::default()
    }))
}
