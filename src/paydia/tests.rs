use super::*;
use crate::qris::{StatusDialect, StatusMeaning};

fn outcome(code: &str) -> QueryOutcome {
    QueryOutcome::from_code(&code.parse().unwrap())
}

/// Every row of seed 004's "Response Code and Message" table.
#[test]
fn every_code_of_the_seed_table_maps_to_its_outcome() {
    let table = [
        ("2005100", QueryOutcome::Success),
        ("4005101", QueryOutcome::InvalidFieldFormat),
        ("4005102", QueryOutcome::InvalidMandatoryField),
        ("4015100", QueryOutcome::Unauthorized),
        ("4015101", QueryOutcome::InvalidToken),
        ("4045101", QueryOutcome::TransactionNotFound),
        ("5005101", QueryOutcome::InternalServerError),
    ];
    for (code, expected) in table {
        assert_eq!(outcome(code), expected, "{code}");
    }
}

#[test]
fn customer_token_codes_map_to_their_own_outcomes() {
    assert_eq!(outcome("4015102"), QueryOutcome::InvalidCustomerToken);
    assert_eq!(outcome("4015104"), QueryOutcome::CustomerTokenNotFound);
    assert!(outcome("4015102").needs_new_customer_token());
    assert!(outcome("4015104").needs_new_customer_token());
    assert!(!outcome("4015101").needs_new_customer_token());
}

#[test]
fn codes_outside_the_table_are_kept() {
    let code: ResponseCode = "4295100".parse().unwrap();
    assert_eq!(QueryOutcome::from_code(&code), QueryOutcome::Other(code));
    let odd: ResponseCode = "4035199".parse().unwrap();
    assert_eq!(QueryOutcome::from_code(&odd), QueryOutcome::Other(odd));
}

#[test]
fn predicates_pick_exactly_their_outcomes() {
    let all = [
        "2005100", "4005101", "4005102", "4015100", "4015101", "4015102", "4015104", "4045101",
        "5005101",
    ];
    for code in all {
        let o = outcome(code);
        assert_eq!(o.is_success(), code == "2005100", "{code}");
        assert_eq!(o.needs_new_b2b_token(), code == "4015101", "{code}");
        assert_eq!(o.is_retryable(), code == "5005101", "{code}");
    }
}

#[test]
fn the_seed_response_is_success_and_paid_in_the_paydia_dialect() {
    let body = include_bytes!("../../tests/fixtures/paydia/qr-mpm-query-response.json");
    let response = QrMpmQueryResponse::from_json(body).unwrap();
    assert_eq!(QueryOutcome::of(&response), QueryOutcome::Success);
    let status = response.latest_transaction_status.as_ref().unwrap();
    assert_eq!(
        status.meaning(StatusDialect::Paydia),
        StatusMeaning::Success
    );
}

#[test]
fn the_seed_lifetimes_are_the_jwt_lifetimes() {
    // exp - iat of the seed's two JWTs.
    assert_eq!(B2B_TOKEN_LIFETIME.as_secs(), 1_726_035_528 - 1_725_949_128);
    assert_eq!(
        CUSTOMER_TOKEN_LIFETIME.as_secs(),
        1_740_668_401 - 1_724_900_401
    );
}
