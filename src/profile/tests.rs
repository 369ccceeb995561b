//! Unit tests of the parent module, kept in their own file.

use super::*;

#[test]
fn presets_are_found_by_name_and_differ() {
    for p in ProviderProfile::presets() {
        assert_eq!(ProviderProfile::preset(p.name()).as_ref(), Some(&p));
        assert_eq!(
            ProviderProfile::preset(&p.name().to_uppercase()).as_ref(),
            Some(&p)
        );
    }
    assert_eq!(
        ProviderProfile::preset("standard"),
        Some(ProviderProfile::aspi_standard())
    );
    assert_eq!(ProviderProfile::preset("nope"), None);
    let all = ProviderProfile::presets();
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            assert_ne!(a, b, "{} and {} are the same", a.name(), b.name());
        }
    }
}

#[test]
fn preset_deviations() {
    assert_eq!(
        ProviderProfile::bca().endpoint_url_policy(),
        EndpointUrlPolicy::CanonicalQuery
    );
    assert_eq!(ProviderProfile::bri().encoding(), SignatureEncoding::Hex);
    let dana = ProviderProfile::dana();
    assert_eq!(
        dana.transaction_signature(),
        TransactionSignature::Asymmetric
    );
    assert!(dana.token().send_partner_id());
    assert!(dana.token().b2b_path().ends_with(".htm"));
    assert_eq!(
        ProviderProfile::doku().timestamp_format(),
        TimestampFormat::UtcSeconds
    );
    assert_eq!(
        ProviderProfile::doku()
            .token()
            .grant_value_case()
            .refresh_token(),
        "refresh_token"
    );
    assert_eq!(
        ProviderProfile::paydia().token().b2b_path(),
        "/snap/v1.0/access-token/b2b"
    );
    assert_eq!(GrantTypeField::SnakeCase.as_str(), "grant_type");
}

#[test]
fn status_dialects() {
    for p in ProviderProfile::presets() {
        let expected = if p.name() == "paydia" {
            StatusDialect::Paydia
        } else {
            StatusDialect::Standard
        };
        assert_eq!(p.status_dialect(), expected, "{}", p.name());
    }
    let custom = ProviderProfile::aspi_standard()
        .to_builder()
        .status_dialect(StatusDialect::Paydia)
        .build();
    assert_eq!(custom.status_dialect(), StatusDialect::Paydia);
}

#[test]
fn paydia_sends_customer_tokens_raw_and_upper_case_grants() {
    let paydia = ProviderProfile::paydia();
    assert_eq!(paydia.customer_token_style(), CustomerTokenStyle::Raw);
    assert_eq!(paydia.token().grant_value_case(), GrantValueCase::Upper);
    assert_eq!(paydia.token().b2b2c_path(), "/snap/v1.0/access-token/b2b2c");
    for other in ProviderProfile::presets()
        .iter()
        .filter(|p| p.name() != "paydia")
    {
        assert_eq!(
            other.customer_token_style(),
            CustomerTokenStyle::Bearer,
            "{}",
            other.name()
        );
    }
}
