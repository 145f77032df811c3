//! Hand-written corrections and additions to what the spec says. Every entry names its reason.

/// Operations the spec gives no `operationId`: the id we synthesize (facts §k.8; the 2.16
/// description in fact leaves all four Reporting Data Export operations without one).
pub const SYNTHETIC_OPERATION_IDS: &[(&str, &str, &str)] = &[
    (
        "post",
        "/export/reporting_data/enqueue",
        "enqueueReportingDataExport",
    ),
    (
        "get",
        "/export/reporting_data/{job_identifier}",
        "getReportingDataExportJob",
    ),
    (
        "get",
        "/export/reporting_data/get_datasets",
        "listReportingDatasets",
    ),
    (
        "get",
        "/download/reporting_data/{job_identifier}",
        "downloadReportingDataExport",
    ),
];

/// Method names where the derived name reads badly or collides.
pub const METHOD_NAMES: &[(&str, &str)] = &[
    ("createOrUpdateCompany", "create_or_update"),
    ("retrieveCompany", "find"),
    ("RetrieveACompanyById", "get"),
    ("listAllCompanies", "list"),
    ("scrollOverAllCompanies", "scroll"),
    ("ListAttachedSegmentsForCompanies", "list_segments"),
    ("ListAttachedContacts", "list_contacts"),
    ("listAllCollections", "list_collections"),
    ("bulkContentActions", "bulk_actions"),
    ("dataEventSummaries", "create_summaries"),
    ("jobsStatus", "get_status"),
    ("RetrieveWhatsAppMessageStatus", "get_whatsapp_status"),
    ("getWhatsAppMessageStatus", "list_whatsapp_statuses"),
    ("detachSubscriptionTypeToContact", "detach_from_contact"),
    ("enqueueCreateTicket", "enqueue_create"),
    ("identifyAdmin", "me"),
    ("setAwayAdmin", "set_away"),
    ("enqueueReportingDataExport", "enqueue"),
    ("getReportingDataExportJob", "get_job"),
    ("listReportingDatasets", "list_datasets"),
    ("downloadReportingDataExport", "download"),
];

/// How a list operation paginates (facts §g).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Style {
    /// Query `per_page` + `starting_after`; response `pages.next.starting_after`.
    Cursor,
    /// Query `cursor` + `per_page`; response `next_cursor` + `has_more`.
    NextCursor,
    /// POST body `pagination: {per_page, starting_after}`; response as cursor.
    Search,
    /// Query `page` + `per_page`; response `pages.page`/`total_pages` or top-level ones.
    Pages,
    /// Query `scroll_param`; stop at an empty page.
    Scroll,
}

/// A paginated operation: method, path, style, the array property holding the items (None when
/// the items are nested deeper: only a page stream is generated), and query parameters the spec
/// omits although the endpoint paginates (facts §g3, §k.9), as (name, rust type).
#[derive(Debug)]
pub struct Paging {
    pub method: &'static str,
    pub path: &'static str,
    pub style: Style,
    pub items: Option<&'static str>,
    pub add_params: &'static [(&'static str, &'static str)],
}

const PAGE_PARAMS: &[(&str, &str)] = &[("page", "i64"), ("per_page", "i64")];

macro_rules! paging {
    ($m:literal $p:literal $s:ident $items:expr) => {
        paging!($m $p $s $items, &[])
    };
    ($m:literal $p:literal $s:ident $items:expr, $add:expr) => {
        Paging { method: $m, path: $p, style: Style::$s, items: $items, add_params: $add }
    };
}

