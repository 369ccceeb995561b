//! Unit tests of the parent module, kept in their own file.

use super::*;

#[test]
fn headers_file_lines() {
    assert_eq!(header_line("POST /a HTTP/1.1", true), None);
    assert_eq!(
        header_line("POST /a HTTP/1.1", false),
        Some("POST /a HTTP/1.1")
    );
    assert_eq!(
        header_line("> X-TIMESTAMP: t\r", false),
        Some("X-TIMESTAMP: t")
    );
    assert_eq!(header_line("  ", false), None);
    assert_eq!(header_line("# comment", false), None);
    assert_eq!(header_line("< HTTP/1.1 401", false), None);
    assert_eq!(header_line("* Connected", false), None);
    assert_eq!(header_line("https://h/x: y", true), Some("https://h/x: y"));
}

#[test]
fn header_parsing() {
    let mut map = HeaderMap::new();
    add_header(&mut map, "X-Signature:  abc ").unwrap();
    add_header(&mut map, "Host: h:8080").unwrap();
    assert_eq!(map["x-signature"], "abc");
    assert!(map["x-signature"].is_sensitive());
    assert_eq!(map["host"], "h:8080");
    assert!(
        add_header(&mut map, "no colon")
            .unwrap_err()
            .contains("Name: value")
    );
    assert!(
        add_header(&mut map, "bad name: x")
            .unwrap_err()
            .contains("invalid header name")
    );
    assert!(
        add_header(&mut map, "X-A: a\u{1}b")
            .unwrap_err()
            .contains("x-a")
    );
    let long = "x".repeat(100);
    assert!(add_header(&mut map, &long).unwrap_err().ends_with("…\""));
}
