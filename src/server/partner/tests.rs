//! Unit tests of the parent module, kept in their own file.

use super::*;

#[test]
fn duplicates_are_refused() {
    let err = StaticPartners::builder()
        .partner(Partner::new("a"))
        .partner(Partner::new("a").with_client_id("b"))
        .build()
        .unwrap_err();
    assert_eq!(err, DuplicatePartner::PartnerId("a".into()));
    let err = StaticPartners::builder()
        .partner(Partner::new("a").with_client_id("c"))
        .partner(Partner::new("b").with_client_id("c"))
        .build()
        .unwrap_err();
    assert_eq!(err, DuplicatePartner::ClientId("c".into()));
}

#[test]
fn debug_redacts_the_secret() {
    let p = Partner::new("p").with_client_secret(&ClientSecret::new("topsecret").unwrap());
    let shown = format!("{p:?}");
    assert!(!shown.contains("topsecret"), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
}