pub const PAGINATION: &[Paging] = &[
    paging!("get" "/macros" Cursor Some("data")),
    paging!("get" "/contacts" Cursor Some("data"), &[("per_page", "i64"), ("starting_after", "String")]),
    paging!("get" "/conversations" Cursor Some("conversations")),
    paging!("get" "/data_connectors" Cursor Some("data")),
    paging!("get" "/data_connectors/{data_connector_id}/execution_results" Cursor Some("data")),
    paging!("get" "/messages/status" Cursor Some("events")),
    paging!("get" "/contacts/{id}/merge_history" NextCursor Some("data")),
    paging!("post" "/contacts/search" Search Some("data")),
    paging!("post" "/conversations/search" Search Some("conversations")),
    paging!("post" "/tickets/search" Search Some("tickets")),
    paging!("get" "/companies/scroll" Scroll Some("data")),
    paging!("get" "/admins/activity_logs" Pages Some("activity_logs"), PAGE_PARAMS),
    paging!("get" "/ai/content_import_sources" Pages Some("data"), PAGE_PARAMS),
    paging!("get" "/ai/external_pages" Pages Some("data"), PAGE_PARAMS),
    paging!("get" "/articles" Pages Some("data"), PAGE_PARAMS),
    paging!("get" "/articles/{article_id}/versions" Pages Some("data")),
    paging!("get" "/articles/search" Pages None, PAGE_PARAMS),
    paging!("get" "/audiences" Pages Some("data")),
    paging!("get" "/help_center/help_centers/{help_center_id}/redirects" Pages Some("data")),
    paging!("get" "/help_center/collections" Pages Some("data"), PAGE_PARAMS),
    paging!("get" "/help_center/help_centers" Pages Some("data"), PAGE_PARAMS),
    paging!("get" "/internal_articles" Pages Some("data"), PAGE_PARAMS),
    paging!("get" "/internal_articles/search" Pages None, PAGE_PARAMS),
    paging!("get" "/companies" Pages Some("data")),
    paging!("get" "/companies/{company_id}/contacts" Pages Some("data"), PAGE_PARAMS),
    paging!("get" "/companies/{company_id}/notes" Pages Some("data"), PAGE_PARAMS),
    paging!("post" "/companies/list" Pages Some("data")),
    paging!("get" "/contacts/{contact_id}/companies" Pages Some("companies"), PAGE_PARAMS),
    paging!("get" "/contacts/{contact_id}/notes" Pages Some("data"), PAGE_PARAMS),
    paging!("get" "/content/search" Pages Some("data")),
    paging!("get" "/content_snippets" Pages Some("data")),
    paging!("get" "/conversations/{id}/side_conversations" Pages Some("side_conversations")),
    paging!("get" "/conversations/deleted" Pages Some("conversations")),
    paging!("get" "/custom_object_instances/{custom_object_type_identifier}" Pages Some("data")),
    paging!("get" "/news/news_items" Pages Some("data"), PAGE_PARAMS),
    paging!("get" "/news/newsfeeds/{newsfeed_id}/items" Pages Some("data"), PAGE_PARAMS),
    paging!("get" "/news/newsfeeds" Pages Some("data"), PAGE_PARAMS),
    paging!("get" "/calls" Pages Some("data")),
];

/// Names for inline schemas shared by several operations, where the name derived from the
/// first operation would mislead: (derived name, name).
pub const INLINE_TYPE_NAMES: &[(&str, &str)] = &[
    ("CreateContactResponse", "ContactResponse"),
    ("AttachTagToArticleBody", "AttachTagBody"),
];

/// Properties whose type is hand-written rather than generated: (schema, property, rust type).
/// The search query is a recursive `{field, operator, value}` / `{operator, value: [...]}` tree
/// that the typed builder in `crate::search` validates (facts §h).
pub const FIELD_TYPES: &[(&str, &str, &str)] = &[
    ("search_request", "query", "crate::search::SearchQuery"),
    (
        "contact_search_request",
        "query",
        "crate::search::SearchQuery",
    ),
];

/// Response examples that contradict their own schema: (method, path, status, example name,
/// defect). The generated test asserts that decoding still fails, so a fixed spec is noticed.
pub const EXAMPLE_DEFECTS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "post",
        "/tickets/{ticket_id}/change_type",
        "200",
        "Successful response",
        "`ticket_state` is the string \"submitted\"; the `ticket` schema declares a `ticket_state` object",
    ),
    (
        "post",
        "/conversations/{conversation_id}/customers",
        "200",
        "Attach a contact to a conversation",
        "the example is `{customers: [...]}`; the response schema is `conversation`, which has no `customers`",
    ),
    (
        "delete",
        "/conversations/{conversation_id}/customers/{contact_id}",
        "200",
        "Detach a contact from a group conversation",
        "the example is `{customers: [...]}`; the response schema is `conversation`, which has no `customers`",
    ),
];

/// Optional nullable request properties that stay `Option` instead of `Patch`: the search
/// bodies' `pagination` and its `starting_after`, which the generated pagers read and rewrite
/// page by page (sending `null` for them clears nothing).
pub const NOT_PATCH: &[&str] = &["pagination", "starting_after"];
