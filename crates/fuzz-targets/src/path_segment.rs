//! `path_segment`: `encode_path_segment` and `ApiRequest::path_params`, which put ids from
//! users and servers into paths.

use intercom_transport::{encode_path_segment, ApiRequest};
use percent_encoding::percent_decode_str;

/// Encodes `data` (read as UTF-8, invalid sequences replaced) as one path segment and checks:
///
/// * the output holds only RFC 3986 unreserved characters and `%XX` escapes, so never a `/`,
///   `?`, `#` or a bare `%`;
/// * it is never a dot segment (`.` or `..`), which a normalising proxy or server would
///   resolve, turning `DELETE /contacts/1/tags/..` into `DELETE /contacts/1`;
/// * percent-decoding it gives the input back;
/// * placed in a request path by `path_params` it stays one segment of the URI the client
///   sends.
pub fn path_segment(data: &[u8]) {
    let input = String::from_utf8_lossy(data);
    let encoded = encode_path_segment(&input);
    let bytes = encoded.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3);
            assert!(
                hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)),
                "a bare `%` in {encoded:?}"
            );
            i += 3;
        } else {
            assert!(
                b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'),
                "{:?} left unencoded in {encoded:?}",
                b as char
            );
            i += 1;
        }
    }
    assert!(
        encoded != "." && encoded != "..",
        "{input:?} encodes to the dot segment {encoded:?}"
    );
    let decoded = percent_decode_str(&encoded).collect::<Vec<u8>>();
    assert_eq!(
        decoded,
        input.as_bytes(),
        "{encoded:?} does not decode back to {input:?}"
    );

    // In a request, filled by `path_params` as generated operations do: `/contacts/{id}/tags`
    // keeps three segments in the URI that is sent (an empty id is refused before sending).
    if input.is_empty() {
        return;
    }
    let request = ApiRequest::get("/contacts/{id}/tags").path_params(&[&input]);
    let path_and_query = request.path_and_query();
    assert_eq!(path_and_query, format!("/contacts/{encoded}/tags"));
    match path_and_query.parse::<http::uri::PathAndQuery>() {
        Ok(pq) => {
            assert!(pq.query().is_none(), "a segment opened a query: {pq}");
            let segments: Vec<&str> = pq.path().split('/').collect();
            assert_eq!(
                segments,
                ["", "contacts", encoded.as_ref(), "tags"],
                "the segment split the path"
            );
        }
        Err(e) => panic!("an encoded segment made an invalid path {path_and_query:?}: {e}"),
    }
}
