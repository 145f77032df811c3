// Request structs are `#[non_exhaustive]`: no struct literal, so no `..Default::default()`.
use intercom_resources::models::StartingAfterPaging;

fn main() {
    let _ = StartingAfterPaging {
        per_page: Some(5),
        ..Default::default()
    };
}
