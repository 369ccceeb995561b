//! Unit tests of the parent module, kept in their own file.

use super::*;

#[test]
fn the_standard_service_index_answers_as_the_table_scan() {
    assert!(
        STANDARD_BY_PATH.is_some(),
        "every standard path starts with /"
    );
    let prefixes = ["", "/snap/v1.0", "/v1.0", "/v2.0", "x", "/a/b/c", "/é"];
    let suffixes = ["", "/", "//", ".htm", ".htm/", "?a=1/b", "#f", "/?x=/qr"];
    let mut paths: Vec<String> = Vec::new();
    for service in STANDARD_SERVICES {
        for prefix in prefixes {
            for suffix in suffixes {
                paths.push(format!("{prefix}{}{suffix}", service.path));
                // A strict part of a standard path, and a longer one.
                paths.push(format!("{prefix}{}{suffix}", &service.path[1..]));
                paths.push(format!("{prefix}{}-x{suffix}", service.path));
            }
        }
    }
    paths.extend(
        [
            "",
            "/",
            "?",
            "#",
            ".htm",
            "/.htm",
            "//",
            "/unknown",
            "/access-token/b2b",
        ]
        .map(String::from),
    );
    paths.push("/".repeat(10_000));
    paths.push(format!("{}/qr/qr-mpm-query", "/".repeat(10_000)));
    for path in &paths {
        assert_eq!(
            standard_service(path),
            service_for_path(path).map(ServiceCode::of),
            "{path:?}"
        );
    }
}

#[test]
fn routes_outrank_the_standard_table_and_the_longest_route_wins() {
    let layer = VerifyLayer::builder(crate::server::StaticPartners::default())
        .without_token_check()
        .route("/qr/qr-mpm-query", ServiceCode::new("99").unwrap())
        .route("/pay/qr/qr-mpm-query", ServiceCode::new("98").unwrap())
        .fallback_service_code(ServiceCode::new("97").unwrap())
        .build()
        .unwrap();
    let code = |path: &str| layer.config.service_code(path);
    assert_eq!(
        code("/v1.0/qr/qr-mpm-query"),
        ServiceCode::new("99").unwrap()
    );
    assert_eq!(
        code("/v1.0/pay/qr/qr-mpm-query?x=1"),
        ServiceCode::new("98").unwrap()
    );
    assert_eq!(
        code("/v1.0/qr/qr-mpm-notify"),
        ServiceCode::new("52").unwrap()
    );
    assert_eq!(code("/v1.0/nothing"), ServiceCode::new("97").unwrap());
}
