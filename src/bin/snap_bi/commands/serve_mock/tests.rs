//! Unit tests of the parent module, kept in their own file.

use super::*;

#[test]
fn config_rejects_unknown_fields_and_names_missing_ones() {
    let e = serde_json::from_str::<Config>(r#"{"prefx":"/snap"}"#).unwrap_err();
    assert!(e.to_string().contains("unknown field `prefx`"), "{e}");
    let e = serde_json::from_str::<Config>(r#"{"partners":[{"clientId":"C2"}]}"#).unwrap_err();
    assert!(e.to_string().contains("missing field `publicKey`"), "{e}");
}

#[test]
fn config_reads_the_documented_shape() {
    let config: Config = serde_json::from_str(
        r#"{"partners":[{"partnerId":"P2","clientId":"C2","publicKey":"k.pem",
                "clientSecretFile":"s.txt"}],"prefix":"/snap","profile":"paydia",
                "notifyUrl":"http://127.0.0.1:9/n","notifyKey":"pjp.pem"}"#,
    )
    .unwrap();
    assert_eq!(config.partners.len(), 1);
    assert_eq!(config.partners[0].partner_id.as_deref(), Some("P2"));
    assert_eq!(config.prefix.as_deref(), Some("/snap"));
    assert_eq!(config.notify_key, Some(PathBuf::from("pjp.pem")));
}
