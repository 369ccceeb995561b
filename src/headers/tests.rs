//! Unit tests of the parent module, kept in their own file.

use super::*;

#[test]
fn names_match_the_standard_spelling() {
    let upper: Vec<String> = ALL_SNAP
        .iter()
        .map(|h| h.as_str().to_ascii_uppercase())
        .collect();
    for want in [
        "X-TIMESTAMP",
        "X-SIGNATURE",
        "X-PARTNER-ID",
        "X-EXTERNAL-ID",
        "CHANNEL-ID",
        "AUTHORIZATION-CUSTOMER",
    ] {
        assert!(upper.iter().any(|h| h == want), "{want}");
    }
}
