//! Unit tests of the parent module, kept in their own file.

use super::*;

const ALL_MEANINGS: [StatusMeaning; 9] = [
    StatusMeaning::Success,
    StatusMeaning::Initiated,
    StatusMeaning::Paying,
    StatusMeaning::Pending,
    StatusMeaning::Refunded,
    StatusMeaning::Canceled,
    StatusMeaning::Failed,
    StatusMeaning::NotFound,
    StatusMeaning::Unknown,
];

#[test]
fn standard_table() {
    use StatusMeaning as M;
    let expected = [
        M::Success,
        M::Initiated,
        M::Paying,
        M::Pending,
        M::Refunded,
        M::Canceled,
        M::Failed,
        M::NotFound,
    ];
    for (code, meaning) in KNOWN_CODES.iter().zip(expected) {
        let status = TransactionStatus::from_code(code);
        assert_eq!(status.meaning(StatusDialect::Standard), meaning, "{code}");
    }
}

#[test]
fn paydia_table_differs_only_at_06_and_07() {
    for code in KNOWN_CODES {
        let status = TransactionStatus::from_code(code);
        let standard = status.meaning(StatusDialect::Standard);
        let paydia = status.meaning(StatusDialect::Paydia);
        match code {
            "06" => assert_eq!(paydia, StatusMeaning::Unknown),
            "07" => assert_eq!(paydia, StatusMeaning::Failed),
            _ => assert_eq!(paydia, standard, "{code}"),
        }
    }
}

#[test]
fn status_for_inverts_meaning_in_every_dialect() {
    for dialect in [StatusDialect::Standard, StatusDialect::Paydia] {
        for meaning in ALL_MEANINGS {
            match dialect.status_for(meaning) {
                Some(status) => assert_eq!(dialect.meaning(&status), meaning),
                None => assert!(
                    meaning == StatusMeaning::Unknown
                        || (dialect == StatusDialect::Paydia && meaning == StatusMeaning::NotFound),
                    "{dialect:?} {meaning:?}"
                ),
            }
        }
    }
    assert_eq!(
        StatusDialect::Standard.status_for(StatusMeaning::Failed),
        Some(TransactionStatus::CODE_06)
    );
    assert_eq!(
        StatusDialect::Paydia.status_for(StatusMeaning::Failed),
        Some(TransactionStatus::CODE_07)
    );
}

#[test]
fn constants_match_their_codes() {
    let constants = [
        TransactionStatus::SUCCESS,
        TransactionStatus::INITIATED,
        TransactionStatus::PAYING,
        TransactionStatus::PENDING,
        TransactionStatus::REFUNDED,
        TransactionStatus::CANCELED,
        TransactionStatus::CODE_06,
        TransactionStatus::CODE_07,
    ];
    for (constant, code) in constants.iter().zip(KNOWN_CODES) {
        assert_eq!(constant.code(), code);
        assert_eq!(*constant, TransactionStatus::from_code(code));
        assert!(constant.is_known());
    }
}

#[test]
fn unknown_codes_survive_serde() {
    for code in ["08", "7", "", "SUCCESS", "0 ", "é"] {
        let json = serde_json::to_string(code).unwrap();
        let status: TransactionStatus = serde_json::from_str(&json).unwrap();
        assert!(!status.is_known(), "{code:?}");
        assert_eq!(status.code(), code);
        assert_eq!(
            status.meaning(StatusDialect::Standard),
            StatusMeaning::Unknown
        );
        assert_eq!(serde_json::to_string(&status).unwrap(), json);
    }
    for bad in ["0", "7", "null", "[]"] {
        assert!(
            serde_json::from_str::<TransactionStatus>(bad).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn finality() {
    assert!(StatusMeaning::Success.is_final());
    assert!(StatusMeaning::NotFound.is_final());
    assert!(!StatusMeaning::Initiated.is_final());
    assert!(!StatusMeaning::Pending.is_final());
    assert!(!StatusMeaning::Unknown.is_final());
    assert_eq!(StatusMeaning::NotFound.to_string(), "Not Found");
}
