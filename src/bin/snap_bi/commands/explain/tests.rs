//! Unit tests of the parent module, kept in their own file.

use super::*;

fn headers_of(text: &str) -> Vec<&str> {
    headers_file_lines(text)
        .headers
        .into_iter()
        .map(|(_, line)| line)
        .collect()
}

#[test]
fn plain_headers_file_lines() {
    let text = "POST /a HTTP/1.1\r\nX-TIMESTAMP: t\r\n\n# comment\n< HTTP/1.1 401\n* Connected\nPOST /b HTTP/1.1\n";
    let file = headers_file_lines(text);
    assert_eq!(file.request_line, Some(("POST", "/a")));
    // Only a leading request line is one; a later one is a (bad) header line.
    assert_eq!(
        file.headers,
        vec![(2, "X-TIMESTAMP: t"), (7, "POST /b HTTP/1.1")]
    );
    assert_eq!(headers_of("https://h/x: y\n"), vec!["https://h/x: y"]);
    assert_eq!(
        headers_of("{ [5 bytes data]\nA: b\n} [12 bytes data]\n"),
        vec!["A: b"]
    );
}

/// `curl -v` output, trimmed from a real run: only `> ` lines count.
const CURL_V: &str = "\
* Host 127.0.0.1:8080 was resolved.
*   Trying 127.0.0.1:8080...
* Connected to 127.0.0.1 (127.0.0.1) port 8080
* using HTTP/1.x
> POST /snap/v1.0/qr/qr-mpm-query?x=1 HTTP/1.1\r
> Host: 127.0.0.1:8080\r
> User-Agent: curl/8.5.0\r
> Accept: */*\r
> Content-Type: application/json\r
> X-TIMESTAMP: 2024-09-10T13:24:42+07:00\r
> X-SIGNATURE: abc==\r
> Content-Length: 57\r
> \r
} [57 bytes data]
* upload completely sent off: 57 bytes
< HTTP/1.1 401 Unauthorized\r
< content-type: application/json\r
< content-length: 71\r
<\r
{ [71 bytes data]
* Connection #0 to host 127.0.0.1 left intact
{\"responseCode\":\"4017300\",\"responseMessage\":\"Unauthorized. [Signature]\"}
";

#[test]
fn curl_verbose_output_is_read_by_its_request_lines() {
    let file = headers_file_lines(CURL_V);
    assert_eq!(
        file.request_line,
        Some(("POST", "/snap/v1.0/qr/qr-mpm-query?x=1"))
    );
    let headers: Vec<&str> = file.headers.iter().map(|(_, l)| *l).collect();
    assert_eq!(
        headers,
        vec![
            "Host: 127.0.0.1:8080",
            "User-Agent: curl/8.5.0",
            "Accept: */*",
            "Content-Type: application/json",
            "X-TIMESTAMP: 2024-09-10T13:24:42+07:00",
            "X-SIGNATURE: abc==",
            "Content-Length: 57",
        ]
    );
    assert_eq!(file.headers[0].0, 6);
    let mut map = HeaderMap::new();
    for (_, line) in &file.headers {
        add_header(&mut map, line).unwrap();
    }
    assert_eq!(map["x-signature"], "abc==");
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

#[test]
fn hand_made_files_may_mix_prefixed_and_plain_lines() {
    let text = "POST /a HTTP/1.1\n> A: 1\nB: 2\n";
    let file = headers_file_lines(text);
    assert_eq!(file.request_line, Some(("POST", "/a")));
    assert_eq!(file.headers, vec![(2, "A: 1"), (3, "B: 2")]);
}
